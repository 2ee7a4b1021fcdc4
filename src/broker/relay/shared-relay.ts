import { randomBytes } from 'node:crypto';
import { ErrorCodes, SwitchboardError } from '../../errors.js';
import { hasPrefix, normalizePrefix } from '../../messaging/destinations.js';
import type { Message } from '../../messaging/message.js';
import { createMessage } from '../../messaging/message.js';
import { sessionOfDestination } from '../../messaging/user-destinations.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';
import { attributeBrokerError } from './broker-errors.js';
import { BrokerDeliveries } from './broker-deliveries.js';
import { ConnectionPool } from './connection-pool.js';
import { OutageBuffer } from './outage-buffer.js';
import { OutageRecovery } from './outage-recovery.js';
import type { PendingFrame } from './pending-frames.js';
import type { RelayContext, RelayEngine } from './relay-engine.js';
import type { BrokerRelayOptions, BrokerRelayStats } from './relay-options.js';
import { SharedAcks } from './shared-acks.js';
import { SharedFrames } from './shared-frames.js';
import type {
  OutgoingFrame,
  RelayCounters,
  SharedRelayContext,
  SystemSubscription,
} from './shared-relay-context.js';
import type { SharedSession } from './shared-session.js';
import type { BrokerSubscription } from './shared-subscriptions.js';
import { SharedSubscriptions } from './shared-subscriptions.js';
import { isShareable } from './shareability.js';

/**
 * Shared mode: a pool of broker connections carries every session. Subscriptions that can be
 * shared ride on one broker subscription per destination; the others get their own, on the
 * connection their session uses. User destinations never reach the broker (the instance knows
 * its sessions). This class owns the state and the sending; the work is done by its parts:
 * {@link SharedFrames} (client frames), {@link SharedAcks} (ACK/NACK and requeues),
 * {@link BrokerDeliveries} (broker MESSAGEs to clients), {@link OutageRecovery} (loss,
 * reconnection, re-subscription, the outage buffer) and {@link attributeBrokerError}. The parts
 * see it only as their {@link SharedRelayContext}.
 */
export class SharedRelay implements RelayEngine, SharedRelayContext {
  readonly pool: ConnectionPool;
  readonly subscriptions: SharedSubscriptions;
  readonly buffer: OutageBuffer<OutgoingFrame>;
  readonly sessions = new Map<string, SharedSession>();
  /** The application's own subscriptions, by broker id. */
  readonly system = new Map<string, SystemSubscription>();
  readonly sharedPrefixes: readonly string[];
  readonly maxUnacked: number;
  readonly context: RelayContext;
  readonly idPrefix = randomBytes(4).toString('hex');
  readonly dropped: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly counters: RelayCounters = { reconnects: 0, toBroker: 0, fromBroker: 0 };
  readonly #acks: SharedAcks;
  readonly #recovery: OutageRecovery;
  readonly #frames: SharedFrames;
  readonly #deliveries: BrokerDeliveries;
  #idCounter = 0;

  constructor(options: BrokerRelayOptions, context: RelayContext) {
    this.context = context;
    this.sharedPrefixes = (options.sharedPrefixes ?? ['/topic/']).map(normalizePrefix);
    this.maxUnacked = options.maxUnackedPerSession ?? 10_000;
    const hosts = options.hosts ?? [{ host: options.host ?? '127.0.0.1', port: options.port ?? 61613 }];
    if (hosts.length === 0)
      throw new SwitchboardError(ErrorCodes.ERR_INVALID_OPTION, 'relay.hosts must name at least one broker');
    this.pool = new ConnectionPool(
      options.poolSize ?? 2,
      hosts,
      {
        login: options.login ?? 'guest',
        passcode: options.passcode ?? 'guest',
        tls: options.tls,
        virtualHost: options.virtualHost ?? '/',
        heartbeat: options.heartbeat,
        connectTimeout: options.connectTimeout ?? 10_000,
        maxFrameSize: options.maxFrameSize,
        logger: context.logger,
      },
      options.reconnect,
      {
        onUp: (c) => this.#recovery.up(c),
        onDown: (c, reason, pending) => this.#recovery.down(c, reason, pending),
        onAttemptFailed: (c, reason) => this.#recovery.attemptFailed(c, reason),
        onMessage: (c, frame) => this.#deliveries.route(c, frame),
        onReceipt: (_c, pending) => this.#receipt(pending),
        onError: (c, error, culprit) => {
          attributeBrokerError(this, c, error, culprit);
          this.#recovery.recover();
        },
      },
      context.logger,
    );
    this.subscriptions = new SharedSubscriptions(options.subscriptionLinger ?? 1000, (s) =>
      this.sendNow(s.connection, {
        command: 'UNSUBSCRIBE',
        headers: createHeaders({ id: s.id }),
        body: EMPTY,
        origin: {},
      }),
    );
    this.buffer = new OutageBuffer(options.outageBuffer ?? {}, (expired) => this.#recovery.expired(expired));
    this.#acks = new SharedAcks(this);
    this.#recovery = new OutageRecovery(this, this.#acks);
    this.#frames = new SharedFrames(this, this.#acks);
    this.#deliveries = new BrokerDeliveries(this, this.#acks);
  }

  get available(): boolean {
    return this.#recovery.available;
  }

  /** The relay was connected once, so an outage now is one it will recover from. */
  get everUp(): boolean {
    return this.#recovery.everUp;
  }

  get stats(): BrokerRelayStats {
    let userSubscriptions = 0;
    for (const session of this.sessions.values()) userSubscriptions += session.userSubscriptions.size;
    return {
      mode: 'shared',
      connected: this.available,
      sessions: this.sessions.size,
      connections: this.pool.openCount,
      ...this.counters,
      brokerSubscriptions: this.subscriptions.size + this.system.size,
      localSubscriptions: this.subscriptions.localCount + userSubscriptions,
      outage: this.#recovery.outageStats(),
      outageBuffer: {
        messages: this.buffer.size,
        bytes: this.buffer.bytes,
        oldestAgeMs: this.buffer.oldestAge(),
      },
      dropped: { ...this.dropped },
    };
  }

  start(): void {
    this.pool.start();
  }

  stop(): void {
    this.pool.stop();
    this.subscriptions.clear();
    this.#acks.clear();
    this.buffer.clear();
    this.sessions.clear();
    this.#recovery.stopped();
  }

  handleMessage(message: Message): void {
    this.#frames.handle(message);
  }

  /** A unique id for a delivery (its `message-id`, and its `ack` in client ack modes). */
  nextId(): string {
    return `${this.idPrefix}-${++this.#idCounter}`;
  }

  count(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  subscribeSystem(destination: string, onMessage: (frame: StompFrame) => void): () => void {
    const subscription = { id: `y${++this.#idCounter}`, destination, onMessage };
    this.system.set(subscription.id, subscription);
    this.subscribeSystemOnBroker(subscription);
    return () => {
      if (this.system.delete(subscription.id))
        this.sendNow(0, {
          command: 'UNSUBSCRIBE',
          headers: createHeaders({ id: subscription.id }),
          body: EMPTY,
          origin: {},
        });
    };
  }

  publishSystem(destination: string, headers: StompHeaders, body: Buffer): void {
    const frameHeaders = createHeaders(headers);
    frameHeaders.destination = destination;
    this.send(0, undefined, { command: 'SEND', headers: frameHeaders, body, origin: { resend: true } });
  }

  /**
   * Sends on pool connection `index`, or buffers while it is away. Throws (the caller's client
   * gets the ERROR) when the relay never connected or the buffer is full.
   */
  send(index: number, sessionId: string | undefined, frame: OutgoingFrame): void {
    if (this.sendNow(index, frame)) return;
    if (!this.everUp) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `${frame.command} to ${frame.headers.destination ?? 'the broker'} not sent: the message broker is not available (${this.pool.lastError})`,
      );
    }
    const limit = this.buffer.push(index, sessionId, frame, frameBytes(frame));
    if (limit === undefined) return;
    this.count('outageBufferFull');
    const value = limit === 'maxMessages' ? this.buffer.maxMessages : this.buffer.maxBytes;
    throw new SwitchboardError(
      ErrorCodes.ERR_LIMIT_OUTAGE_BUFFER,
      `The message broker is away (${this.#recovery.outageText()}) and the outage buffer is full: ${limit} (${value})`,
    );
  }

  /** Sends now if connection `index` is up; false otherwise. */
  sendNow(index: number, frame: OutgoingFrame): boolean {
    if (!this.pool.get(index).send(frame.command, frame.headers, frame.body, frame.origin)) return false;
    this.counters.toBroker++;
    return true;
  }

  /** SUBSCRIBE for a broker subscription, if its connection is up (else on reconnect). */
  subscribeOnBroker(subscription: BrokerSubscription): void {
    const headers = createHeaders(subscription.headers);
    headers.id = subscription.id;
    headers.destination = subscription.destination;
    this.sendNow(subscription.connection, {
      command: 'SUBSCRIBE',
      headers,
      body: EMPTY,
      origin: { subscription: subscription.id },
    });
  }

  /** SUBSCRIBE for a system subscription (always on connection 0). */
  subscribeSystemOnBroker(subscription: SystemSubscription): void {
    this.sendNow(0, {
      command: 'SUBSCRIBE',
      headers: createHeaders({ id: subscription.id, destination: subscription.destination }),
      body: EMPTY,
      origin: { subscription: subscription.id },
    });
  }

  /** Hands a message to the client outbound channel; a failure is the client's, never the relay's. */
  deliver(message: Message): void {
    try {
      const result = this.context.outbound.send(message);
      if (typeof result !== 'boolean') {
        result.catch((error: unknown) =>
          this.context.logger.warn('Delivery to a client failed', {
            sessionId: message.headers.sessionId,
            error,
          }),
        );
      }
    } catch (error) {
      this.context.logger.warn('Delivery to a client failed', {
        sessionId: message.headers.sessionId,
        error,
      });
    }
  }

  /** Answers a client's receipt (if the session is still here). */
  receipt(sessionId: string, receiptId: string): void {
    if (!this.sessions.has(sessionId)) return;
    this.deliver(
      createMessage({
        type: 'RECEIPT',
        sessionId,
        nativeHeaders: createHeaders({ 'receipt-id': receiptId }),
      }),
    );
  }

  /** Tells a client why it is closed (an ERROR; the protocol handler closes it) and forgets it. */
  failSession(sessionId: string, message: string, body: Buffer, extra: StompHeaders = createHeaders()): void {
    if (!this.sessions.has(sessionId)) return;
    const nativeHeaders = createHeaders({ message, 'content-type': 'text/plain' });
    Object.assign(nativeHeaders, extra);
    this.deliver(createMessage({ type: 'ERROR', sessionId, nativeHeaders }, body));
    this.closeSession(sessionId);
  }

  /** A session ended: its subscriptions released, transactions aborted, buffered frames dropped. */
  closeSession(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return;
    this.sessions.delete(sessionId);
    for (const id of session.subscriptions) this.#frames.release(session, id, undefined);
    for (const [id, lost] of session.transactions) {
      if (!lost)
        this.sendNow(session.connection, {
          command: 'ABORT',
          headers: createHeaders({ transaction: session.brokerTransaction(id) }),
          body: EMPTY,
          origin: {},
        });
    }
    const dropped = this.buffer.dropSession(sessionId);
    if (dropped > 0) this.dropped.sessionClosed = (this.dropped.sessionClosed ?? 0) + dropped;
  }

  /** Whether `destination` is relayed and can share a broker subscription. */
  shareable(destination: string, headers: StompHeaders): boolean {
    return isShareable(destination, headers, this.sharedPrefixes);
  }

  /** Whether a destination is relayed at all. */
  relays(destination: string): boolean {
    return hasPrefix(destination, this.context.prefixes);
  }

  /** The session a user-destination message is for, if it is here. */
  userSession(destination: string): SharedSession | undefined {
    const owner = sessionOfDestination(destination);
    return owner === undefined ? undefined : this.sessions.get(owner);
  }

  /** The broker confirmed a frame: a subscription, an UNSUBSCRIBE, or a client's frame. */
  #receipt(pending: PendingFrame): void {
    if (pending.command === 'UNSUBSCRIBE' && pending.subscription !== undefined)
      this.#acks.unsubscribed(pending.subscription);
    else if (pending.subscription !== undefined) {
      this.#recovery.confirmed(pending.subscription);
      return;
    }
    if (pending.clientReceipt !== undefined && pending.sessionId !== undefined)
      this.receipt(pending.sessionId, pending.clientReceipt);
  }
}

const EMPTY = Buffer.alloc(0);

function frameBytes(frame: OutgoingFrame): number {
  let bytes = frame.body.length + frame.command.length;
  for (const name in frame.headers) bytes += name.length + (frame.headers[name]?.length ?? 0) + 2;
  return bytes;
}
