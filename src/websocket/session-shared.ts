/** What the WebSocket sessions of an endpoint share: counters, context, the `ws` socket class. */
import WebSocket from 'ws';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { WebSocketHandler } from './handler.js';
import type { WebSocketSession } from './session.js';

/** Counters shared by all WebSocket sessions of an endpoint. */
export interface SessionStats {
  messagesSent: number;
  bytesSent: number;
  dropped: number;
  limitExceeded: number;
}

export function createSessionStats(): SessionStats {
  return { messagesSent: 0, bytesSent: 0, dropped: 0, limitExceeded: 0 };
}

/** What every session of an endpoint shares (one object, referenced by each session). */
export interface SessionContext {
  handler: WebSocketHandler;
  limits: Pick<Limits, 'sendBufferLimit' | 'sendTimeLimit' | 'overflow'>;
  stats: SessionStats;
  logger: Logger;
  onClosed: (session: WebSocketSession) => void;
  /** The session's WebSocket closed, after its TCP socket: once per session. */
  onSocketClosed?: (session: WebSocketSession) => void;
}

/**
 * The `ws` socket class of session endpoints: it points back at its session, so one listener
 * function serves every session (instead of a closure per event per session).
 */
export class SessionWebSocket extends WebSocket {
  session: WebSocketSession | undefined = undefined;
}
