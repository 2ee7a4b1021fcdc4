/** CONNECT negotiation: the client's CONNECT checked and taken in, the CONNECTED answer. */
import type { Message } from '../messaging/message.js';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { StompFrame } from './frame.js';
import { createHeaders, negotiateVersion, parseHeartbeat } from './frame.js';
import { toOutbound } from './outbound-encoder.js';
import { SUPPORTED_VERSIONS } from './error-frames.js';
import { sessionMessage } from './client-frames.js';
import type { StompConnection } from './stomp-connection.js';

/**
 * Checks a CONNECT (or STOMP) frame, fixes the session's version and moves it to `connecting`;
 * returns the CONNECT message for the inbound channel. Throws a {@link StompProtocolError} for
 * a second CONNECT, no common version or a malformed heart-beat.
 */
export function acceptConnect(connection: StompConnection, frame: StompFrame): Message {
  if (connection.state !== 'new') {
    throw new StompProtocolError(ErrorCodes.ERR_STOMP_ALREADY_CONNECTED, 'Session is already connected');
  }
  const version = negotiateVersion(frame.headers['accept-version']);
  if (version === undefined) {
    throw new StompProtocolError(
      ErrorCodes.ERR_STOMP_UNSUPPORTED_VERSION,
      `Supported protocol versions are ${SUPPORTED_VERSIONS}; the client accepts ${frame.headers['accept-version']}`,
    );
  }
  const heartbeat = parseHeartbeat(frame.headers['heart-beat']);
  if (heartbeat === undefined) {
    throw new StompProtocolError(
      ErrorCodes.ERR_STOMP_INVALID_HEADER,
      `Invalid heart-beat header '${frame.headers['heart-beat']}' (expected 'cx,cy')`,
    );
  }
  connection.version = version;
  connection.state = 'connecting';
  connection.connectFrame = frame;
  return sessionMessage(connection, 'CONNECT', { heartbeat, nativeHeaders: frame.headers });
}

/**
 * The broker accepted the CONNECT (`ack`): the session is `connected`, its heart-beat
 * intervals are set from the server's offer `[sx, sy]` and the client's, and CONNECTED is
 * written. Returns the CONNECT frame (for its receipt), or undefined when the session was
 * not waiting for this answer.
 */
export function completeConnect(
  connection: StompConnection,
  ack: Message,
  offer: readonly [number, number],
  serverName: string,
): StompFrame | undefined {
  const connect = connection.connectFrame;
  if (connection.state !== 'connecting' || connect === undefined) return undefined;
  connection.connectFrame = undefined;
  clearTimeout(connection.connectTimer);
  connection.connectTimer = undefined;
  const user = ack.headers.user ?? connection.user;
  if (user !== undefined && connection.session.principal === undefined) connection.session.principal = user;
  const [cx, cy] = parseHeartbeat(connect.headers['heart-beat']) ?? [0, 0];
  const [sx, sy] = offer;
  connection.sendInterval = sx > 0 && cy > 0 ? Math.max(sx, cy) : 0;
  connection.receiveInterval = sy > 0 && cx > 0 ? Math.max(sy, cx) : 0;
  const headers = createHeaders({
    version: connection.version,
    'heart-beat': `${sx},${sy}`,
    server: serverName,
    session: connection.id,
    'user-name': user?.name,
  });
  connection.state = 'connected';
  connection.write(toOutbound({ command: 'CONNECTED', headers, body: Buffer.alloc(0) }, connection.version));
  return connect;
}
