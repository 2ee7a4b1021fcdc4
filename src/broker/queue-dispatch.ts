import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import { hasPrefix } from '../messaging/destinations.js';
import type { Deliveries } from './deliveries.js';
import type { DropCounts } from './drop-reasons.js';
import type { HeldQueue, QueueOverflowPolicy } from './held-queues.js';
import { HeldQueues } from './held-queues.js';
import type { Published } from './published-message.js';
import type { Subscription, SubscriptionRegistry } from './subscription-registry.js';

/** Settings of {@link QueueDispatch}, resolved from `SimpleBrokerOptions`. */
export interface QueueDispatchOptions {
  /** Prefixes with queue semantics (normalized). */
  readonly queuePrefixes: readonly string[];
  /** Queue prefixes fan out like topics (queueSemantics 'broadcast'). */
  readonly broadcast: boolean;
  readonly maxQueueDepth: number;
  readonly queueOverflow: QueueOverflowPolicy;
  readonly maxUnacked: number;
}

/**
 * Queue delivery of the simple broker: each message goes to one subscriber, round-robin among
 * those with room in their ack window, or is held (bounded by `maxQueueDepth`, then
 * `queueOverflow`) until one can take it. Requeued messages go back at the head, in order.
 */
export class QueueDispatch {
  readonly #registry: SubscriptionRegistry<Published>;
  readonly #deliveries: Deliveries;
  readonly #terminating: ReadonlySet<string>;
  readonly #dropped: DropCounts;
  readonly #logger: Logger;
  readonly #queuePrefixes: readonly string[];
  readonly #broadcast: boolean;
  readonly #maxQueueDepth: number;
  readonly #maxUnacked: number;
  readonly #queues: HeldQueues<Published>;

  /** `terminating`: sessions that get nothing more (see `TopicFanOut.terminating`). */
  constructor(
    registry: SubscriptionRegistry<Published>,
    deliveries: Deliveries,
    terminating: ReadonlySet<string>,
    options: QueueDispatchOptions,
    dropped: DropCounts,
    logger: Logger,
  ) {
    this.#registry = registry;
    this.#deliveries = deliveries;
    this.#terminating = terminating;
    this.#queuePrefixes = options.queuePrefixes;
    this.#broadcast = options.broadcast;
    this.#maxQueueDepth = options.maxQueueDepth;
    this.#maxUnacked = options.maxUnacked;
    this.#queues = new HeldQueues(options.maxQueueDepth, options.queueOverflow);
    this.#dropped = dropped;
    this.#logger = logger;
  }

  /** Messages held now, all queues together. */
  get heldCount(): number {
    return this.#queues.heldCount;
  }

  /** True when messages to `destination` go to one subscriber each. */
  isQueue(destination: string): boolean {
    return !this.#broadcast && hasPrefix(destination, this.#queuePrefixes);
  }

  /**
   * Hands a newly published queue message to the next subscriber with room, or holds it; a full
   * queue drops its oldest message or, with queueOverflow 'reject', refuses this one (the
   * publisher gets ERR_BROKER_QUEUE_FULL: an ERROR frame, or a rejected template promise).
   */
  enqueue(published: Published): void {
    const destination = published.destination;
    const queue = this.#queues.open(destination);
    if (queue.held.length === 0 && this.#dispatchOne(queue, published)) return;
    const outcome = this.#queues.push(queue, published);
    if (outcome.kind === 'rejected') {
      this.#dropped.queueRejected++;
      this.#queueFull('Queue at maxQueueDepth: publish rejected', destination);
      throw new StompProtocolError(
        ErrorCodes.ERR_BROKER_QUEUE_FULL,
        `Queue '${destination}' is full (maxQueueDepth ${this.#maxQueueDepth}): message rejected`,
      );
    }
    if (outcome.kind === 'droppedOldest') {
      this.#dropped.queueOverflow += outcome.dropped.length;
      this.#queueFull('Queue over maxQueueDepth: oldest message dropped', destination);
    }
  }

  /** Puts a requeued message back at the head of its queue (call {@link drain} after). */
  requeue(message: Published): void {
    this.#queues.unshift(this.#queues.open(message.destination), message);
  }

  /** Delivers held messages of the queues `subscription` can take from, in order. */
  drainFor(subscription: Subscription<Published>): void {
    if (this.#queues.size > 0) this.drain(this.#queuesFor(subscription));
  }

  /** Delivers held messages of `destinations`, in order, while subscribers have room. */
  drain(destinations: Iterable<string>): void {
    for (const destination of destinations) {
      const queue = this.#queues.get(destination);
      if (queue === undefined) continue;
      while (queue.held.length > 0 && this.#dispatchOne(queue, queue.held[0]!)) queue.held.shift();
      if (queue.held.length === 0) this.#queues.delete(destination);
    }
  }

  /**
   * The session ended: messages held for its own user destinations ('/queue/x-user<id>') have
   * no reader left, and are dropped (counted).
   */
  dropSessionQueues(sessionId: string): void {
    const suffix = `-user${sessionId}`;
    for (const destination of [...this.#queues.destinations()])
      if (destination.endsWith(suffix))
        this.#dropped.subscriberGone += this.#queues.delete(destination).length;
  }

  /** Forgets every held message (the broker stopped). */
  clear(): void {
    this.#queues.clear();
  }

  #dispatchOne(queue: HeldQueue<Published>, published: Published): boolean {
    const candidates = this.#registry.find(published.destination);
    const n = candidates.length;
    for (let k = 0; k < n; k++) {
      const subscription = candidates[(queue.next + k) % n]!;
      if (published.owner !== undefined && subscription.sessionId !== published.owner) continue;
      if (subscription.ackMode !== 'auto' && subscription.unacked.size >= this.#maxUnacked) continue;
      if (this.#terminating.size > 0 && this.#terminating.has(subscription.sessionId)) continue;
      queue.next = (queue.next + k + 1) % n;
      this.#deliveries.deliver(subscription, published, published.redeliveries > 0);
      return true;
    }
    return false;
  }

  #queuesFor(subscription: Subscription<Published>): string[] {
    if (subscription.pattern === undefined) return [subscription.destination];
    return [...this.#queues.destinations()].filter((d) => subscription.pattern!.match(d) !== null);
  }

  #queueFull(message: string, destination: string): void {
    logIncident(this.#logger, 'warn', 'queueOverflow', destination, message, {
      destination,
      maxQueueDepth: this.#maxQueueDepth,
    });
  }
}
