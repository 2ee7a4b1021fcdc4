import { ErrorCodes } from '../errors.js';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { MessageChannel } from '../messaging/channel.js';
import { createHeaders } from '../stomp/frame.js';
import type { Deliveries } from './deliveries.js';
import type { DropCounts } from './drop-reasons.js';
import type { PendingOverflowPolicy } from './pending-deliveries.js';
import { PendingDeliveries } from './pending-deliveries.js';
import type { Published } from './published-message.js';
import type { Subscription, SubscriptionRegistry } from './subscription-registry.js';

/** Limits of {@link TopicFanOut}, resolved from `SimpleBrokerOptions`. */
export interface TopicFanOutLimits {
  readonly maxUnacked: number;
  readonly maxPending: number;
  readonly pendingOverflow: PendingOverflowPolicy;
}

/**
 * Topic delivery of the simple broker: a published message goes to every matching
 * subscription (encoded once per subscription id, see `deliveryHeaders`). A client-ack
 * subscription with `maxUnacked` messages outstanding gets no more until it acknowledges: its
 * messages wait, in order, up to `maxPending`; past it `pendingOverflow` drops the oldest or
 * terminates the session (ERROR `ERR_LIMIT_PENDING`, after which it gets nothing more).
 */
export class TopicFanOut {
  readonly #registry: SubscriptionRegistry<Published>;
  readonly #deliveries: Deliveries;
  readonly #outbound: MessageChannel;
  readonly #dropped: DropCounts;
  readonly #logger: Logger;
  readonly #maxUnacked: number;
  readonly #maxPending: number;
  readonly #pending: PendingDeliveries<Subscription<Published>, Published>;
  readonly #terminating = new Set<string>();

  constructor(
    registry: SubscriptionRegistry<Published>,
    deliveries: Deliveries,
    outbound: MessageChannel,
    limits: TopicFanOutLimits,
    dropped: DropCounts,
    logger: Logger,
  ) {
    this.#registry = registry;
    this.#deliveries = deliveries;
    this.#outbound = outbound;
    this.#maxUnacked = limits.maxUnacked;
    this.#maxPending = limits.maxPending;
    this.#pending = new PendingDeliveries(limits.maxPending, limits.pendingOverflow);
    this.#dropped = dropped;
    this.#logger = logger;
  }

  /** Sessions told to go (pending overflow, 'terminate'): they get nothing more. */
  get terminating(): ReadonlySet<string> {
    return this.#terminating;
  }

  /** Topic messages waiting for acknowledgements now. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Delivers a topic message to every matching subscription (only its owner's, for a user destination). */
  publish(published: Published): void {
    const subscriptions = this.#registry.find(published.destination);
    const owner = published.owner;
    const deliveries = this.#deliveries;
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i]!;
      if (owner !== undefined && subscription.sessionId !== owner) continue;
      if (subscription.ackMode === 'auto') deliveries.deliver(subscription, published, false);
      else this.#offer(subscription, published);
    }
  }

  /** Delivers what waits for `subscription`, in order, while its ack window has room. */
  deliverPending(subscription: Subscription<Published>): void {
    while (subscription.unacked.size < this.#maxUnacked) {
      const next = this.#pending.take(subscription);
      if (next === undefined) return;
      this.#deliveries.deliver(subscription, next, false);
    }
  }

  /** Forgets what waits for `subscription` (it is gone); returns how many messages that was. */
  discard(subscription: Subscription<Published>): number {
    return this.#pending.discard(subscription);
  }

  /** The session ended: it need not be remembered as terminated. */
  forgetSession(sessionId: string): void {
    this.#terminating.delete(sessionId);
  }

  /** Forgets everything waiting and every terminated session (the broker stopped). */
  clear(): void {
    this.#pending.clear();
    this.#terminating.clear();
  }

  /** A message for a client-ack subscription: delivered, or held while its ack window is full. */
  #offer(subscription: Subscription<Published>, published: Published): void {
    if (subscription.unacked.size < this.#maxUnacked && !this.#pending.has(subscription)) {
      this.#deliveries.deliver(subscription, published, false);
      return;
    }
    if (this.#terminating.has(subscription.sessionId)) {
      this.#dropped.subscriberGone++;
      return;
    }
    const outcome = this.#pending.add(subscription, published);
    if (outcome === 'held') return;
    this.#dropped.pendingOverflow++;
    if (outcome === 'droppedOldest') {
      logIncident(
        this.#logger,
        'warn',
        'pendingOverflow',
        subscription.sessionId,
        'Slow consumer: messages waiting for acknowledgements over maxPending; oldest dropped',
        {
          sessionId: subscription.sessionId,
          subscription: subscription.id,
          maxUnacked: this.#maxUnacked,
          maxPending: this.#maxPending,
        },
      );
    } else {
      this.#terminate(subscription);
    }
  }

  /** pendingOverflow 'terminate': the session gets an ERROR naming the limits, then is closed. */
  #terminate(subscription: Subscription<Published>): void {
    const sessionId = subscription.sessionId;
    this.#terminating.add(sessionId);
    for (const own of this.#registry.sessionSubscriptions(sessionId)?.values() ?? [])
      this.#dropped.pendingOverflow += this.#pending.discard(own);
    const reason =
      `Slow consumer: subscription '${subscription.id}' has ${this.#maxUnacked} unacknowledged messages (maxUnacked) ` +
      `and ${this.#maxPending} more waiting (maxPending); acknowledge sooner or raise the limits`;
    logIncident(
      this.#logger,
      'warn',
      'pendingOverflow',
      sessionId,
      'Slow consumer: closing the session (maxPending)',
      {
        sessionId,
        subscription: subscription.id,
        maxUnacked: this.#maxUnacked,
        maxPending: this.#maxPending,
      },
    );
    void this.#outbound.send({
      headers: {
        type: 'ERROR',
        sessionId,
        nativeHeaders: createHeaders({
          message: reason,
          code: ErrorCodes.ERR_LIMIT_PENDING,
          'content-type': 'text/plain',
        }),
      },
      payload: Buffer.from(`${reason}\n`),
    });
  }
}
