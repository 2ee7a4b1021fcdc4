import { randomBytes } from 'node:crypto';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { MessageChannel } from '../messaging/channel.js';
import { hasPrefix, normalizePrefix } from '../messaging/destinations.js';
import type { Message, MessageHeaders } from '../messaging/message.js';
import { createHeaders } from '../stomp/frame.js';
import { Acknowledgements } from './acknowledgements.js';
import type { Broker, BrokerAvailabilityListener, BrokerFeatures } from './broker.js';
import { subscribeRequest } from './client-frames.js';
import { Deliveries } from './deliveries.js';
import { createDropCounts } from './drop-reasons.js';
import type { Published } from './published-message.js';
import { publishedMessage } from './published-message.js';
import { QueueDispatch } from './queue-dispatch.js';
import { SubscriptionRegistry } from './subscription-registry.js';
import { TopicFanOut } from './topic-fan-out.js';

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
  readonly #maxSubscriptions: number;
  readonly #logger: Logger;
  readonly #registry: SubscriptionRegistry<Published>;
  readonly #sessions = new Set<string>();
  // This class only dispatches: topics go to TopicFanOut, queues to QueueDispatch, ACK/NACK and
  // ended subscriptions to Acknowledgements; all of them deliver through Deliveries.
  readonly #deliveries: Deliveries;
  readonly #topics: TopicFanOut;
  readonly #queues: QueueDispatch;
  readonly #acks: Acknowledgements;
  readonly #listeners = new Set<BrokerAvailabilityListener>();
  readonly #idPrefix = randomBytes(4).toString('hex');
  #messageCounter = 0;
  #published = 0;
  #available = false;
  readonly #dropped = createDropCounts();

  constructor(options: SimpleBrokerOptions) {
    this.#outbound = options.outbound;
    this.prefixes = (options.prefixes ?? ['/topic/', '/queue/']).map(normalizePrefix);
    const maxUnacked = options.maxUnacked ?? 1000;
    this.#maxSubscriptions = options.maxSubscriptionsPerSession ?? 1000;
    const logger = options.logger ?? silentLogger;
    const registry = new SubscriptionRegistry<Published>({
      separator: options.pathSeparator,
      cacheLimit: options.cacheLimit,
    });
    const dropped = this.#dropped;
    this.#logger = logger;
    this.#registry = registry;
    this.#deliveries = new Deliveries(this.#outbound, this.#idPrefix, logger);
    this.#topics = new TopicFanOut(
      registry,
      this.#deliveries,
      this.#outbound,
      {
        maxUnacked,
        maxPending: options.maxPending ?? 1000,
        pendingOverflow: options.pendingOverflow ?? 'terminate',
      },
      dropped,
      logger,
    );
    this.#queues = new QueueDispatch(
      registry,
      this.#deliveries,
      this.#topics.terminating,
      {
        queuePrefixes: (options.queuePrefixes ?? ['/queue/']).map(normalizePrefix),
        broadcast: options.queueSemantics === 'broadcast',
        maxQueueDepth: options.maxQueueDepth ?? 1000,
        queueOverflow: options.queueOverflow ?? 'drop-oldest',
        maxUnacked,
      },
      dropped,
      logger,
    );
    this.#acks = new Acknowledgements(
      registry,
      this.#deliveries,
      this.#topics,
      this.#queues,
      options.maxRedeliveries ?? 5,
      dropped,
      logger,
    );
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
      published: this.#published,
      delivered: this.#deliveries.delivered,
      dropped,
      droppedByReason: { ...this.#dropped },
      queued: this.#queues.heldCount,
      pending: this.#topics.pendingCount,
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
    this.#topics.clear();
    this.#deliveries.clear();
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
        return this.#acks.settle(h, h.type === 'NACK');
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
    const published = publishedMessage(h, payload, `${this.#idPrefix}-${++this.#messageCounter}`);
    if (this.#queues.isQueue(published.destination)) {
      this.#queues.enqueue(published); // throws when the queue rejects it: not published
      this.#published++;
      return;
    }
    this.#published++;
    this.#topics.publish(published);
  }

  #subscribe(h: MessageHeaders): void {
    const { sessionId, id, destination, ack } = subscribeRequest(h, this.#registry, this.#maxSubscriptions);
    this.#sessions.add(sessionId);
    this.#queues.drainFor(this.#registry.add(sessionId, id, destination, ack));
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
    this.#acks.release(subscription);
  }

  #disconnect(sessionId: string): void {
    this.#topics.forgetSession(sessionId);
    if (!this.#sessions.delete(sessionId)) return;
    for (const subscription of this.#registry.removeSession(sessionId)) this.#acks.release(subscription);
    this.#queues.dropSessionQueues(sessionId);
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
