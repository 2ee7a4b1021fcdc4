import { ErrorCodes, SwitchboardError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MessageChannel } from '../../messaging/channel.js';
import type { Message } from '../../messaging/message.js';
import { hasPrefix } from '../../messaging/destinations.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';
import { Backoff } from './backoff.js';
import type { RelayContext, RelayEngine } from './relay-engine.js';
import type { BrokerAddress, BrokerRelayOptions, BrokerRelayStats } from './relay-options.js';
import { RelaySession } from './relay-session.js';
import type { StompTcpConnectionOptions } from './tcp-connection.js';
import { StompTcpConnection } from './tcp-connection.js';

/** A subscription of the system connection (for cluster traffic), kept across reconnects. */
interface SystemSubscription {
  readonly id: string;
  readonly destination: string;
  readonly onMessage: (frame: StompFrame) => void;
}

/**
 * Per-session mode (Spring's `StompBrokerRelayMessageHandler`): each client session gets its
 * own broker connection (CONNECT with `clientLogin` or the client's credentials); messages the
 * application sends go through one system connection. Receipts, transactions, acks and errors
 * are the broker's. When the system connection is lost every client is told and closed,
 * availability listeners hear it, and the relay reconnects with backoff and jitter, trying
 * the broker addresses in turn, until it is back.
 */
export class PerSessionRelay implements RelayEngine {
  readonly #o: BrokerRelayOptions;
  readonly #outbound: MessageChannel;
  readonly #logger: Logger;
  readonly #context: RelayContext;
  readonly #hosts: readonly BrokerAddress[];
  #hostIndex = 0;
  readonly #sessions = new Map<string, RelaySession>();
  readonly #systemSubscriptions = new Map<string, SystemSubscription>();
  readonly #backoff: Backoff;
  readonly #userQueueHeaders: Readonly<Record<string, string>>;
  readonly #stats = { reconnects: 0, toBroker: 0, fromBroker: 0 };
  #ackMapOverflow = 0;
  #system: StompTcpConnection | undefined;
  /** Undefined until first reported: the first failed attempt is reported with its reason. */
  #available: boolean | undefined;
  #lastError = 'not started';
  #running = false;
  #everConnected = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #subscriptionCounter = 0;

  constructor(options: BrokerRelayOptions, context: RelayContext) {
    this.#o = options;
    this.#context = context;
    this.#outbound = context.outbound;
    this.#logger = context.logger;
    this.#hosts = options.hosts ?? [{ host: options.host ?? '127.0.0.1', port: options.port ?? 61613 }];
    this.#backoff = new Backoff(options.reconnect);
    this.#userQueueHeaders = options.userQueueHeaders ?? { 'x-expires': '60000' };
  }

  get available(): boolean {
    return this.#available === true;
  }

  get stats(): BrokerRelayStats {
    return {
      mode: 'per-session',
      connected: this.#available === true,
      sessions: this.#sessions.size,
      connections: this.#sessions.size + (this.#system === undefined ? 0 : 1),
      ...this.#stats,
      brokerSubscriptions: 0,
      localSubscriptions: 0,
      outage: { active: false, since: undefined, count: 0 },
      outageBuffer: { messages: 0, bytes: 0, oldestAgeMs: 0 },
      dropped: this.#ackMapOverflow > 0 ? { ackMapOverflow: this.#ackMapOverflow } : {},
    };
  }

  /** Opens the system connection (and keeps reopening it until {@link stop}). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connectSystem();
  }

  /** Closes every broker connection and stops reconnecting. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    for (const session of [...this.#sessions.values()]) session.close();
    this.#sessions.clear();
    const system = this.#system;
    this.#system = undefined;
    system?.close();
    this.#setAvailable(false, 'relay stopped');
  }

  /** Relays a client frame (or an application message) to the broker. */
  handleMessage(message: Message): void | Promise<void> {
    const h = message.headers;
    switch (h.type) {
      case 'CONNECT':
        return this.#connectSession(message);
      case 'DISCONNECT': {
        const session = h.sessionId === undefined ? undefined : this.#sessions.get(h.sessionId);
        session?.close();
        return;
      }
      case 'MESSAGE': {
        if (h.destination === undefined || !hasPrefix(h.destination, this.#context.prefixes)) return;
        const session = h.sessionId === undefined ? undefined : this.#sessions.get(h.sessionId);
        if (session !== undefined) return session.send('MESSAGE', message);
        return this.#publishFromApplication(message);
      }
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
      case 'ACK':
      case 'NACK':
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        return this.#session(message).send(h.type, message);
      default:
        return;
    }
  }

  /**
   * Subscribes the system connection to `destination` for the application's own use (cluster
   * traffic); the subscription is renewed after every reconnect. Returns a function that ends it.
   */
  subscribeSystem(destination: string, onMessage: (frame: StompFrame) => void): () => void {
    const subscription = { id: `sys-${++this.#subscriptionCounter}`, destination, onMessage };
    this.#systemSubscriptions.set(subscription.id, subscription);
    if (this.#available) this.#systemSend('SUBSCRIBE', { id: subscription.id, destination });
    return () => {
      if (this.#systemSubscriptions.delete(subscription.id) && this.#available)
        this.#systemSend('UNSUBSCRIBE', { id: subscription.id });
    };
  }

  /** Publishes on the system connection; throws when the broker is unavailable. */
  publishSystem(destination: string, headers: StompHeaders, body: Buffer): void {
    const frameHeaders = createHeaders(headers);
    frameHeaders.destination = destination;
    this.#systemSendOrThrow('SEND', frameHeaders, body);
  }

  #publishFromApplication(message: Message): void {
    const h = message.headers;
    const headers = createHeaders(h.nativeHeaders);
    headers.destination = h.destination!;
    if (h.originalDestination !== undefined) Object.assign(headers, this.#userQueueHeaders);
    this.#systemSendOrThrow('SEND', headers, message.payload);
  }

  #systemSendOrThrow(command: 'SEND', headers: StompHeaders, body: Buffer): void {
    if (!this.#available || !this.#systemSend(command, headers, body)) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `Message to ${headers.destination} not sent: the message broker is not available (${this.#lastError})`,
      );
    }
  }

  #systemSend(
    command: StompFrame['command'],
    headers: StompHeaders,
    body: Buffer = Buffer.alloc(0),
  ): boolean {
    const sent = this.#system?.send({ command, headers: createHeaders(headers), body }) ?? false;
    if (sent) this.#stats.toBroker++;
    return sent;
  }

  #session(message: Message): RelaySession {
    const session =
      message.headers.sessionId === undefined ? undefined : this.#sessions.get(message.headers.sessionId);
    if (session === undefined) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `No broker connection for this session; ${message.headers.type} not relayed`,
      );
    }
    return session;
  }

  async #connectSession(message: Message): Promise<void> {
    const h = message.headers;
    const sessionId = h.sessionId;
    if (sessionId === undefined) return;
    if (!this.#available) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `The message broker is not available (${this.#lastError})`,
      );
    }
    const native = h.nativeHeaders;
    const session = new RelaySession(
      sessionId,
      {
        ...this.#connectionOptions(),
        login: this.#o.clientLogin ?? native.login,
        passcode: this.#o.clientLogin !== undefined ? this.#o.clientPasscode : native.passcode,
        logger: this.#logger,
      },
      this.#userQueueHeaders,
      {
        outbound: this.#outbound,
        logger: this.#logger,
        onEnd: (ended) => {
          if (this.#sessions.get(ended.sessionId) === ended) this.#sessions.delete(ended.sessionId);
        },
        count: (what) => (what === 'ackMapOverflow' ? this.#ackMapOverflow++ : this.#stats[what]++),
        ackTranslation: { maxPending: this.#o.maxUnackedPerSession },
      },
    );
    this.#sessions.set(sessionId, session);
    await session.connect(message);
  }

  #connectionOptions(): StompTcpConnectionOptions {
    const address = this.#hosts[this.#hostIndex]!;
    return {
      host: address.host,
      port: address.port ?? 61613,
      tls: this.#o.tls,
      virtualHost: this.#o.virtualHost ?? '/',
      heartbeat: this.#o.heartbeat,
      connectTimeout: this.#o.connectTimeout ?? 10_000,
      maxFrameSize: this.#o.maxFrameSize,
    };
  }

  #connectSystem(): void {
    const system = new StompTcpConnection({
      ...this.#connectionOptions(),
      login: this.#o.login ?? 'guest',
      passcode: this.#o.passcode ?? 'guest',
      logger: this.#logger,
    });
    this.#system = system;
    system
      .connect(
        (frame) => this.#onSystemFrame(frame),
        (error) => this.#systemLost(system, error),
      )
      .then(
        () => {
          if (this.#system !== system) return;
          if (this.#everConnected) this.#stats.reconnects++;
          this.#everConnected = true;
          this.#backoff.reset();
          for (const s of this.#systemSubscriptions.values())
            this.#systemSend('SUBSCRIBE', { id: s.id, destination: s.destination });
          this.#logger.info('Connected to the message broker', { address: this.#hosts[this.#hostIndex] });
          this.#setAvailable(true);
        },
        () => {
          // #systemLost has the reason and schedules the retry.
        },
      );
  }

  #onSystemFrame(frame: StompFrame): void {
    this.#stats.fromBroker++;
    if (frame.command === 'MESSAGE') {
      const subscription = frame.headers.subscription;
      const target = subscription === undefined ? undefined : this.#systemSubscriptions.get(subscription);
      if (target === undefined) return;
      try {
        target.onMessage(frame);
      } catch (error) {
        this.#logger.warn('A system subscription handler failed', { destination: target.destination, error });
      }
    } else if (frame.command === 'ERROR') {
      // A broker ERROR ends the connection; the close that follows triggers the reconnect.
      this.#logger.warn('The broker sent an ERROR on the system connection', {
        message: frame.headers.message,
      });
      this.#system?.close();
    }
  }

  #systemLost(system: StompTcpConnection, error: SwitchboardError | undefined): void {
    if (this.#system !== system) return;
    this.#system = undefined;
    const reason = error?.message ?? 'the system connection was closed';
    this.#lastError = reason;
    // The next attempt goes to the next address: on a cluster, another node.
    this.#hostIndex = (this.#hostIndex + 1) % this.#hosts.length;
    if (!this.#running) return;
    const wasAvailable = this.#available === true;
    this.#setAvailable(false, reason);
    if (wasAvailable) {
      for (const session of [...this.#sessions.values()])
        session.fail(`Lost the connection to the message broker: ${reason}`);
    }
    const delay = this.#backoff.next();
    this.#logger.warn('Message broker unavailable; reconnecting', {
      reason,
      attempt: this.#backoff.attempts,
      delayMs: delay,
    });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#running) this.#connectSystem();
    }, delay);
  }

  #setAvailable(available: boolean, reason?: string): void {
    if (this.#available === available) return;
    this.#available = available;
    this.#context.setAvailable(available, reason);
  }
}
