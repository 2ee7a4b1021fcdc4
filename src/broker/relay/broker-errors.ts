import { ErrorCodes } from '../../errors.js';
import type { StompFrame } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';
import type { PendingFrame } from './pending-frames.js';
import type { PooledConnection } from './pooled-connection.js';
import type { SharedRelayContext } from './shared-relay-context.js';

/**
 * A broker ERROR on a shared connection, put down to the client it is about. The broker closes
 * that connection for every session on it, so only the client whose frame caused it
 * (`culprit`, see {@link PendingFrames}) is told and closed: every subscriber of a refused
 * subscription, with its own SUBSCRIBE's receipt id, or the session that sent the frame. The
 * others keep their sessions, and their subscriptions are made again on the next connection.
 * A refused system subscription is the operator's problem: logged at ERROR.
 */
export function attributeBrokerError(
  relay: SharedRelayContext,
  connection: PooledConnection,
  error: StompFrame,
  culprit: PendingFrame | undefined,
): void {
  const message = (error.headers.message ?? 'Broker error').slice(0, 200);
  if (culprit?.subscription !== undefined) {
    const subscription = relay.subscriptions.get(culprit.subscription);
    if (subscription !== undefined) {
      const waiting = subscription.waiting.splice(0);
      for (const local of relay.subscriptions.remove(subscription)) {
        relay.sessions.get(local.sessionId)?.subscriptions.delete(local.id);
        const receipt = waiting.find((w) => w.sessionId === local.sessionId)?.receipt;
        const headers = createHeaders({ code: ErrorCodes.ERR_BROKER_REFUSED, 'receipt-id': receipt });
        relay.failSession(local.sessionId, message, error.body, headers);
      }
    } else if (relay.system.has(culprit.subscription)) {
      relay.context.logger.error('The broker refused a system subscription', {
        destination: culprit.destination,
        message,
      });
    }
  } else if (culprit?.sessionId !== undefined) {
    const headers = createHeaders({
      code: ErrorCodes.ERR_BROKER_REFUSED,
      'receipt-id': culprit.clientReceipt,
    });
    relay.failSession(culprit.sessionId, message, error.body, headers);
  }
  relay.context.logger.warn('The broker sent an ERROR', {
    connection: connection.index,
    message,
    frame: culprit?.command,
    destination: culprit?.destination?.slice(0, 200),
    session: culprit?.sessionId,
  });
}
