import { performance } from 'node:perf_hooks';
import type { MessageHandler } from '../messaging/channel.js';
import type { Message } from '../messaging/message.js';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { Session, WebSocketHandler } from '../websocket/handler.js';
import { CloseCodes } from '../websocket/handler.js';
import { StompDecoder } from './decoder.js';
import type { StompFrame } from './frame.js';
import { encodeMessageDelivery, frameOf, toOutbound } from './outbound-encoder.js';
import type { StompConnectionOptions } from './stomp-connection.js';
import { StompConnection } from './stomp-connection.js';
import { ConnectDeadlines } from './connect-deadlines.js';
import { drainingFrame } from './error-frames.js';
import { HEARTBEAT, startHeartbeats } from './heartbeats.js';
import type { StompSessionInfo } from './session-introspection.js';
import { describeSessions, queueDepth, subscriptionsByDestination } from './session-introspection.js';
import type { UserRefresher } from './session-expiry.js';
import { watchExpiry } from './session-expiry.js';
import { takeTokens } from '../security/token-bucket.js';
import type { StompProtocolStats } from './protocol-stats.js';
import { causeOfClose, createProtocolStats } from './protocol-stats.js';
import type { StompProtocolHandlerOptions } from './protocol-handler-options.js';
import { closeConnection, writeReceipt } from './client-frames.js';
import { ConnectedFrames, completeConnect } from './connect-negotiation.js';
import { FrameDispatch } from './frame-dispatch.js';
import { SessionFailures } from './session-failures.js';

export type { StompProtocolHandlerOptions } from './protocol-handler-options.js';

export type { StompProtocolStats } from './protocol-stats.js';

export type { StompSessionInfo } from './session-introspection.js';

/**
 * STOMP over any {@link Session}: decodes frames, keeps per-session order, turns frames into
 * messages on the inbound channel, and turns outbound messages (CONNECT_ACK, MESSAGE, RECEIPT,
 * ERROR, HEARTBEAT) back into frames. It answers CONNECTED, RECEIPT and ERROR, runs heart-beats,
 * and applies transactions when the broker does not.
 */
export class StompProtocolHandler implements WebSocketHandler, MessageHandler {
  readonly subProtocols = ['v12.stomp', 'v11.stomp', 'v10.stomp'] as const;
  readonly stats: StompProtocolStats = createProtocolStats();

  readonly #limits: Limits;
  readonly #grace: number;
  readonly #connectedFrames: ConnectedFrames;
  readonly #logger: Logger;
  readonly #onConnected: ((session: Session) => void) | undefined;
  readonly #refreshUser: UserRefresher | undefined;
  readonly #connections = new Map<string, StompConnection>();
  readonly #dispatch: FrameDispatch;
  readonly #failures: SessionFailures;
  /** One timer for every session that has yet to CONNECT. */
  readonly #connectDeadlines: ConnectDeadlines<StompConnection>;
  /** Shared by every connection of this handler. */
  readonly #connectionOptions: StompConnectionOptions;
  /**
   * Decodes for every connection between frames: a connection takes a decoder of its own only
   * while a frame is received in part (decoding is synchronous, so one decoder serves all).
   */
  #decoder: StompDecoder;
  /** Resolved when the last session is gone (drain). */
  #whenEmpty: (() => void)[] = [];
  #observeDelivery: ((latencyMs: number) => void) | undefined;
  #sampleMask = 0;
  #deliveries = 0;

  constructor(options: StompProtocolHandlerOptions) {
    this.#limits = options.limits;
    this.#grace = options.heartbeatGrace ?? 3;
    this.#connectedFrames = new ConnectedFrames(
      options.heartbeat ?? [10_000, 10_000],
      options.serverName ?? 'Switchboard',
    );
    this.#logger = options.logger ?? silentLogger;
    this.#onConnected = options.onConnected;
    this.#refreshUser = options.refreshUser;
    const failures = new SessionFailures(
      this.stats,
      this.#logger,
      this.#limits.connectTimeout,
      this.#limits.handlerTimeout,
    );
    this.#failures = failures;
    this.#dispatch = new FrameDispatch({
      inbound: options.inbound,
      maxSubscriptionsPerSession: this.#limits.maxSubscriptionsPerSession,
      brokerHandlesReceipt: options.brokerHandlesReceipt ?? (() => false),
      brokerHandlesTransactions: options.brokerHandlesTransactions ?? false,
      maxTransactions: options.maxTransactions ?? 16,
      maxTransactionFrames: options.maxTransactionFrames ?? 1000,
      stats: this.stats,
      logger: this.#logger,
    });
    this.#connectDeadlines = new ConnectDeadlines(this.#limits.connectTimeout, failures.connectTimedOut);
    this.#connectionOptions = {
      process: this.#dispatch.process,
      fail: failures.fail,
      maxBacklog: 1000,
      handlerTimeout: this.#limits.handlerTimeout,
      onTimeout: failures.handlerTimedOut,
      counters: this.stats,
      connectDeadlines: this.#connectDeadlines,
    };
    this.#decoder = this.#newDecoder();
  }

  #newDecoder(): StompDecoder {
    return new StompDecoder({
      maxFrameSize: this.#limits.maxFrameSize,
      maxHeaders: this.#limits.maxHeaders,
      maxHeaderLineLength: this.#limits.maxHeaderLineLength,
    });
  }

  /** True when `sessionId` is a live STOMP session. */
  hasSession(sessionId: string): boolean {
    return this.#connections.has(sessionId);
  }

  /** Number of live STOMP sessions. */
  get sessionCount(): number {
    return this.#connections.size;
  }

  /** Ids of the live STOMP sessions. */
  sessionIds(): string[] {
    return [...this.#connections.keys()];
  }

  // ---- WebSocketHandler: the client side ----

  /** A transport session opened: it must CONNECT within `connectTimeout`. */
  onOpen(session: Session): void {
    const connection = new StompConnection(session, this.#connectionOptions);
    this.#connections.set(session.id, connection);
    const transport = session.transport;
    this.stats.sessions.current[transport]++;
    this.stats.sessions.total[transport]++;
    this.#connectDeadlines.add(connection);
  }

  /** Bytes from the client: decoded, rate-limited, queued in order. */
  onMessage(session: Session, data: Buffer): void {
    const connection = this.#connections.get(session.id);
    if (connection === undefined || connection.state === 'closing') return;
    connection.read = true;
    this.stats.bytesIn += data.length;
    const { maxFramesPerSecond, maxBytesPerSecond } = this.#limits;
    // One clock read serves both buckets (each bursts to twice its rate).
    const now = maxFramesPerSecond > 0 || maxBytesPerSecond > 0 ? Date.now() : 0;
    if (maxBytesPerSecond > 0) {
      const fullAt = takeTokens(
        connection.byteBucket,
        data.length,
        now,
        maxBytesPerSecond,
        2 * maxBytesPerSecond,
      );
      if (fullAt < 0)
        return this.#failures.rateLimited(connection, `maxBytesPerSecond (${maxBytesPerSecond})`);
      connection.byteBucket = fullAt;
    }
    let frames: StompFrame[];
    const decoder = connection.decoder ?? this.#decoder;
    decoder.version = connection.version;
    try {
      frames = decoder.decode(data);
    } catch (error) {
      // The decoder is poisoned by its error: the shared one is replaced.
      if (decoder === this.#decoder) this.#decoder = this.#newDecoder();
      this.#failures.fail(connection, undefined, error);
      return;
    }
    if (!decoder.betweenFrames) {
      // A frame continues in a later message: this connection keeps the decoder until it ends.
      if (decoder === this.#decoder) this.#decoder = this.#newDecoder();
      connection.decoder = decoder;
    } else {
      connection.decoder = undefined;
    }
    if (frames.length === 0) return;
    this.stats.framesIn += frames.length;
    if (maxFramesPerSecond > 0) {
      const fullAt = takeTokens(
        connection.frameBucket,
        frames.length,
        now,
        maxFramesPerSecond,
        2 * maxFramesPerSecond,
      );
      if (fullAt < 0)
        return this.#failures.rateLimited(connection, `maxFramesPerSecond (${maxFramesPerSecond})`);
      connection.frameBucket = fullAt;
    }
    connection.enqueue(frames);
  }

  onClose(session: Session, code: number): void {
    const connection = this.#connections.get(session.id);
    if (connection === undefined) return;
    this.#connections.delete(session.id);
    if (this.#connections.size === 0 && this.#whenEmpty.length > 0) {
      for (const resolve of this.#whenEmpty.splice(0)) resolve();
    }
    this.stats.sessions.current[session.transport]--;
    this.stats.closes[connection.closeCause ?? causeOfClose(code)]++;
    const wasConnected = connection.state !== 'new';
    connection.dispose();
    if (wasConnected) this.#dispatch.sendDisconnect(connection, code);
  }

  /** A transport error (logged at debug; the close follows). */
  onError(session: Session, error: Error): void {
    this.#logger.debug('Transport error', { sessionId: session.id, error: error.message });
  }

  // ---- MessageHandler: the broker side (client outbound channel) ----

  /** A message for a client (from the broker or a handler): written as a frame. */
  handleMessage(message: Message): void {
    const sessionId = message.headers.sessionId;
    if (sessionId === undefined) return;
    const connection = this.#connections.get(sessionId);
    if (connection === undefined || connection.state === 'closing') return;
    switch (message.headers.type) {
      case 'MESSAGE':
        if (connection.state !== 'connected') return;
        connection.write(encodeMessageDelivery(message, connection.version!));
        if (this.#observeDelivery !== undefined && (++this.#deliveries & this.#sampleMask) === 0) {
          const publishedAt = message.headers.publishedAt;
          if (publishedAt !== undefined) this.#observeDelivery(performance.now() - publishedAt);
        }
        return;
      case 'CONNECT_ACK':
        this.#connected(connection, message);
        return;
      case 'RECEIPT':
        connection.write(toOutbound(frameOf('RECEIPT', message), connection.version));
        return;
      case 'HEARTBEAT':
        connection.write(HEARTBEAT);
        return;
      case 'ERROR':
        // The simple broker closes a slow consumer with an ERR_LIMIT_ code; a relay's broker sends none.
        connection.closeCause ??= message.headers.nativeHeaders.code?.startsWith('ERR_LIMIT_')
          ? 'limitExceeded'
          : 'brokerError';
        connection.write(toOutbound(frameOf('ERROR', message), connection.version));
        closeConnection(
          connection,
          CloseCodes.PROTOCOL_ERROR,
          message.headers.nativeHeaders.message ?? 'Error',
        );
        return;
      case 'DISCONNECT_ACK':
        connection.closeCause ??= 'normal';
        closeConnection(connection, CloseCodes.NORMAL, '');
        return;
      default:
        return;
    }
  }

  /**
   * Tells every session the server is going away, spread over `spread` ms so clients do not
   * all reconnect at once: an ERROR (`ERR_SERVER_DRAINING`, "reconnect"), then close 1001
   * once what is queued for the client has been written. Resolves when every session is gone.
   */
  drain(spread: number): Promise<void> {
    for (const connection of this.#connections.values()) {
      const timer = setTimeout(() => {
        if (!connection.isOpen) return;
        connection.closeCause = 'serverShutdown';
        connection.write(toOutbound(drainingFrame(), connection.version));
        closeConnection(connection, CloseCodes.GOING_AWAY, 'Server shutting down');
      }, Math.random() * spread);
      timer.unref();
    }
    if (this.#connections.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#whenEmpty.push(resolve));
  }

  /** Closes every session (server shutdown). */
  closeAll(code: number = CloseCodes.GOING_AWAY, reason = 'Server shutting down'): void {
    for (const connection of [...this.#connections.values()]) {
      connection.closeCause ??= 'serverShutdown';
      closeConnection(connection, code, reason);
    }
    // Every session is closing: none still waits for its CONNECT deadline (nor holds the timer).
    this.#connectDeadlines.clear();
  }

  /**
   * Reports delivery latency (ms from the broker taking a message to its MESSAGE frame being
   * written) for one delivery in `every` (rounded up to a power of two), for metrics.
   */
  observeDeliveries(observe: ((latencyMs: number) => void) | undefined, every = 64): void {
    this.#observeDelivery = observe;
    this.#sampleMask = 2 ** Math.ceil(Math.log2(Math.max(1, every))) - 1;
  }

  /** Bytes queued for clients: the largest one session holds, and the sum. */
  queueDepth(): { max: number; total: number } {
    return queueDepth(this.#connections.values());
  }

  /** Subscriptions now, per destination as clients wrote it. */
  subscriptionsByDestination(): Map<string, number> {
    return subscriptionsByDestination(this.#connections.values());
  }

  /** The live sessions, for the admin view. */
  describeSessions(): StompSessionInfo[] {
    return describeSessions(this.#connections.values());
  }

  /** The broker accepted the CONNECT: CONNECTED, its receipt, heart-beats, expiry watch. */
  #connected(connection: StompConnection, ack: Message): void {
    const connect = completeConnect(connection, ack, this.#connectedFrames);
    if (connect === undefined) return;
    this.stats.connected++;
    const receipt = connect.headers.receipt;
    if (receipt !== undefined) writeReceipt(connection, receipt);
    if (connection.sendInterval > 0 || connection.receiveInterval > 0)
      startHeartbeats(connection, this.#grace, this.#failures.heartbeatTimedOut);
    watchExpiry(connection, this.#refreshUser, this.#failures.expired, this.#logger);
    this.#onConnected?.(connection.session);
  }
}
