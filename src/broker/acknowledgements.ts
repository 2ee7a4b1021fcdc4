import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { MessageHeaders } from '../messaging/message.js';
import type { Deliveries } from './deliveries.js';
import type { DropCounts } from './drop-reasons.js';
import type { Published } from './published-message.js';
import type { QueueDispatch } from './queue-dispatch.js';
import type { Subscription, SubscriptionRegistry } from './subscription-registry.js';
import type { TopicFanOut } from './topic-fan-out.js';

/**
 * What becomes of client-ack deliveries in the simple broker: an ACK settles them and opens the
 * ack window again (waiting topic messages and held queue messages flow); a NACK also
 * redelivers them (a queue message through its queue, a topic message to the same
 * subscription), up to `maxRedeliveries`; a subscription that ends gives its unacked queue
 * messages back to their queues and drops the topic messages that waited for it.
 */
export class Acknowledgements {
  readonly #registry: SubscriptionRegistry<Published>;
  readonly #deliveries: Deliveries;
  readonly #topics: TopicFanOut;
  readonly #queues: QueueDispatch;
  readonly #maxRedeliveries: number;
  readonly #dropped: DropCounts;
  readonly #logger: Logger;

  constructor(
    registry: SubscriptionRegistry<Published>,
    deliveries: Deliveries,
    topics: TopicFanOut,
    queues: QueueDispatch,
    maxRedeliveries: number,
    dropped: DropCounts,
    logger: Logger,
  ) {
    this.#registry = registry;
    this.#deliveries = deliveries;
    this.#topics = topics;
    this.#queues = queues;
    this.#maxRedeliveries = maxRedeliveries;
    this.#dropped = dropped;
    this.#logger = logger;
  }

  /** Applies an ACK or NACK; throws ERR_STOMP_UNKNOWN_ACK for a message the session does not hold. */
  settle(h: MessageHeaders, nack: boolean): void {
    const { subscription, settled } = this.#deliveries.settle(h, this.#registry);
    if (nack) this.#redeliver(subscription, settled);
    this.#topics.deliverPending(subscription);
    this.#queues.drainFor(subscription);
  }

  /**
   * A subscription is gone: topic messages waiting for it are dropped (counted); its unacked
   * queue messages go back to their queues, in order.
   */
  release(subscription: Subscription<Published>): void {
    this.#dropped.subscriberGone += this.#topics.discard(subscription);
    if (subscription.unacked.size === 0) return;
    const orphans = this.#deliveries.takeUnacked(subscription);
    const touched = new Set<string>();
    for (let i = orphans.length - 1; i >= 0; i--) {
      const { message } = orphans[i]!;
      if (this.#queues.isQueue(message.destination)) {
        message.redeliveries++;
        this.#queues.requeue(message);
        touched.add(message.destination);
      }
    }
    this.#queues.drain(touched);
  }

  #redeliver(subscription: Subscription<Published>, messages: Published[]): void {
    const touched = new Set<string>();
    const live: Published[] = [];
    for (const message of messages) {
      if (++message.redeliveries > this.#maxRedeliveries) {
        this.#dropped.redeliveryLimit++;
        logIncident(
          this.#logger,
          'warn',
          'redeliveryLimit',
          subscription.sessionId,
          'Message dropped after maxRedeliveries NACKs',
          {
            destination: message.destination,
            messageId: message.messageId,
            maxRedeliveries: this.#maxRedeliveries,
          },
        );
        continue;
      }
      live.push(message);
    }
    // Requeued in reverse so that they stand at the head in their original order.
    for (let i = live.length - 1; i >= 0; i--) {
      const message = live[i]!;
      if (this.#queues.isQueue(message.destination)) {
        this.#queues.requeue(message);
        touched.add(message.destination);
      }
    }
    for (const message of live) {
      if (!this.#queues.isQueue(message.destination)) this.#deliveries.deliver(subscription, message, true);
    }
    this.#queues.drain(touched);
  }
}
