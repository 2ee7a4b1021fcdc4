/**
 * Counters shared by all WebSocket sessions of an endpoint. In a file of their own so the public
 * declarations that name them (endpoint, server stats) do not pull in the session, whose types
 * name `ws` (a dependency whose types are not ours to ship).
 */
export interface SessionStats {
  messagesSent: number;
  bytesSent: number;
  dropped: number;
  limitExceeded: number;
}

/** Fresh counters, all zero. */
export function createSessionStats(): SessionStats {
  return { messagesSent: 0, bytesSent: 0, dropped: 0, limitExceeded: 0 };
}
