/** CONNECT negotiation: the client's CONNECT checked and taken in, the CONNECTED answer. */
import type { Message } from '../messaging/message.js';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { StompFrame } from './frame.js';
import type { StompVersion } from './frame.js';
import { negotiateVersion, parseHeartbeat } from './frame.js';
import { flattenHeader } from './header-escaping.js';
import { OutboundMessage } from '../websocket/outbound-message.js';
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
 * CONNECTED frames of one protocol handler. What every session of one version shares (the
 * version, the server's heart-beat offer `[sx, sy]` and its name) is written once; a session
 * adds its id and user name. The bytes are those `encodeFrame` writes: CONNECTED headers are
 * never escaped, CR and LF become spaces.
 */
export class ConnectedFrames {
  readonly offer: readonly [number, number];
  readonly #heads: Record<StompVersion, string>;

  constructor(offer: readonly [number, number], serverName: string) {
    this.offer = offer;
    const shared = `heart-beat:${offer[0]},${offer[1]}\nserver:${flattenHeader(serverName)}\nsession:`;
    this.#heads = {
      '1.0': `CONNECTED\nversion:1.0\n${shared}`,
      '1.1': `CONNECTED\nversion:1.1\n${shared}`,
      '1.2': `CONNECTED\nversion:1.2\n${shared}`,
    };
  }

  /** The CONNECTED frame for one session. */
  encode(version: StompVersion, sessionId: string, userName: string | undefined): OutboundMessage {
    let text = this.#heads[version] + flattenHeader(sessionId) + '\n';
    if (userName !== undefined) text += 'user-name:' + flattenHeader(userName) + '\n';
    return new OutboundMessage(text + '\n\0');
  }
}

/**
 * The broker accepted the CONNECT (`ack`): the session is `connected`, its heart-beat
 * intervals are set from the server's offer and the client's, and CONNECTED is written.
 * Returns the CONNECT frame (for its receipt), or undefined when the session was not waiting
 * for this answer.
 */
export function completeConnect(
  connection: StompConnection,
  ack: Message,
  frames: ConnectedFrames,
): StompFrame | undefined {
  const connect = connection.connectFrame;
  if (connection.state !== 'connecting' || connect === undefined) return undefined;
  connection.connectFrame = undefined;
  connection.stopConnectClock();
  const user = ack.headers.user ?? connection.user;
  if (user !== undefined && connection.session.principal === undefined) connection.session.principal = user;
  // Indexed, not destructured: array destructuring runs the iterator protocol on every connect.
  const client = parseHeartbeat(connect.headers['heart-beat']);
  const cx = client === undefined ? 0 : client[0];
  const cy = client === undefined ? 0 : client[1];
  const sx = frames.offer[0];
  const sy = frames.offer[1];
  connection.sendInterval = sx > 0 && cy > 0 ? Math.max(sx, cy) : 0;
  connection.receiveInterval = sy > 0 && cx > 0 ? Math.max(sy, cx) : 0;
  connection.state = 'connected';
  connection.write(frames.encode(connection.version ?? '1.2', connection.id, user?.name));
  return connect;
}
