import { ErrorCodes } from '../errors.js';
import type { TransportKind } from '../websocket/handler.js';
import { CloseCodes } from '../websocket/handler.js';

/** Why a STOMP session ended. */
export type CloseCause =
  /** DISCONNECT, or the client closed its socket cleanly (1000, 1001, 1005). */
  | 'normal'
  /** A malformed or disallowed frame (ERROR, then 1002). */
  | 'protocolError'
  /** Denied by an authorization rule or the CSRF check. */
  | 'accessDenied'
  /** No frame within the heart-beat window. */
  | 'heartbeatTimeout'
  /** No CONNECT within connectTimeout (Spring's "connect failure"). */
  | 'connectTimeout'
  /** A limit: send buffer or time (4500), frame size (1009), rate, subscriptions. */
  | 'limitExceeded'
  /** The user's authentication expired. */
  | 'authExpired'
  /** The relay's broker sent an ERROR or went away. */
  | 'brokerError'
  /** The server drained or closed. */
  | 'serverShutdown'
  /** The connection broke (1006 and other abnormal closes). */
  | 'transportError';

const CAUSES: readonly CloseCause[] = [
  'normal',
  'protocolError',
  'accessDenied',
  'heartbeatTimeout',
  'connectTimeout',
  'limitExceeded',
  'authExpired',
  'brokerError',
  'serverShutdown',
  'transportError',
];

const TRANSPORTS: readonly TransportKind[] = [
  'websocket',
  'sockjs-websocket',
  'xhr',
  'xhr_streaming',
  'eventsource',
  'htmlfile',
  'jsonp',
  'in-memory',
];

/** Counters of the STOMP protocol handler (Spring's `StompSubProtocolHandler.Stats` and more). */
export interface StompProtocolStats {
  connect: number;
  connected: number;
  disconnect: number;
  /** ERROR frames sent. */
  errors: number;
  heartbeatTimeouts: number;
  /** Sessions closed for sending faster than maxFramesPerSecond / maxBytesPerSecond. */
  rateLimited: number;
  /** Frames and bytes received from clients / written to them (heart-beats included). */
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** STOMP sessions open now and since start, by transport. */
  sessions: { current: Record<TransportKind, number>; total: Record<TransportKind, number> };
  /** Sessions ended, by cause. */
  closes: Record<CloseCause, number>;
}

export function createProtocolStats(): StompProtocolStats {
  return {
    connect: 0,
    connected: 0,
    disconnect: 0,
    errors: 0,
    heartbeatTimeouts: 0,
    rateLimited: 0,
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    sessions: { current: byTransport(), total: byTransport() },
    closes: Object.fromEntries(CAUSES.map((c) => [c, 0])) as Record<CloseCause, number>,
  };
}

/** A copy that later counting does not change. */
export function copyProtocolStats(stats: StompProtocolStats): StompProtocolStats {
  return {
    ...stats,
    sessions: { current: { ...stats.sessions.current }, total: { ...stats.sessions.total } },
    closes: { ...stats.closes },
  };
}

function byTransport(): Record<TransportKind, number> {
  return Object.fromEntries(TRANSPORTS.map((t) => [t, 0])) as Record<TransportKind, number>;
}

/** The cause an ERROR's code implies. */
export function causeOfError(code: string): CloseCause {
  if (code.startsWith('ERR_LIMIT_') || code === ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE) return 'limitExceeded';
  if (code === ErrorCodes.ERR_ACCESS_DENIED || code === ErrorCodes.ERR_CSRF) return 'accessDenied';
  if (code === ErrorCodes.ERR_AUTH_EXPIRED) return 'authExpired';
  if (code === ErrorCodes.ERR_STOMP_HEARTBEAT_TIMEOUT) return 'heartbeatTimeout';
  if (code === ErrorCodes.ERR_BROKER_UNAVAILABLE) return 'brokerError';
  if (code === ErrorCodes.ERR_SERVER_DRAINING) return 'serverShutdown';
  return 'protocolError';
}

/** The cause a close code implies, when nothing more precise was noted. */
export function causeOfClose(code: number): CloseCause {
  switch (code) {
    case CloseCodes.NORMAL:
    case CloseCodes.GOING_AWAY:
    case 1005:
      return 'normal';
    case CloseCodes.SESSION_NOT_RELIABLE:
    case CloseCodes.MESSAGE_TOO_BIG:
      return 'limitExceeded';
    case CloseCodes.PROTOCOL_ERROR:
    case 1003:
    case 1007:
      return 'protocolError';
    default:
      return 'transportError';
  }
}
