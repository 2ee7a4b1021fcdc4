/** What the WebSocket sessions of an endpoint share: their context and the `ws` socket class. */
import WebSocket from 'ws';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { WebSocketHandler } from './handler.js';
import type { SessionStats } from './session-stats.js';

/**
 * What every session of an endpoint shares (one object, referenced by each session). `S` is the
 * session class (generic so that this file need not import it).
 */
export interface SessionContext<S> {
  handler: WebSocketHandler;
  limits: Pick<Limits, 'sendBufferLimit' | 'sendTimeLimit' | 'overflow'>;
  stats: SessionStats;
  logger: Logger;
  onClosed: (session: S) => void;
  /** The session's WebSocket closed, after its TCP socket: once per session. */
  onSocketClosed?: (session: S) => void;
}

/**
 * The `ws` socket class of session endpoints: it points back at its session, so one listener
 * function serves every session (instead of a closure per event per session).
 */
export class SessionWebSocket<S = unknown> extends WebSocket {
  session: S | undefined = undefined;
}

/** A close reason that fits a close frame (123 bytes of UTF-8): cut, with `...`, when longer. */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}...`;
}
