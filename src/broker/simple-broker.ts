import { randomBytes } from 'node:crypto';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { MessageChannel } from '../messaging/channel.js';
import { hasPrefix, normalizePrefix } from '../messaging/destinations.js';
import type { Message, MessageHeaders } from '../messaging/message.js';
import { createHeaders } from '../stomp/frame.js';
import type { Broker, BrokerAvailabilityListener, BrokerFeatures } from './broker.js';
import type { Subscription } from './subscription-registry.js';
import { SubscriptionRegistry } from './subscription-registry.js';
import type { BrokerDropReason } from './drop-reasons.js';
import { createDropCounts } from './drop-reasons.js';
import type { HeldQueue } from './held-queues.js';
import { HeldQueues } from './held-queues.js';
import { PendingDeliveries } from './pending-deliveries.js';
import type { Published } from './published-message.js';
import { deliveryHeaders, publishedMessage } from './published-message.js';
import { settleAck, subscribeRequest } from './client-frames.js';

export type { SimpleBrokerOptions, SimpleBrokerStats } from './simple-broker-options.js';
import type { SimpleBrokerOptions, SimpleBrokerStats } from './simple-broker-options.js';

/**
 * The embedded in-memory broker. `/topic` destinations fan out to every matching subscription;
 * `/queue` destinations give each message to one subscriber, round-robin, and hold messages
 * (bounded by `maxQueueDepth`, then `queueOverflow`) while nobody can take them. Ack modes `auto`,
 * `client` (cumulative) and `client-individual`; NACKed or orphaned queue messages are
 * redelivered. A client-ack subscription with `maxUnacked` messages outstanding gets no more
 * until it acknowledges: queue messages go to other consumers or stay queued, topic messages
 * wait (bounded by `maxPending`, then `pendingOverflow`). Every drop is counted by reason.
 */
export class SimpleBroker implements Broker {
  readonly prefixes: readonly string[];
  readonly features: BrokerFeatures = { receipts: false, transactions: false };
  readonly #outbound: MessageChannel;
  readonly #queuePrefixes: readonly string[];
  readonly #broadcastQueues: boolean;
  readonly #maxQueueDepth: number;
  readonly #maxUnacked: number;
  readonly #maxPending: number;
  readonly #maxRedeliveries: number;
  readonly #maxSubscriptions: number;
  readonly #logger: Logger;
  readonly #registry: SubscriptionRegistry<Published>;
  readonly #sessions = new Set<string>();
  readonly #queues: HeldQueues<Published>;
  readonly #pending: PendingDeliveries<Subscription<Published>, Published>;
  /** Sessions told to go (pending overflow, 'terminate'): they get nothing more. */
  readonly #terminating = new Set<string>();
  readonly #ackIndex = new Map<string, Subscription<Published>>();
  readonly #listeners = new Set<BrokerAvailabilityListener>();
  readonly #idPrefix = randomBytes(4).toString('hex');
  #messageCounter = 0;
  #ackCounter = 0;
  #available = false;
  readonly #stats = { published: 0, delivered: 0 };
  readonly #dropped = createDropCounts();

  constructor(options: SimpleBrokerOptions) {
    this.#outbound = options.outbound;
    this.prefixes = (options.prefixes ?? ['/topic/', '/queue/']).map(normalizePrefix);
    this.#queuePrefixes = (options.queuePrefixes ?? ['/queue/']).map(normalizePrefix);
    this.#broadcastQueues = options.queueSemantics === 'broadcast';
    this.#maxQueueDepth = options.maxQueueDepth ?? 1000;
    this.#maxUnacked = options.maxUnacked ?? 1000;
    this.#maxPending = options.maxPending ?? 1000;
    this.#queues = new HeldQueues(this.#maxQueueDepth, options.queueOverflow ?? 'drop-oldest');
    this.#pending = new PendingDeliveries(this.#maxPending, options.pendingOverflow ?? 'terminate');
    this.#maxRedeliveries = options.maxRedeliveries ?? 5;
    this.#maxSubscriptions = options.maxSubscriptionsPerSession ?? 1000;
    this.#logger = options.logger ?? silentLogger;
    this.#registry = new SubscriptionRegistry({
      separator: options.pathSeparator,
      cacheLimit: options.cacheLimit,
    });
  }

  get available(): boolean {
    return this.#available;
  }

  get stats(): SimpleBrokerStats {
    let dropped = 0;
    for (const n of Object.values(this.#dropped)) dropped += n;
    return {
      sessions: this.#sessions.size,
      subscriptions: this.#registry.size,
      destinations: this.#registry.destinationCount,
      ...this.#stats,
      dropped,
      droppedByReason: { ...this.#dropped },
      queued: this.#queues.heldCount,
      pending: this.#pending.size,
    };
  }

  matches(destination: string): boolean {
    return hasPrefix(destination, this.prefixes);
  }

  onAvailabilityChange(listener: BrokerAvailabilityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Marks the broker available (it has nothing to connect to). */
  start(): void {
    this.#setAvailable(true);
  }

  /** Forgets every subscription and held message. */
  stop(): void {
    this.#queues.clear();
    this.#pending.clear();
    this.#terminating.clear();
    this.#ackIndex.clear();
    for (const sessionId of [...this.#sessions]) this.#registry.removeSession(sessionId);
    this.#sessions.clear();
    this.#setAvailable(false);
  }

  /** Takes CONNECT, SUBSCRIBE, UNSUBSCRIBE, MESSAGE, ACK/NACK and DISCONNECT from the channels. */
  handleMessage(message: Message): void {
    const h = message.headers;
    switch (h.type) {
      case 'MESSAGE':
        if (h.destination !== undefined && this.matches(h.destination)) this.#publish(h, message.payload);
        return;
      case 'SUBSCRIBE':
        return this.#subscribe(h);
      case 'UNSUBSCRIBE':
        return this.#unsubscribe(h);
      case 'ACK':
      case 'NACK':
        return this.#ack(h, h.type === 'NACK');
      case 'CONNECT':
        if (h.sessionId === undefined) return;
        this.#sessions.add(h.sessionId);
        void this.#outbound.send({
          headers: {
            type: 'CONNECT_ACK',
            sessionId: h.sessionId,
            user: h.user,
            nativeHeaders: createHeaders(),
          },
          payload: message.payload,
        });
        return;
      case 'DISCONNECT':
        if (h.sessionId !== undefined) this.#disconnect(h.sessionId);
        return;
      default:
        return;
    }
  }

  #publish(h: MessageHeaders, payload: Buffer): void {
    const destination = h.destination!;
    const published = publishedMessage(h, payload, `${this.#idPrefix}-${++this.#messageCounter}`);
    if (this.#isQueue(destination)) {
      this.#enqueue(published);
      return;
    }
    this.#stats.published++;
    const subscriptions = this.#registry.find(destination);
    const owner = published.owner;
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i]!;
      if (owner === undefined || subscription.sessionId === owner) this.#offer(subscription, published);
    }
  }

  /** A topic message for `subscription`: delivered, or held while its ack window is full. */
  #offer(subscription: Subscription<Published>, published: Published): void {
    if (
      subscription.ackMode === 'auto' ||
      (subscription.unacked.size < this.#maxUnacked && !this.#pending.has(subscription))
    ) {
      this.#deliver(subscription, published, false);
      return;
    }
    if (this.#terminating.has(subscription.sessionId)) return this.#drop('subscriberGone');
    const outcome = this.#pending.add(subscription, published);
    if (outcome === 'held') return;
    this.#drop('pendingOverflow');
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

  /** Delivers what waits for `subscription`, in order, while its ack window has room. */
  #deliverPending(subscription: Subscription<Published>): void {
    while (subscription.unacked.size < this.#maxUnacked) {
      const next = this.#pending.take(subscription);
      if (next === undefined) return;
      this.#deliver(subscription, next, false);
    }
  }

  /** pendingOverflow 'terminate': the session gets an ERROR naming the limits, then is closed. */
  #terminate(subscription: Subscription<Published>): void {
    const sessionId = subscription.sessionId;
    this.#terminating.add(sessionId);
    for (const own of this.#registry.sessionSubscriptions(sessionId)?.values() ?? [])
      this.#drop('pendingOverflow', this.#pending.discard(own));
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

  #drop(reason: BrokerDropReason, count = 1): void {
    this.#dropped[reason] += count;
  }

  #deliver(subscription: Subscription<Published>, published: Published, redelivered: boolean): void {
    const auto = subscription.ackMode === 'auto';
    const headers = deliveryHeaders(published, subscription.id, auto && !redelivered, redelivered);
    if (!auto) {
      const ackId = `${this.#idPrefix}-a${++this.#ackCounter}`;
      headers.ack = ackId;
      subscription.unacked.set(ackId, { ackId, messageId: published.messageId, message: published });
      this.#ackIndex.set(ackId, subscription);
    }
    this.#stats.delivered++;
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
      if (typeof sent !== 'boolean')
        sent.catch((error: unknown) => this.#deliveryFailed(subscription, error));
    } catch (error) {
      this.#deliveryFailed(subscription, error);
    }
  }

  #deliveryFailed(subscription: Subscription<Published>, error: unknown): void {
    logIncident(this.#logger, 'warn', 'deliveryFailed', subscription.sessionId, 'Delivery failed', {
      sessionId: subscription.sessionId,
      subscription: subscription.id,
      error,
    });
  }

  /**
   * Hands a newly published queue message to the next subscriber with room, or holds it; a full
   * queue drops its oldest message or, with queueOverflow 'reject', refuses this one (the
   * publisher gets ERR_BROKER_QUEUE_FULL: an ERROR frame, or a rejected template promise).
   */
  #enqueue(published: Published): void {
    const destination = published.destination;
    const queue = this.#queues.open(destination);
    if (queue.held.length === 0 && this.#dispatchOne(queue, published)) {
      this.#stats.published++;
      return;
    }
    const outcome = this.#queues.push(queue, published);
    if (outcome.kind === 'rejected') {
      this.#drop('queueRejected');
      this.#queueFull('Queue at maxQueueDepth: publish rejected', destination);
      throw new StompProtocolError(
        ErrorCodes.ERR_BROKER_QUEUE_FULL,
        `Queue '${destination}' is full (maxQueueDepth ${this.#maxQueueDepth}): message rejected`,
      );
    }
    this.#stats.published++;
    if (outcome.kind === 'droppedOldest') {
      this.#drop('queueOverflow', outcome.dropped.length);
      this.#queueFull('Queue over maxQueueDepth: oldest message dropped', destination);
    }
  }

  #queueFull(message: string, destination: string): void {
    logIncident(this.#logger, 'warn', 'queueOverflow', destination, message, {
      destination,
      maxQueueDepth: this.#maxQueueDepth,
    });
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
      this.#deliver(subscription, published, published.redeliveries > 0);
      return true;
    }
    return false;
  }

  /** Delivers held messages of queues `subscription` can take from, in order. */
  #drain(destinations: Iterable<string>): void {
    for (const destination of destinations) {
      const queue = this.#queues.get(destination);
      if (queue === undefined) continue;
      while (queue.held.length > 0 && this.#dispatchOne(queue, queue.held[0]!)) queue.held.shift();
      if (queue.held.length === 0) this.#queues.delete(destination);
    }
  }

  #queuesFor(subscription: Subscription<Published>): string[] {
    if (subscription.pattern === undefined) return [subscription.destination];
    return [...this.#queues.destinations()].filter((d) => subscription.pattern!.match(d) !== null);
  }

  #subscribe(h: MessageHeaders): void {
    const { sessionId, id, destination, ack } = subscribeRequest(h, this.#registry, this.#maxSubscriptions);
    this.#sessions.add(sessionId);
    const subscription = this.#registry.add(sessionId, id, destination, ack);
    if (this.#queues.size > 0) this.#drain(this.#queuesFor(subscription));
  }

  #unsubscribe(h: MessageHeaders): void {
    const id = h.subscriptionId ?? h.nativeHeaders.id;
    const subscription = id === undefined ? undefined : this.#registry.get(h.sessionId!, id);
    if (subscription === undefined) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_SUBSCRIPTION,
        `Unknown subscription id '${id ?? ''}'`,
      );
    }
    this.#registry.remove(subscription);
    this.#release(subscription);
  }

  #disconnect(sessionId: string): void {
    this.#terminating.delete(sessionId);
    if (!this.#sessions.delete(sessionId)) return;
    for (const subscription of this.#registry.removeSession(sessionId)) this.#release(subscription);
    // Messages held for the session's own user destinations ('/queue/x-user<id>') have no reader left.
    const suffix = `-user${sessionId}`;
    for (const destination of [...this.#queues.destinations()])
      if (destination.endsWith(suffix)) this.#drop('subscriberGone', this.#queues.delete(destination).length);
  }

  /**
   * A subscription is gone: topic messages waiting for it are dropped (counted); its unacked
   * queue messages go back to their queues, in order.
   */
  #release(subscription: Subscription<Published>): void {
    this.#drop('subscriberGone', this.#pending.discard(subscription));
    if (subscription.unacked.size === 0) return;
    const orphans = [...subscription.unacked.values()];
    subscription.unacked.clear();
    const touched = new Set<string>();
    for (let i = orphans.length - 1; i >= 0; i--) {
      const { ackId, message } = orphans[i]!;
      this.#ackIndex.delete(ackId);
      if (this.#isQueue(message.destination)) {
        message.redeliveries++;
        this.#hold(message);
        touched.add(message.destination);
      }
    }
    this.#drain(touched);
  }

  #hold(message: Published): void {
    this.#queues.unshift(this.#queues.open(message.destination), message);
  }

  #isQueue(destination: string): boolean {
    return !this.#broadcastQueues && hasPrefix(destination, this.#queuePrefixes);
  }

  #ack(h: MessageHeaders, nack: boolean): void {
    const { subscription, settled } = settleAck(h, this.#registry, this.#ackIndex);
    if (nack) this.#redeliver(subscription, settled);
    this.#deliverPending(subscription);
    if (this.#queues.size > 0) this.#drain(this.#queuesFor(subscription));
  }

  #redeliver(subscription: Subscription<Published>, messages: Published[]): void {
    const touched = new Set<string>();
    const live: Published[] = [];
    for (const message of messages) {
      if (++message.redeliveries > this.#maxRedeliveries) {
        this.#drop('redeliveryLimit');
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
    for (let i = live.length - 1; i >= 0; i--) {
      const message = live[i]!;
      if (this.#isQueue(message.destination)) {
        this.#hold(message);
        touched.add(message.destination);
      }
    }
    for (const message of live) {
      if (!this.#isQueue(message.destination)) this.#deliver(subscription, message, true);
    }
    this.#drain(touched);
  }

  #setAvailable(available: boolean): void {
    if (this.#available === available) return;
    this.#available = available;
    for (const listener of this.#listeners) {
      try {
        listener(available);
      } catch (error) {
        this.#logger.warn('Broker availability listener failed', { error });
      }
    }
  }
}
