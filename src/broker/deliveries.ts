import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { MessageChannel } from '../messaging/channel.js';
import type { MessageHeaders } from '../messaging/message.js';
import { settleAck } from './client-frames.js';
import type { Published } from './published-message.js';
import { deliveryHeaders } from './published-message.js';
import type { Subscription, SubscriptionRegistry, UnackedDelivery } from './subscription-registry.js';

/**
 * The simple broker's MESSAGE deliveries: each one sent to the outbound channel and, for a
 * client-ack subscription, recorded under a fresh ack id until the subscriber settles it. Topic
 * fan-out and queue dispatch both deliver through here, so this is the per-delivery hot path.
 */
export class Deliveries {
  readonly #outbound: MessageChannel;
  readonly #logger: Logger;
  readonly #idPrefix: string;
  /** The client-ack subscription each outstanding ack id belongs to. */
  readonly #ackIndex = new Map<string, Subscription<Published>>();
  #ackCounter = 0;
  #delivered = 0;

  constructor(outbound: MessageChannel, idPrefix: string, logger: Logger) {
    this.#outbound = outbound;
    this.#idPrefix = idPrefix;
    this.#logger = logger;
  }

  /** Messages delivered so far, redeliveries included. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Sends `published` to `subscription`; a failed send is logged, never thrown. */
  deliver(subscription: Subscription<Published>, published: Published, redelivered: boolean): void {
    const auto = subscription.ackMode === 'auto';
    const headers = deliveryHeaders(published, subscription.id, auto && !redelivered, redelivered);
    if (!auto) {
      const ackId = `${this.#idPrefix}-a${++this.#ackCounter}`;
      headers.ack = ackId;
      subscription.unacked.set(ackId, { ackId, messageId: published.messageId, message: published });
      this.#ackIndex.set(ackId, subscription);
    }
    this.#delivered++;
    try {
      const sent = this.#outbound.send({
        headers: {
          type: 'MESSAGE',
          sessionId: subscription.sessionId,
          subscriptionId: subscription.id,
          destination: published.destination,
          nativeHeaders: headers,
          deliveryCache: redelivered ? undefined : published.cache,
          publishedAt: published.publishedAt,
        },
        payload: published.payload,
      });
      if (typeof sent !== 'boolean') sent.catch((error: unknown) => this.#failed(subscription, error));
    } catch (error) {
      this.#failed(subscription, error);
    }
  }

  /**
   * Settles what an ACK or NACK names (see {@link settleAck}): the messages are no longer
   * outstanding. Throws ERR_STOMP_UNKNOWN_ACK for a message the session does not hold.
   */
  settle(
    h: MessageHeaders,
    registry: SubscriptionRegistry<Published>,
  ): { subscription: Subscription<Published>; settled: Published[] } {
    return settleAck(h, registry, this.#ackIndex);
  }

  /** Forgets every outstanding delivery of `subscription`; returns them, oldest first. */
  takeUnacked(subscription: Subscription<Published>): UnackedDelivery<Published>[] {
    const orphans = [...subscription.unacked.values()];
    subscription.unacked.clear();
    for (const { ackId } of orphans) this.#ackIndex.delete(ackId);
    return orphans;
  }

  /** Forgets every outstanding delivery (the broker stopped). */
  clear(): void {
    this.#ackIndex.clear();
  }

  #failed(subscription: Subscription<Published>, error: unknown): void {
    logIncident(this.#logger, 'warn', 'deliveryFailed', subscription.sessionId, 'Delivery failed', {
      sessionId: subscription.sessionId,
      subscription: subscription.id,
      error,
    });
  }
}
