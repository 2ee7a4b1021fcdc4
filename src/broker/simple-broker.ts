import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { MessageChannel } from '../messaging/channel.js';
import { hasPrefix, normalizePrefix } from '../messaging/destinations.js';
import { sessionOfDestination } from '../messaging/user-destinations.js';
import type { Message, MessageHeaders } from '../messaging/message.js';
import type { StompHeaders } from '../stomp/frame.js';
import { createHeaders } from '../stomp/frame.js';
import type { Broker, BrokerAvailabilityListener, BrokerFeatures } from './broker.js';
import type { AckMode, Subscription } from './subscription-registry.js';
import { SubscriptionRegistry } from './subscription-registry.js';

export type { SimpleBrokerOptions, SimpleBrokerStats } from './simple-broker-options.js';
import type { SimpleBrokerOptions, SimpleBrokerStats } from './simple-broker-options.js';

/** A published message, shared by all its deliveries. */
interface Published {
  readonly destination: string;
  readonly payload: Buffer;
  /** Headers every delivery carries (destination, message-id, content-type, custom). */
  readonly base: StompHeaders;
  readonly messageId: string;
  readonly publishedAt: number;
  /** The one session a user destination ('/queue/x-user<session>') belongs to. */
  readonly owner: string | undefined;
  readonly cache: Map<unknown, unknown>;
  /** Auto-ack headers per subscription id: deliveries with the same id share one object (and one encoding). */
  lastSubscriptionId: string | undefined;
  lastHeaders: StompHeaders | undefined;
  redeliveries: number;
}

/** Headers a publisher sets that never travel to subscribers. */
const PROTOCOL_HEADERS = new Set([
  'receipt',
  'transaction',
  'content-length',
  'destination',
  'subscription',
  'message-id',
  'ack',
  'id',
]);

/**
 * The embedded in-memory broker. `/topic` destinations fan out to every matching subscription;
 * `/queue` destinations give each message to one subscriber, round-robin, and hold messages
 * (bounded) while nobody can take them. Ack modes `auto`, `client` (cumulative) and
 * `client-individual`; NACKed or orphaned queue messages are redelivered.
 */
export class SimpleBroker implements Broker {
  readonly prefixes: readonly string[];
  readonly features: BrokerFeatures = { receipts: false, transactions: false };
  readonly #outbound: MessageChannel;
  readonly #queuePrefixes: readonly string[];
  readonly #broadcastQueues: boolean;
  readonly #maxQueueDepth: number;
  readonly #maxUnacked: number;
  readonly #maxRedeliveries: number;
  readonly #maxSubscriptions: number;
  readonly #logger: Logger;
  readonly #registry: SubscriptionRegistry<Published>;
  readonly #sessions = new Set<string>();
  readonly #queues = new Map<string, { held: Published[]; next: number }>();
  readonly #ackIndex = new Map<string, Subscription<Published>>();
  readonly #listeners = new Set<BrokerAvailabilityListener>();
  readonly #idPrefix = randomBytes(4).toString('hex');
  #messageCounter = 0;
  #ackCounter = 0;
  #available = false;
  readonly #stats = { published: 0, delivered: 0, dropped: 0 };

  constructor(options: SimpleBrokerOptions) {
    this.#outbound = options.outbound;
    this.prefixes = (options.prefixes ?? ['/topic/', '/queue/']).map(normalizePrefix);
    this.#queuePrefixes = (options.queuePrefixes ?? ['/queue/']).map(normalizePrefix);
    this.#broadcastQueues = options.queueSemantics === 'broadcast';
    this.#maxQueueDepth = options.maxQueueDepth ?? 1000;
    this.#maxUnacked = options.maxUnacked ?? 1000;
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
    let queued = 0;
    for (const q of this.#queues.values()) queued += q.held.length;
    return {
      sessions: this.#sessions.size,
      subscriptions: this.#registry.size,
      destinations: this.#registry.destinationCount,
      ...this.#stats,
      queued,
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
    const base = createHeaders();
    const native = h.nativeHeaders;
    for (const name in native) {
      if (!PROTOCOL_HEADERS.has(name)) base[name] = native[name]!;
    }
    const messageId = `${this.#idPrefix}-${++this.#messageCounter}`;
    // Clients see the destination they subscribed to: '/user/queue/x', not '/queue/x-user…'.
    base.destination = h.originalDestination ?? destination;
    base['message-id'] = messageId;
    const published: Published = {
      destination,
      payload,
      base,
      messageId,
      publishedAt: performance.now(),
      // Only its session may receive a session's user messages, whatever pattern others subscribed.
      owner: destination.includes('-user') ? sessionOfDestination(destination) : undefined,
      cache: new Map(),
      lastSubscriptionId: undefined,
      lastHeaders: undefined,
      redeliveries: 0,
    };
    this.#stats.published++;
    if (!this.#broadcastQueues && hasPrefix(destination, this.#queuePrefixes)) {
      this.#enqueue(published, false);
      return;
    }
    const subscriptions = this.#registry.find(destination);
    const owner = published.owner;
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i]!;
      if (owner === undefined || subscription.sessionId === owner)
        this.#deliver(subscription, published, false);
    }
  }

  #deliver(subscription: Subscription<Published>, published: Published, redelivered: boolean): void {
    let headers: StompHeaders;
    if (subscription.ackMode === 'auto' && !redelivered) {
      if (published.lastSubscriptionId === subscription.id) {
        headers = published.lastHeaders!;
      } else {
        headers = createHeaders();
        Object.assign(headers, published.base);
        headers.subscription = subscription.id;
        published.lastSubscriptionId = subscription.id;
        published.lastHeaders = headers;
      }
    } else {
      headers = createHeaders();
      Object.assign(headers, published.base);
      headers.subscription = subscription.id;
      if (redelivered) headers.redelivered = 'true';
      if (subscription.ackMode !== 'auto') {
        const ackId = `${this.#idPrefix}-a${++this.#ackCounter}`;
        headers.ack = ackId;
        if (subscription.unacked.size >= this.#maxUnacked) this.#dropOldestUnacked(subscription);
        subscription.unacked.set(ackId, { ackId, messageId: published.messageId, message: published });
        this.#ackIndex.set(ackId, subscription);
      }
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
    this.#logger.warn('Delivery failed', {
      sessionId: subscription.sessionId,
      subscription: subscription.id,
      error,
    });
  }

  #dropOldestUnacked(subscription: Subscription<Published>): void {
    const oldest = subscription.unacked.keys().next().value;
    if (oldest === undefined) return;
    subscription.unacked.delete(oldest);
    this.#ackIndex.delete(oldest);
    this.#stats.dropped++;
    this.#logger.warn('Unacknowledged deliveries over maxUnacked: oldest dropped', {
      sessionId: subscription.sessionId,
      subscription: subscription.id,
      maxUnacked: this.#maxUnacked,
    });
  }

  /** Hands a queue message to the next subscriber with room, or holds it (at the head when requeued). */
  #enqueue(published: Published, atHead: boolean): void {
    let queue = this.#queues.get(published.destination);
    if (queue === undefined) this.#queues.set(published.destination, (queue = { held: [], next: 0 }));
    if (queue.held.length === 0 && this.#dispatchOne(queue, published)) return;
    if (atHead) queue.held.unshift(published);
    else queue.held.push(published);
    if (queue.held.length > this.#maxQueueDepth) {
      queue.held.shift();
      this.#stats.dropped++;
      this.#logger.warn('Queue over maxQueueDepth: oldest message dropped', {
        destination: published.destination,
        maxQueueDepth: this.#maxQueueDepth,
      });
    }
  }

  #dispatchOne(queue: { held: Published[]; next: number }, published: Published): boolean {
    const candidates = this.#registry.find(published.destination);
    const n = candidates.length;
    for (let k = 0; k < n; k++) {
      const subscription = candidates[(queue.next + k) % n]!;
      if (published.owner !== undefined && subscription.sessionId !== published.owner) continue;
      if (subscription.ackMode !== 'auto' && subscription.unacked.size >= this.#maxUnacked) continue;
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
    return [...this.#queues.keys()].filter((d) => subscription.pattern!.match(d) !== null);
  }

  #subscribe(h: MessageHeaders): void {
    const sessionId = h.sessionId!;
    const id = h.subscriptionId ?? h.nativeHeaders.id;
    const destination = h.destination;
    if (!id)
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_MISSING_HEADER,
        "SUBSCRIBE frame is missing the required 'id' header",
      );
    if (!destination) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_MISSING_HEADER,
        "SUBSCRIBE frame is missing the required 'destination' header",
      );
    }
    const ack = (h.nativeHeaders.ack ?? 'auto') as AckMode;
    if (ack !== 'auto' && ack !== 'client' && ack !== 'client-individual') {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_INVALID_HEADER,
        `Invalid ack mode '${String(ack)}' (auto, client or client-individual)`,
      );
    }
    const own = this.#registry.sessionSubscriptions(sessionId);
    if (own?.has(id)) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_DUPLICATE_SUBSCRIPTION,
        `Subscription id '${id}' is already in use in this session`,
      );
    }
    if ((own?.size ?? 0) >= this.#maxSubscriptions) {
      throw new StompProtocolError(
        ErrorCodes.ERR_LIMIT_SUBSCRIPTIONS,
        `Too many subscriptions: maxSubscriptionsPerSession is ${this.#maxSubscriptions}`,
      );
    }
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
    if (!this.#sessions.delete(sessionId)) return;
    for (const subscription of this.#registry.removeSession(sessionId)) this.#release(subscription);
    // Messages held for the session's own user destinations ('/queue/x-user<id>') have no reader left.
    const suffix = `-user${sessionId}`;
    for (const destination of this.#queues.keys())
      if (destination.endsWith(suffix)) this.#queues.delete(destination);
  }

  /** A subscription is gone: its unacked queue messages go back to their queues, in order. */
  #release(subscription: Subscription<Published>): void {
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
    let queue = this.#queues.get(message.destination);
    if (queue === undefined) this.#queues.set(message.destination, (queue = { held: [], next: 0 }));
    queue.held.unshift(message);
  }

  #isQueue(destination: string): boolean {
    return !this.#broadcastQueues && hasPrefix(destination, this.#queuePrefixes);
  }

  #ack(h: MessageHeaders, nack: boolean): void {
    const sessionId = h.sessionId!;
    const native = h.nativeHeaders;
    let subscription: Subscription<Published> | undefined;
    let ackId = native.id;
    if (ackId !== undefined) {
      subscription = this.#ackIndex.get(ackId);
    } else if (native['message-id'] !== undefined && native.subscription !== undefined) {
      // STOMP 1.1: message-id + subscription
      subscription = this.#registry.get(sessionId, native.subscription);
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
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_ACK,
        `${nack ? 'NACK' : 'ACK'} of unknown message '${shown}'`,
      );
    }
    const settled: Published[] = [];
    if (subscription.ackMode === 'client') {
      for (const [id, entry] of subscription.unacked) {
        subscription.unacked.delete(id);
        this.#ackIndex.delete(id);
        settled.push(entry.message);
        if (id === ackId) break;
      }
    } else {
      settled.push(subscription.unacked.get(ackId)!.message);
      subscription.unacked.delete(ackId);
      this.#ackIndex.delete(ackId);
    }
    if (nack) this.#redeliver(subscription, settled);
    if (this.#queues.size > 0) this.#drain(this.#queuesFor(subscription));
  }

  #redeliver(subscription: Subscription<Published>, messages: Published[]): void {
    const touched = new Set<string>();
    const live: Published[] = [];
    for (const message of messages) {
      if (++message.redeliveries > this.#maxRedeliveries) {
        this.#stats.dropped++;
        this.#logger.warn('Message dropped after maxRedeliveries NACKs', {
          destination: message.destination,
          messageId: message.messageId,
          maxRedeliveries: this.#maxRedeliveries,
        });
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
