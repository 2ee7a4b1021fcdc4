/** STOMP versions Switchboard speaks, highest first. */
export const STOMP_VERSIONS = ['1.2', '1.1', '1.0'] as const;
/** A STOMP protocol version. */
export type StompVersion = (typeof STOMP_VERSIONS)[number];

export const CLIENT_COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;
export const SERVER_COMMANDS = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;

export type ClientCommand = (typeof CLIENT_COMMANDS)[number];
export type ServerCommand = (typeof SERVER_COMMANDS)[number];
/** A STOMP command a client or a server sends. */
export type StompCommand = ClientCommand | ServerCommand;

/**
 * Header map of one frame. When a frame repeats a header, the first occurrence wins
 * (STOMP 1.2 §"Repeated Header Entries"); the decoder keeps only that one.
 * Maps come from {@link createHeaders}: nothing is inherited, so `__proto__` is an ordinary header name.
 */
export type StompHeaders = Record<string, string>;

/** One STOMP frame. `body` is raw bytes: the codec never decodes or re-encodes it. */
export interface StompFrame {
  command: StompCommand;
  headers: StompHeaders;
  body: Buffer;
}

/**
 * Header maps inherit from a null-prototype object: no `Object.prototype` names leak in
 * (`__proto__` is an ordinary header), yet V8 keeps them in fast mode, which
 * `Object.create(null)` objects are not (that cost ~25% of encode time).
 */
function HeaderMap(this: StompHeaders): void {}
HeaderMap.prototype = Object.create(null) as object;
const HeaderMapConstructor = HeaderMap as unknown as new () => StompHeaders;

/** Creates a header map (no inherited names), optionally filled from `init`. */
export function createHeaders(init?: Record<string, string | undefined>): StompHeaders {
  const headers = new HeaderMapConstructor();
  if (init) {
    for (const key of Object.keys(init)) {
      const value = init[key];
      if (value !== undefined) headers[key] = value;
    }
  }
  return headers;
}

const EMPTY = Buffer.alloc(0);

/** Builds a frame; headers with `undefined` values are left out. */
export function createFrame(
  command: StompCommand,
  headers?: Record<string, string | undefined>,
  body?: Buffer | string,
): StompFrame {
  return {
    command,
    headers: createHeaders(headers),
    body: body === undefined ? EMPTY : typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

/** Commands whose frames may carry a body (STOMP 1.2: SEND, MESSAGE and ERROR only). */
export function allowsBody(command: StompCommand): boolean {
  return command === 'SEND' || command === 'MESSAGE' || command === 'ERROR';
}

/**
 * Parses a `heart-beat` header value `cx,cy`. Returns [0, 0] when absent;
 * returns `undefined` when present but malformed (the caller answers with ERROR).
 */
export function parseHeartbeat(value: string | undefined): [number, number] | undefined {
  if (value === undefined || value === '' || value === '0,0') return [0, 0];
  const match = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(value);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2])];
}

/** Formats a heart-beat pair as a header value. */
export function formatHeartbeat([x, y]: readonly [number, number]): string {
  return `${x},${y}`;
}

/**
 * Picks the highest version both sides speak from an `accept-version` value.
 * A CONNECT without `accept-version` is STOMP 1.0 (spec §"Protocol Negotiation").
 */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion | undefined {
  if (acceptVersion === undefined) return '1.0';
  // Clients send one of a few values ('1.2', '1.0,1.1,1.2'): their answers are remembered.
  if (negotiated.has(acceptVersion)) return negotiated.get(acceptVersion);
  const offered = acceptVersion.split(',');
  for (let i = 0; i < offered.length; i++) offered[i] = offered[i]!.trim();
  const version = STOMP_VERSIONS.find((v) => offered.includes(v));
  if (negotiated.size < 32 && acceptVersion.length <= 64) negotiated.set(acceptVersion, version);
  return version;
}

/** `accept-version` values seen, and the version each gives (bounded: 32 values of ≤ 64 characters). */
const negotiated = new Map<string, StompVersion | undefined>();
