import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ErrorCodes, SwitchboardError } from '../../errors.js';
import { hasPrefix, normalizePrefix } from '../../messaging/destinations.js';
import type { Message } from '../../messaging/message.js';
import { createMessage } from '../../messaging/message.js';
import { sessionOfDestination } from '../../messaging/user-destinations.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';
import { ConnectionPool } from './connection-pool.js';
import type { BufferedFrame } from './outage-buffer.js';
import { OutageBuffer } from './outage-buffer.js';
import type { PendingFrame } from './pending-frames.js';
import type { FrameOrigin, PooledConnection } from './pooled-connection.js';
import type { RelayContext, RelayEngine } from './relay-engine.js';
import type { BrokerRelayOptions, BrokerRelayStats } from './relay-options.js';
import { SharedFrames, clientHeaders } from './shared-frames.js';
import type { SharedSession } from './shared-session.js';
import type { BrokerSubscription } from './shared-subscriptions.js';
import { SharedSubscriptions } from './shared-subscriptions.js';
import { isShareable } from './shareability.js';

/** A frame on its way to the broker (or waiting in the outage buffer for it). */
export interface OutgoingFrame {
  readonly command: StompFrame['command'];
  readonly headers: StompHeaders;
  readonly body: Buffer;
  readonly origin: FrameOrigin;
}

/** A subscription of the application's own (cluster topics), on connection 0. */
interface SystemSubscription {
  readonly id: string;
  readonly destination: string;
  readonly onMessage: (frame: StompFrame) => void;
}

/**
 * Shared mode: a pool of broker connections carries every session. Subscriptions that can be
 * shared ride on one broker subscription per destination; the others get their own, on the
 * connection their session uses. User destinations never reach the broker (the instance knows
 * its sessions). While a connection is away its sessions stay open: what they send waits in a
 * bounded buffer, and on reconnect every broker subscription is made again and confirmed.
 * Client frames are translated in {@link SharedFrames}; this class owns the state and the
 * broker side.
 */
export class SharedRelay implements RelayEngine {
  readonly pool: ConnectionPool;
  readonly subscriptions: SharedSubscriptions;
  readonly buffer: OutageBuffer<OutgoingFrame>;
  readonly sessions = new Map<string, SharedSession>();
  readonly sharedPrefixes: readonly string[];
  readonly maxUnacked: number;
  readonly context: RelayContext;
  readonly idPrefix = randomBytes(4).toString('hex');
  /**
   * RabbitMQ: own client-ack subscriptions being unsubscribed, with the unacknowledged
   * deliveries they hold (see `SharedFrames`); a non-zero count recycles their connection.
   */
  readonly closing = new Map<string, { connection: number; stuck: number }>();
  readonly dropped: Record<string, number> = Object.create(null) as Record<string, number>;
  readonly #frames: SharedFrames;
  readonly #system = new Map<string, SystemSubscription>();
  readonly #counters = { reconnects: 0, toBroker: 0, fromBroker: 0 };
  /** Subscriptions made again after a reconnect, until the broker confirms them. */
  readonly #resubscribing = new Set<string>();
  readonly #outage = { since: undefined as number | undefined, count: 0 };
  #everUp = false;
  #available = false;
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
        onUp: (c) => this.#up(c),
        onDown: (c, reason, pending) => this.#down(c, reason, pending),
        onMessage: (c, frame) => this.#message(c, frame),
        onReceipt: (_c, pending) => this.#receipt(pending),
        onError: (c, error, culprit) => this.#error(c, error, culprit),
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
    this.buffer = new OutageBuffer(options.outageBuffer ?? {}, (expired) => this.#expired(expired));
    this.#frames = new SharedFrames(this);
  }

  get available(): boolean {
    return this.#available;
  }

  /** The relay was connected once, so an outage now is one it will recover from. */
  get everUp(): boolean {
    return this.#everUp;
  }

  get stats(): BrokerRelayStats {
    return {
      mode: 'shared',
      connected: this.#available,
      sessions: this.sessions.size,
      connections: this.pool.openCount,
      ...this.#counters,
      brokerSubscriptions: this.subscriptions.size + this.#system.size,
      localSubscriptions:
        this.subscriptions.localCount +
        [...this.sessions.values()].reduce((n, s) => n + s.userSubscriptions.size, 0),
      outage: {
        active: this.#outage.since !== undefined,
        since: this.#outage.since,
        count: this.#outage.count,
      },
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
    this.closing.clear();
    this.#resubscribing.clear();
    this.buffer.clear();
    this.sessions.clear();
    this.#setAvailable(false, 'relay stopped');
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
    this.#system.set(subscription.id, subscription);
    this.#subscribeSystem(subscription);
    return () => {
      if (this.#system.delete(subscription.id))
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
    if (!this.#everUp) {
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
      `The message broker is away (${this.#outageText()}) and the outage buffer is full: ${limit} (${value})`,
    );
  }

  /** Sends now if connection `index` is up; false otherwise. */
  sendNow(index: number, frame: OutgoingFrame): boolean {
    if (!this.pool.get(index).send(frame.command, frame.headers, frame.body, frame.origin)) return false;
    this.#counters.toBroker++;
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

  /** Answers a client's receipt. */
  receipt(sessionId: string, receiptId: string): void {
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

  #subscribeSystem(subscription: SystemSubscription): void {
    this.sendNow(0, {
      command: 'SUBSCRIBE',
      headers: createHeaders({ id: subscription.id, destination: subscription.destination }),
      body: EMPTY,
      origin: { subscription: subscription.id },
    });
  }

  #up(connection: PooledConnection): void {
    if (connection.epoch > 1) this.#counters.reconnects++;
    const index = connection.index;
    for (const subscription of this.subscriptions.values()) {
      if (subscription.connection !== index) continue;
      subscription.confirmed = false;
      this.#resubscribing.add(subscription.id);
      this.subscribeOnBroker(subscription);
    }
    if (index === 0) {
      for (const subscription of this.#system.values()) {
        this.#resubscribing.add(subscription.id);
        this.#subscribeSystem(subscription);
      }
    }
    this.#recover();
  }

  /**
   * Back once every connection is up and the broker confirmed every subscription: only then
   * do the buffered SENDs go out (so subscribers here receive them) and listeners hear it.
   */
  #recover(): void {
    if (this.#available || !this.pool.allUp) return;
    for (const id of this.#resubscribing)
      if (this.subscriptions.get(id) === undefined && !this.#system.has(id)) this.#resubscribing.delete(id);
    if (this.#resubscribing.size > 0) return;
    for (const connection of this.pool.connections) {
      const waiting = this.buffer.take(connection.index);
      for (let i = 0; i < waiting.length; i++) {
        if (!this.sendNow(connection.index, waiting[i]!.item)) {
          // Lost again while flushing: the rest waits for the next connection.
          for (const entry of waiting.slice(i))
            this.buffer.push(connection.index, entry.sessionId, entry.item, entry.bytes);
          return;
        }
      }
    }
    if (this.#outage.since !== undefined)
      this.context.logger.info('Message broker back', { outage: this.#outageText() });
    this.#outage.since = undefined;
    this.#everUp = true;
    this.#setAvailable(true);
  }

  #down(connection: PooledConnection, reason: string, pending: PendingFrame[]): void {
    const index = connection.index;
    if (this.#everUp && this.#outage.since === undefined) {
      this.#outage.since = Date.now();
      this.#outage.count++;
    }
    this.#setAvailable(false, reason);
    for (const subscription of this.subscriptions.values())
      if (subscription.connection === index) subscription.confirmed = false;
    for (const [id, closing] of this.closing) if (closing.connection === index) this.closing.delete(id);
    for (const session of this.sessions.values()) {
      if (session.connection !== index) continue;
      for (const id of session.transactions.keys()) session.transactions.set(id, true);
    }
    // SENDs the broker never confirmed go out again on the next connection (at least once).
    const resend: { item: OutgoingFrame; bytes: number; sessionId: string | undefined }[] = [];
    for (const frame of pending) {
      if (frame.frame !== undefined && this.#stillWanted(frame.sessionId)) {
        const headers = createHeaders(frame.frame.headers);
        delete headers.receipt;
        const origin: FrameOrigin = {
          sessionId: frame.sessionId,
          clientReceipt: frame.clientReceipt,
          resend: true,
        };
        resend.push({
          item: { command: 'SEND', headers, body: frame.frame.body, origin },
          bytes: frame.bytes,
          sessionId: frame.sessionId,
        });
      } else if (frame.command === 'COMMIT' && frame.sessionId !== undefined) {
        this.failSession(
          frame.sessionId,
          'The broker connection was lost before the transaction was committed; its outcome is unknown',
          Buffer.from(reason),
          createHeaders({ code: ErrorCodes.ERR_BROKER_UNAVAILABLE, 'receipt-id': frame.clientReceipt }),
        );
      } else if (
        frame.clientReceipt !== undefined &&
        frame.sessionId !== undefined &&
        frame.subscription === undefined
      ) {
        this.receipt(frame.sessionId, frame.clientReceipt);
      }
    }
    for (const entry of resend.reverse()) this.buffer.requeue(index, entry.sessionId, [entry]);
  }

  #stillWanted(sessionId: string | undefined): boolean {
    return sessionId === undefined || this.sessions.has(sessionId);
  }

  #message(connection: PooledConnection, frame: StompFrame): void {
    this.#counters.fromBroker++;
    const id = frame.headers.subscription;
    if (id === undefined) return;
    const system = this.#system.get(id);
    if (system !== undefined) {
      try {
        system.onMessage(frame);
      } catch (error) {
        this.context.logger.warn('A system subscription handler failed', {
          destination: system.destination,
          error,
        });
      }
      return;
    }
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined || subscription.connection !== connection.index) {
      const closing = this.closing.get(id);
      if (closing?.connection === connection.index) closing.stuck++;
      return;
    }
    if (subscription.shared) this.#fanOut(subscription, frame);
    else this.#frames.deliverOwn(subscription, frame, connection.epoch);
  }

  /**
   * One broker MESSAGE to every local subscriber of a shared subscription, through the
   * encode-once path: deliveries with the same client subscription id share one headers object
   * and the `deliveryCache`, so the frame is encoded once per distinct id, not per client.
   */
  #fanOut(subscription: BrokerSubscription, frame: StompFrame): void {
    if (subscription.locals.size === 0) return;
    const base = clientHeaders(frame.headers);
    const publishedAt = performance.now();
    const cache = new Map<unknown, unknown>();
    const destination = base.destination;
    let lastId: string | undefined;
    let lastHeaders: StompHeaders | undefined;
    let byId: Map<string, StompHeaders> | undefined;
    for (const local of subscription.locals.values()) {
      let headers: StompHeaders | undefined;
      if (local.id === lastId) headers = lastHeaders;
      else {
        headers = byId?.get(local.id);
        if (headers === undefined) {
          headers = createHeaders(base);
          headers.subscription = local.id;
          (byId ??= new Map()).set(local.id, headers);
        }
        lastId = local.id;
        lastHeaders = headers;
      }
      this.deliver({
        headers: {
          type: 'MESSAGE',
          sessionId: local.sessionId,
          subscriptionId: local.id,
          destination,
          nativeHeaders: headers!,
          deliveryCache: cache,
          publishedAt,
        },
        payload: frame.body,
      });
    }
  }

  #receipt(pending: PendingFrame): void {
    if (pending.command === 'UNSUBSCRIBE' && pending.subscription !== undefined) {
      const closing = this.closing.get(pending.subscription);
      this.closing.delete(pending.subscription);
      if (closing !== undefined && closing.stuck > 0) {
        this.count('requeueByReconnect');
        this.pool
          .get(closing.connection)
          .recycle('to requeue unacknowledged messages of a cancelled subscription');
      }
    } else if (pending.subscription !== undefined) {
      if (this.#resubscribing.delete(pending.subscription)) this.#recover();
      const subscription = this.subscriptions.get(pending.subscription);
      if (subscription === undefined || subscription.confirmed) return;
      subscription.confirmed = true;
      for (const { sessionId, receipt } of subscription.waiting.splice(0))
        if (this.sessions.has(sessionId)) this.receipt(sessionId, receipt);
      return;
    }
    if (
      pending.clientReceipt !== undefined &&
      pending.sessionId !== undefined &&
      this.sessions.has(pending.sessionId)
    )
      this.receipt(pending.sessionId, pending.clientReceipt);
  }

  /**
   * A broker ERROR. It closes that broker connection for every session on it, so only the
   * client whose frame caused it is told and closed; the others keep their sessions, and their
   * subscriptions are made again on the next connection.
   */
  #error(connection: PooledConnection, error: StompFrame, culprit: PendingFrame | undefined): void {
    const message = (error.headers.message ?? 'Broker error').slice(0, 200);
    const headers = createHeaders({
      code: ErrorCodes.ERR_BROKER_REFUSED,
      'receipt-id': culprit?.clientReceipt,
    });
    if (culprit?.subscription !== undefined) {
      const subscription = this.subscriptions.get(culprit.subscription);
      if (subscription !== undefined) {
        // Every subscriber of a refused subscription is told, with its SUBSCRIBE's receipt id.
        const waiting = subscription.waiting.splice(0);
        for (const local of this.subscriptions.remove(subscription)) {
          this.sessions.get(local.sessionId)?.subscriptions.delete(local.id);
          const receipt = waiting.find((w) => w.sessionId === local.sessionId)?.receipt;
          const own = createHeaders({ code: ErrorCodes.ERR_BROKER_REFUSED, 'receipt-id': receipt });
          this.failSession(local.sessionId, message, error.body, own);
        }
      } else if (this.#system.has(culprit.subscription)) {
        this.context.logger.error('The broker refused a system subscription', {
          destination: culprit.destination,
          message,
        });
      }
    } else if (culprit?.sessionId !== undefined) {
      this.failSession(culprit.sessionId, message, error.body, headers);
    }
    this.#recover();
    this.context.logger.warn('The broker sent an ERROR', {
      connection: connection.index,
      message,
      frame: culprit?.command,
      destination: culprit?.destination?.slice(0, 200),
      session: culprit?.sessionId,
    });
  }

  #expired(expired: BufferedFrame<OutgoingFrame>[]): void {
    const told = new Set<string>();
    for (const entry of expired) {
      this.count('outageExpired');
      const sessionId = entry.sessionId;
      if (sessionId === undefined || told.has(sessionId)) continue;
      told.add(sessionId);
      const reason = `The message broker is away (${this.#outageText()}); a frame waited longer than the outage buffer's maxAge (${this.buffer.maxAge} ms)`;
      this.failSession(
        sessionId,
        reason,
        Buffer.from(reason),
        createHeaders({ code: ErrorCodes.ERR_LIMIT_OUTAGE_BUFFER }),
      );
    }
    if (expired.length > told.size)
      this.context.logger.warn('Frames dropped: the broker stayed away past the outage buffer maxAge', {
        frames: expired.length,
        maxAge: this.buffer.maxAge,
      });
  }

  #outageText(): string {
    const since = this.#outage.since;
    return since === undefined
      ? this.pool.lastError
      : `unavailable for ${Math.round((Date.now() - since) / 1000)} s: ${this.pool.lastError}`;
  }

  #setAvailable(available: boolean, reason?: string): void {
    if (this.#available === available) return;
    this.#available = available;
    this.context.setAvailable(available, reason);
  }

  /** Whether `destination` is relayed and, when `shareable` is asked, can share a broker subscription. */
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
}

const EMPTY = Buffer.alloc(0);

function frameBytes(frame: OutgoingFrame): number {
  let bytes = frame.body.length + frame.command.length;
  for (const name in frame.headers) bytes += name.length + (frame.headers[name]?.length ?? 0) + 2;
  return bytes;
}
