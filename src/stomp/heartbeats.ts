import { ErrorCodes, StompProtocolError } from '../errors.js';
import { OutboundMessage } from '../websocket/outbound-message.js';
import type { StompConnection } from './stomp-connection.js';

/** A bare EOL: a STOMP heart-beat. */
export const HEARTBEAT = new OutboundMessage(Buffer.from('\n'));

/**
 * Runs the heart-beats negotiated at CONNECT (per hop): sends an EOL when nothing else was
 * written, and calls `onTimeout` when nothing was read for `grace` receive intervals. The
 * timers live in `connection.timers` (cleared when the session ends).
 */
export function startHeartbeats(
  connection: StompConnection,
  grace: number,
  onTimeout: (connection: StompConnection, error: StompProtocolError) => void,
): void {
  if (connection.sendInterval > 0) {
    // STOMP heart-beats keep the transport alive: SockJS `h` frames would be redundant (as Spring).
    connection.session.disableTransportHeartbeat?.();
    // Checking at half the interval keeps any silence under one full interval.
    const timer = setInterval(() => {
      if (!connection.wrote) connection.write(HEARTBEAT);
      connection.wrote = false;
    }, connection.sendInterval / 2);
    timer.unref();
    (connection.timers ??= []).push(timer);
  }
  if (connection.receiveInterval > 0) {
    const window = connection.receiveInterval * grace;
    connection.read = false;
    const timer = setInterval(() => {
      if (connection.read) {
        connection.read = false;
        return;
      }
      onTimeout(
        connection,
        new StompProtocolError(
          ErrorCodes.ERR_STOMP_HEARTBEAT_TIMEOUT,
          `No data received for ${window} ms (heart-beat ${connection.receiveInterval} ms × ${grace})`,
        ),
      );
    }, window);
    timer.unref();
    (connection.timers ??= []).push(timer);
  }
}
