/**
 * SockJS frames: `o` (open), `h` (heartbeat), `a[...]` (messages), `c[code,"reason"]` (close),
 * and the JSON rules both ends follow. Frames are text; transports add their own wrapping.
 */

export const OPEN_FRAME = 'o';
export const HEARTBEAT_FRAME = 'h';

/**
 * Characters that must travel \u-escaped: JSON's control characters, and ranges that some
 * browsers or proxies mangle (SockJS protocol, "JSON encoding").
 */
/* eslint-disable no-control-regex, no-misleading-character-class -- these ranges are the point */
const ESCAPABLE = new RegExp(
  '[\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0604\\u070f\\u17b4\\u17b5\\u200c-\\u200f\\u2028-\\u202f\\u2060-\\u206f\\ufeff\\ufff0-\\uffff\\ud800-\\udfff]',
  'g',
);
/* eslint-enable no-control-regex, no-misleading-character-class */

/** JSON.stringify, then \u-escape the characters SockJS requires escaped. */
export function quote(text: string): string {
  return JSON.stringify(text).replace(
    ESCAPABLE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `a["m1","m2"]`. */
export function messageFrame(messages: readonly string[]): string {
  return quotedMessageFrame(messages.map(quote));
}

/** `a[...]` from messages already quoted with {@link quote}. */
export function quotedMessageFrame(quoted: readonly string[]): string {
  return `a[${quoted.join(',')}]`;
}

/** `c[3000,"Go away!"]`. */
export function closeFrame(code: number, reason: string): string {
  return `c[${code},${quote(reason)}]`;
}

/** Why a client payload was refused. */
export type PayloadError = 'empty' | 'broken';

/**
 * Decodes what a client sends (`["m1","m2"]`): an array of strings. `empty` for no payload,
 * `broken` for anything that is not a JSON array of strings.
 */
export function decodeMessages(payload: string): string[] | PayloadError {
  if (payload.length === 0) return 'empty';
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return 'broken';
  }
  if (!Array.isArray(value)) return typeof value === 'string' ? [value] : 'broken';
  for (const item of value) if (typeof item !== 'string') return 'broken';
  return value as string[];
}

/** Close codes of the SockJS protocol. */
export const SockJsCloseCodes = {
  GO_AWAY: 3000,
  ANOTHER_CONNECTION: 2010,
  INTERRUPTED: 1002,
} as const;
