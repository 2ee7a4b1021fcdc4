import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { MessageHeaders } from '../messaging/message.js';
import type { AckMode, Subscription, SubscriptionRegistry } from './subscription-registry.js';

/** A SUBSCRIBE the broker accepted. */
export interface SubscribeRequest {
  readonly sessionId: string;
  readonly id: string;
  readonly destination: string;
  readonly ack: AckMode;
}

/**
 * Checks a SUBSCRIBE: `id` and `destination` present, a known ack mode, the id unused in the
 * session, and under `maxSubscriptions`. Throws a StompProtocolError naming what is wrong.
 */
export function subscribeRequest<M>(
  h: MessageHeaders,
  registry: SubscriptionRegistry<M>,
  maxSubscriptions: number,
): SubscribeRequest {
  const sessionId = h.sessionId!;
  const id = h.subscriptionId ?? h.nativeHeaders.id;
  const destination = h.destination;
  if (!id) throw missing('id');
  if (!destination) throw missing('destination');
  const ack = (h.nativeHeaders.ack ?? 'auto') as AckMode;
  if (ack !== 'auto' && ack !== 'client' && ack !== 'client-individual') {
    throw new StompProtocolError(
      ErrorCodes.ERR_STOMP_INVALID_HEADER,
      `Invalid ack mode '${String(ack)}' (auto, client or client-individual)`,
    );
  }
  const own = registry.sessionSubscriptions(sessionId);
  if (own?.has(id)) {
    throw new StompProtocolError(
      ErrorCodes.ERR_STOMP_DUPLICATE_SUBSCRIPTION,
      `Subscription id '${id}' is already in use in this session`,
    );
  }
  if ((own?.size ?? 0) >= maxSubscriptions) {
    throw new StompProtocolError(
      ErrorCodes.ERR_LIMIT_SUBSCRIPTIONS,
      `Too many subscriptions: maxSubscriptionsPerSession is ${maxSubscriptions}`,
    );
  }
  return { sessionId, id, destination, ack };
}

function missing(header: string): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_MISSING_HEADER,
    `SUBSCRIBE frame is missing the required '${header}' header`,
  );
}

/**
 * The messages an ACK or NACK settles, removed from the subscription's unacked deliveries (and
 * from `ackIndex`): up to and including the named one for `client` (cumulative), that one for
 * `client-individual`. The message is named by `id` (STOMP 1.2) or `message-id` +
 * `subscription` (1.1). Throws ERR_STOMP_UNKNOWN_ACK for a message the session does not hold.
 */
export function settleAck<M>(
  h: MessageHeaders,
  registry: SubscriptionRegistry<M>,
  ackIndex: Map<string, Subscription<M>>,
): { subscription: Subscription<M>; settled: M[] } {
  const sessionId = h.sessionId!;
  const native = h.nativeHeaders;
  let subscription: Subscription<M> | undefined;
  let ackId = native.id;
  if (ackId !== undefined) {
    subscription = ackIndex.get(ackId);
  } else if (native['message-id'] !== undefined && native.subscription !== undefined) {
    subscription = registry.get(sessionId, native.subscription);
    for (const entry of subscription?.unacked.values() ?? []) {
      if (entry.messageId === native['message-id']) {
        ackId = entry.ackId;
        break;
      }
    }
  }
  if (
    subscription === undefined ||
    subscription.sessionId !== sessionId ||
    ackId === undefined ||
    !subscription.unacked.has(ackId)
  ) {
    const shown = native.id ?? native['message-id'] ?? '';
    throw new StompProtocolError(ErrorCodes.ERR_STOMP_UNKNOWN_ACK, `${h.type} of unknown message '${shown}'`);
  }
  const settled: M[] = [];
  if (subscription.ackMode === 'client') {
    for (const [id, entry] of subscription.unacked) {
      subscription.unacked.delete(id);
      ackIndex.delete(id);
      settled.push(entry.message);
      if (id === ackId) break;
    }
  } else {
    settled.push(subscription.unacked.get(ackId)!.message);
    subscription.unacked.delete(ackId);
    ackIndex.delete(ackId);
  }
  return { subscription, settled };
}
