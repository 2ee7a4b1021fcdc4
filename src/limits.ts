/**
 * Every limit in one table, each with a safe default. Modules take `Partial<Limits>`
 * and call {@link resolveLimits}; nothing else hard-codes a number.
 */
export interface Limits {
  /** Largest STOMP frame (command + headers + body) accepted from a client, in bytes. Default 64 KiB. */
  maxFrameSize: number;
  /** Most headers one frame may carry. Default 100. */
  maxHeaders: number;
  /** Longest header line (name + ':' + value) in bytes. Default 8 KiB. */
  maxHeaderLineLength: number;
  /** Largest WebSocket message accepted (ws `maxPayload`). Default max(1 MiB, 2 × maxFrameSize). */
  maxWebSocketMessageSize: number;
  /** Bytes an outbound session may have buffered before the overflow policy applies. Default 512 KiB. */
  sendBufferLimit: number;
  /** How long a session may stay unable to write (socket not draining) before it is closed, ms. Default 10 s. */
  sendTimeLimit: number;
  /** What a session does when `sendBufferLimit` is passed. Default 'terminate' (close 4500). */
  overflow: OverflowPolicy;
  /** Subscriptions one session may hold. Default 1000. */
  maxSubscriptionsPerSession: number;
  /** Time a new connection has to send CONNECT before it is closed, ms. Default 60 s. */
  connectTimeout: number;
  /** Time an application handler may take before its session's queue moves on, ms. Default 30 s. */
  handlerTimeout: number;
  /**
   * Frames per second one session may send (bursts up to twice that); 0 turns it off. Default
   * 50000: no legitimate publisher is cut off (a market-data feeder may send tens of thousands),
   * yet one session cannot take a whole core. Lower it for browser-facing endpoints (e.g. 100).
   */
  maxFramesPerSecond: number;
  /** Bytes per second one session may send (bursts up to twice that); 0 turns it off. Default 64 MiB. */
  maxBytesPerSecond: number;
}

/** `terminate` closes the session with 4500; `drop-oldest` discards the oldest queued messages. */
export type OverflowPolicy = 'terminate' | 'drop-oldest';

/** The default of every limit (each is an option: see docs/configuration.md#limits). */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameSize: 64 * 1024,
  maxHeaders: 100,
  maxHeaderLineLength: 8 * 1024,
  maxWebSocketMessageSize: 1024 * 1024,
  sendBufferLimit: 512 * 1024,
  sendTimeLimit: 10_000,
  overflow: 'terminate',
  maxSubscriptionsPerSession: 1000,
  connectTimeout: 60_000,
  handlerTimeout: 30_000,
  maxFramesPerSecond: 50_000,
  maxBytesPerSecond: 64 * 1024 * 1024,
});

/** Limits where 0 means "off". */
const MAY_BE_OFF = new Set(['maxFramesPerSecond', 'maxBytesPerSecond']);

/** Merges user limits over the defaults and validates them. Throws a TypeError naming a bad option. */
export function resolveLimits(partial: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...stripUndefined(partial) };
  if (partial.maxWebSocketMessageSize === undefined) {
    limits.maxWebSocketMessageSize = Math.max(
      DEFAULT_LIMITS.maxWebSocketMessageSize,
      2 * limits.maxFrameSize,
    );
  }
  for (const [key, value] of Object.entries(limits)) {
    if (key === 'overflow') continue;
    if (MAY_BE_OFF.has(key) && value === 0) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`Invalid limit ${key}: ${String(value)} (expected a positive number)`);
    }
  }
  if (limits.overflow !== 'terminate' && limits.overflow !== 'drop-oldest') {
    throw new TypeError(
      `Invalid limit overflow: ${String(limits.overflow)} (expected 'terminate' or 'drop-oldest')`,
    );
  }
  return limits;
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(obj) as (keyof T)[]) {
    if (obj[key] !== undefined) out[key] = obj[key];
  }
  return out;
}
