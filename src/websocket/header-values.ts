import type { IncomingHttpHeaders } from 'node:http';

/** Values longer than this are never shared (a cap on what the cache holds). */
const MAX_SHARED_LENGTH = 256;
/** Header names the cache remembers a value for. */
const MAX_NAMES = 64;
/** Unique per request, or secrets: never worth sharing, never kept. */
const UNIQUE = new Set(['sec-websocket-key', 'cookie', 'authorization', 'proxy-authorization']);

/**
 * Makes equal handshake header values one string. A session keeps its handshake headers for
 * its whole life, and the clients of one endpoint mostly send the same Host, Upgrade,
 * Connection, Sec-WebSocket-Version, Sec-WebSocket-Protocol, Origin, User-Agent: with this,
 * each such value is held once per endpoint rather than once per session. Values stay equal;
 * only their copies go. Bounded: the last value of at most 64 names, each ≤ 256 characters.
 */
export class HeaderValues {
  readonly #last = new Map<string, string>();

  /** Replaces each value of `headers` equal to the last one seen under its name by that one. */
  share(headers: IncomingHttpHeaders): void {
    for (const name in headers) {
      const value = headers[name];
      if (typeof value !== 'string' || value.length > MAX_SHARED_LENGTH || UNIQUE.has(name)) continue;
      const last = this.#last.get(name);
      if (last === value) headers[name] = last;
      else if (last !== undefined || this.#last.size < MAX_NAMES) this.#last.set(name, value);
    }
  }
}
