import { performance } from 'node:perf_hooks';
import type { MessageChannel, MessageHandler } from '../messaging/channel.js';
import type { Message, MessageHeaders, MessageType } from '../messaging/message.js';
import { createMessage } from '../messaging/message.js';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Session, WebSocketHandler } from '../websocket/handler.js';
import { CloseCodes } from '../websocket/handler.js';
import { StompDecoder } from './decoder.js';
import type { StompFrame } from './frame.js';
import { createFrame, createHeaders, negotiateVersion, parseHeartbeat } from './frame.js';
import { encodeMessageDelivery, frameOf, toOutbound } from './outbound-encoder.js';
import { StompConnection } from './stomp-connection.js';
import { SUPPORTED_VERSIONS, drainingFrame, failureAnswer, truncateReason } from './error-frames.js';
import { HEARTBEAT, startHeartbeats } from './heartbeats.js';
import type { StompSessionInfo } from './session-introspection.js';
import { describeSessions, queueDepth, subscriptionsByDestination } from './session-introspection.js';
import type { UserRefresher } from './session-expiry.js';
import { watchExpiry } from './session-expiry.js';
import { TokenBucket } from '../security/token-bucket.js';
import type { StompProtocolStats } from './protocol-stats.js';
import { causeOfClose, causeOfError, createProtocolStats } from './protocol-stats.js';

/** Options of {@link StompProtocolHandler}. */
export interface StompProtocolHandlerOptions {
  /** Where client frames go, as messages (the client inbound channel). */
  inbound: MessageChannel;
  /** Limits (frame size, header count, timeouts). */
  limits: Limits;
  /** Heart-beat the server offers `[send, receive]`, ms. Default [10000, 10000]; [0, 0] turns it off. */
  heartbeat?: readonly [number, number];
  /** A client silent for this many times its receive interval is closed. Default 3. */
  heartbeatGrace?: number;
  /** Value of the CONNECTED `server` header. */
  serverName?: string;
  /** True when the broker answers the `receipt` of this message itself (a relay). Default: never. */
  brokerHandlesReceipt?: (message: Message) => boolean;
  /** True when the broker applies transactions itself (a relay). Default false. */
  brokerHandlesTransactions?: boolean;
  /** Called once a session is established (CONNECTED sent). */
  onConnected?: (session: Session) => void;
  /** Most transactions one session may have open. Default 16. */
  maxTransactions?: number;
  /** Most frames one transaction may hold. Default 1000. */
  maxTransactionFrames?: number;
  /** Called when a user's `expiresAt` passes; may return the same user with a later expiry. */
  refreshUser?: UserRefresher;
  logger?: Logger;
}

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

  readonly #inbound: MessageChannel;
  readonly #limits: Limits;
  readonly #heartbeat: readonly [number, number];
  readonly #grace: number;
  readonly #serverName: string;
  readonly #brokerHandlesReceipt: (message: Message) => boolean;
  readonly #brokerHandlesTransactions: boolean;
  readonly #maxTransactions: number;
  readonly #maxTransactionFrames: number;
  readonly #logger: Logger;
  readonly #onConnected: ((session: Session) => void) | undefined;
  readonly #refreshUser: UserRefresher | undefined;
  readonly #connections = new Map<string, StompConnection>();
  /** Resolved when the last session is gone (drain). */
  #whenEmpty: (() => void)[] = [];
  #observeDelivery: ((latencyMs: number) => void) | undefined;
  #sampleMask = 0;
  #deliveries = 0;

  constructor(options: StompProtocolHandlerOptions) {
    this.#inbound = options.inbound;
    this.#limits = options.limits;
    this.#heartbeat = options.heartbeat ?? [10_000, 10_000];
    this.#grace = options.heartbeatGrace ?? 3;
    this.#serverName = options.serverName ?? 'Switchboard';
    this.#brokerHandlesReceipt = options.brokerHandlesReceipt ?? (() => false);
    this.#brokerHandlesTransactions = options.brokerHandlesTransactions ?? false;
    this.#maxTransactions = options.maxTransactions ?? 16;
    this.#maxTransactionFrames = options.maxTransactionFrames ?? 1000;
    this.#logger = options.logger ?? silentLogger;
    this.#onConnected = options.onConnected;
    this.#refreshUser = options.refreshUser;
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
    const decoder = new StompDecoder({
      maxFrameSize: this.#limits.maxFrameSize,
      maxHeaders: this.#limits.maxHeaders,
      maxHeaderLineLength: this.#limits.maxHeaderLineLength,
    });
    const connection = new StompConnection(session, decoder, this.#process, this.#fail, {
      maxBacklog: 1000,
      handlerTimeout: this.#limits.handlerTimeout,
      onTimeout: (conn, frame) =>
        logIncident(
          this.#logger,
          'warn',
          'handlerTimeout',
          conn.id,
          'Handler did not finish in time; the session queue moves on',
          {
            sessionId: conn.id,
            command: frame.command,
            destination: frame.headers.destination,
            handlerTimeout: this.#limits.handlerTimeout,
          },
        ),
      counters: this.stats,
    });
    this.#connections.set(session.id, connection);
    this.stats.sessions.current[session.transport]++;
    this.stats.sessions.total[session.transport]++;
    const { maxFramesPerSecond, maxBytesPerSecond } = this.#limits;
    if (maxFramesPerSecond > 0) connection.frameBucket = new TokenBucket(maxFramesPerSecond);
    if (maxBytesPerSecond > 0) connection.byteBucket = new TokenBucket(maxBytesPerSecond);
    const timer = setTimeout(() => {
      if (connection.state === 'new') {
        connection.closeCause = 'connectTimeout';
        this.#fail(
          connection,
          undefined,
          new StompProtocolError(
            ErrorCodes.ERR_STOMP_NOT_CONNECTED,
            `No CONNECT frame received within connectTimeout (${this.#limits.connectTimeout} ms)`,
          ),
        );
      }
    }, this.#limits.connectTimeout);
    timer.unref();
    // Kept apart from the other timers: CONNECTED clears it, so connected sessions hold no pending connect timer.
    connection.connectTimer = timer;
  }

  /** Bytes from the client: decoded, rate-limited, queued in order. */
  onMessage(session: Session, data: Buffer): void {
    const connection = this.#connections.get(session.id);
    if (connection === undefined || connection.state === 'closing') return;
    connection.read = true;
    this.stats.bytesIn += data.length;
    // One clock read serves both buckets.
    const now = connection.frameBucket !== undefined || connection.byteBucket !== undefined ? Date.now() : 0;
    if (connection.byteBucket !== undefined && !connection.byteBucket.take(data.length, now)) {
      return this.#rateLimited(connection, `maxBytesPerSecond (${this.#limits.maxBytesPerSecond})`);
    }
    let frames: StompFrame[];
    try {
      frames = connection.decoder.decode(data);
    } catch (error) {
      this.#fail(connection, undefined, error);
      return;
    }
    if (frames.length === 0) return;
    this.stats.framesIn += frames.length;
    if (connection.frameBucket !== undefined && !connection.frameBucket.take(frames.length, now)) {
      return this.#rateLimited(connection, `maxFramesPerSecond (${this.#limits.maxFramesPerSecond})`);
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
    if (wasConnected) this.#sendDisconnect(connection, code);
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
        this.#close(connection, CloseCodes.PROTOCOL_ERROR, message.headers.nativeHeaders.message ?? 'Error');
        return;
      case 'DISCONNECT_ACK':
        connection.closeCause ??= 'normal';
        this.#close(connection, CloseCodes.NORMAL, '');
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
        this.#close(connection, CloseCodes.GOING_AWAY, 'Server shutting down');
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
      this.#close(connection, code, reason);
    }
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

  // ---- frame processing ----

  readonly #process = (connection: StompConnection, frame: StompFrame): void | Promise<void> => {
    const command = frame.command;
    if (command === 'CONNECT' || command === 'STOMP') return this.#connect(connection, frame);
    if (connection.state === 'new') {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_NOT_CONNECTED,
        `${command} frame received before CONNECT`,
      );
    }
    switch (command) {
      case 'SEND':
        require(frame, 'destination');
        if (this.#inTransaction(connection, frame)) return;
        return this.#forward(connection, frame, 'MESSAGE');
      case 'SUBSCRIBE': {
        require(frame, 'destination');
        const id = require(frame, 'id');
        const subscriptions = connection.subscriptions;
        if (!subscriptions.has(id) && subscriptions.size >= this.#limits.maxSubscriptionsPerSession) {
          throw new StompProtocolError(
            ErrorCodes.ERR_LIMIT_SUBSCRIPTIONS,
            `Too many subscriptions: maxSubscriptionsPerSession is ${this.#limits.maxSubscriptionsPerSession}`,
          );
        }
        subscriptions.set(id, frame.headers.destination!);
        return this.#forward(connection, frame, 'SUBSCRIBE');
      }
      case 'UNSUBSCRIBE':
        connection.subscriptions.delete(require(frame, 'id'));
        return this.#forward(connection, frame, 'UNSUBSCRIBE');
      case 'ACK':
      case 'NACK':
        // Refused here, for every broker: 1.0 has no NACK, and a 1.0 client must not get a
        // requeue from one broker and an ERROR from another.
        if (command === 'NACK' && connection.version === '1.0') {
          throw new StompProtocolError(
            ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND,
            'NACK is not part of STOMP 1.0; connect with STOMP 1.1 or 1.2 to use it',
          );
        }
        this.#requireAckId(connection, frame);
        if (this.#inTransaction(connection, frame)) return;
        return this.#forward(connection, frame, command);
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        return this.#transaction(connection, frame);
      case 'DISCONNECT':
        return this.#disconnect(connection, frame);
      default:
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND,
          `Unexpected ${command} frame from a client`,
        );
    }
  };

  #connect(connection: StompConnection, frame: StompFrame): void | Promise<void> {
    if (connection.state !== 'new') {
      throw new StompProtocolError(ErrorCodes.ERR_STOMP_ALREADY_CONNECTED, 'Session is already connected');
    }
    const version = negotiateVersion(frame.headers['accept-version']);
    if (version === undefined) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNSUPPORTED_VERSION,
        `Supported protocol versions are ${SUPPORTED_VERSIONS}; the client accepts ${frame.headers['accept-version']}`,
      );
    }
    const heartbeat = parseHeartbeat(frame.headers['heart-beat']);
    if (heartbeat === undefined) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_INVALID_HEADER,
        `Invalid heart-beat header '${frame.headers['heart-beat']}' (expected 'cx,cy')`,
      );
    }
    connection.version = version;
    connection.decoder.version = version;
    connection.state = 'connecting';
    connection.connectFrame = frame;
    this.stats.connect++;
    const message = sessionMessage(connection, 'CONNECT', { heartbeat, nativeHeaders: frame.headers });
    return this.#send(connection, message, undefined);
  }

  #connected(connection: StompConnection, ack: Message): void {
    const connect = connection.connectFrame;
    if (connection.state !== 'connecting' || connect === undefined) return;
    connection.connectFrame = undefined;
    clearTimeout(connection.connectTimer);
    connection.connectTimer = undefined;
    const user = ack.headers.user ?? connection.user;
    if (user !== undefined && connection.session.principal === undefined) connection.session.principal = user;
    const [cx, cy] = parseHeartbeat(connect.headers['heart-beat']) ?? [0, 0];
    const [sx, sy] = this.#heartbeat;
    connection.sendInterval = sx > 0 && cy > 0 ? Math.max(sx, cy) : 0;
    connection.receiveInterval = sy > 0 && cx > 0 ? Math.max(sy, cx) : 0;
    const headers = createHeaders({
      version: connection.version,
      'heart-beat': `${sx},${sy}`,
      server: this.#serverName,
      session: connection.id,
      'user-name': user?.name,
    });
    connection.state = 'connected';
    this.stats.connected++;
    connection.write(
      toOutbound({ command: 'CONNECTED', headers, body: Buffer.alloc(0) }, connection.version),
    );
    const receipt = connect.headers.receipt;
    if (receipt !== undefined) this.#receipt(connection, receipt);
    this.#startHeartbeats(connection);
    watchExpiry(connection, this.#refreshUser, this.#expired, this.#logger);
    this.#onConnected?.(connection.session);
  }

  #startHeartbeats(connection: StompConnection): void {
    startHeartbeats(connection, this.#grace, (error) => {
      this.stats.heartbeatTimeouts++;
      this.#fail(connection, undefined, error);
    });
  }

  /** Turns a frame into a message of `type` and sends it to the inbound channel. */
  #forward(connection: StompConnection, frame: StompFrame, type: MessageType): void | Promise<void> {
    const headers = frame.headers;
    const message = sessionMessage(
      connection,
      type,
      {
        destination: headers.destination,
        subscriptionId: type === 'SUBSCRIBE' || type === 'UNSUBSCRIBE' ? headers.id : undefined,
        nativeHeaders: headers,
      },
      frame.body,
    );
    return this.#send(connection, message, headers.receipt);
  }

  /** Sends to the inbound channel, then answers the receipt unless the broker will. */
  #send(connection: StompConnection, message: Message, receipt: string | undefined): void | Promise<void> {
    // Asked before routing: routing may change what the answer depends on (an UNSUBSCRIBE).
    const ownReceipt = receipt !== undefined && !this.#brokerHandlesReceipt(message);
    const result = this.#inbound.send(message);
    if (typeof result === 'boolean') {
      if (result && ownReceipt) this.#receipt(connection, receipt);
      return;
    }
    return result.then((sent) => {
      if (sent && ownReceipt) this.#receipt(connection, receipt);
    });
  }

  #receipt(connection: StompConnection, receiptId: string): void {
    if (!connection.isOpen) return;
    const frame = createFrame('RECEIPT', { 'receipt-id': receiptId });
    connection.write(toOutbound(frame, connection.version));
  }

  #requireAckId(connection: StompConnection, frame: StompFrame): void {
    if (connection.version === '1.2') require(frame, 'id');
    else if (frame.headers.id === undefined) require(frame, 'message-id');
  }

  /** Buffers a SEND/ACK/NACK that names a transaction; returns true when it did. */
  #inTransaction(connection: StompConnection, frame: StompFrame): boolean {
    const id = frame.headers.transaction;
    if (id === undefined || this.#brokerHandlesTransactions) return false;
    const frames = connection.transactions.get(id);
    if (frames === undefined) {
      throw new StompProtocolError(ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION, `Unknown transaction '${id}'`);
    }
    if (frames.length >= this.#maxTransactionFrames) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION,
        `Transaction '${id}' exceeds maxTransactionFrames (${this.#maxTransactionFrames})`,
      );
    }
    frames.push(frame);
    if (frame.headers.receipt !== undefined) this.#receipt(connection, frame.headers.receipt);
    return true;
  }

  #transaction(connection: StompConnection, frame: StompFrame): void | Promise<void> {
    const id = require(frame, 'transaction');
    if (this.#brokerHandlesTransactions)
      return this.#forward(connection, frame, frame.command as MessageType);
    const transactions = connection.transactions;
    const receipt = frame.headers.receipt;
    if (frame.command === 'BEGIN') {
      if (transactions.has(id)) {
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_DUPLICATE_TRANSACTION,
          `Transaction '${id}' is already open`,
        );
      }
      if (transactions.size >= this.#maxTransactions) {
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_DUPLICATE_TRANSACTION,
          `Too many open transactions: maxTransactions is ${this.#maxTransactions}`,
        );
      }
      transactions.set(id, []);
      if (receipt !== undefined) this.#receipt(connection, receipt);
      return;
    }
    const frames = transactions.get(id);
    if (frames === undefined) {
      throw new StompProtocolError(ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION, `Unknown transaction '${id}'`);
    }
    transactions.delete(id);
    const done = (): void => {
      if (receipt !== undefined) this.#receipt(connection, receipt);
    };
    if (frame.command === 'ABORT') return done();
    const result = this.#replay(connection, frames.map(withoutTransaction), 0);
    if (result === undefined) return done();
    return result.then(done);
  }

  #replay(connection: StompConnection, frames: StompFrame[], from: number): void | Promise<void> {
    for (let i = from; i < frames.length; i++) {
      const result = this.#process(connection, frames[i]!);
      if (result !== undefined) return result.then(() => this.#replay(connection, frames, i + 1));
    }
  }

  #disconnect(connection: StompConnection, frame: StompFrame): void {
    this.#sendDisconnect(connection, CloseCodes.NORMAL);
    const receipt = frame.headers.receipt;
    if (receipt !== undefined) this.#receipt(connection, receipt);
    this.#close(connection, CloseCodes.NORMAL, '');
  }

  /** Tells the broker the session is gone (once), whatever ended it. */
  #sendDisconnect(connection: StompConnection, code: number): void {
    if (connection.disconnected) return;
    connection.disconnected = true;
    this.stats.disconnect++;
    const message = sessionMessage(connection, 'DISCONNECT', {
      nativeHeaders: createHeaders({ 'close-code': String(code) }),
    });
    try {
      const result = this.#inbound.send(message);
      if (typeof result !== 'boolean') {
        result.catch((error: unknown) => this.#logger.warn('DISCONNECT handling failed', { error }));
      }
    } catch (error) {
      this.#logger.warn('DISCONNECT handling failed', { sessionId: connection.id, error });
    }
  }

  readonly #expired = (connection: StompConnection, error: StompProtocolError): void => {
    logIncident(
      this.#logger,
      'info',
      'authExpired',
      connection.id,
      'Session closed: authentication expired',
      {
        sessionId: connection.id,
        user: connection.user?.name,
      },
    );
    this.#fail(connection, undefined, error);
  };

  #rateLimited(connection: StompConnection, limit: string): void {
    this.stats.rateLimited++;
    logIncident(this.#logger, 'warn', 'rateLimited', connection.id, 'Session closed: rate limit exceeded', {
      sessionId: connection.id,
      limit,
    });
    this.#fail(
      connection,
      undefined,
      new StompProtocolError(ErrorCodes.ERR_LIMIT_RATE, `Rate limit exceeded: ${limit}`),
    );
  }

  #close(connection: StompConnection, code: number, reason: string): void {
    connection.dispose();
    connection.session.close(code, truncateReason(reason));
  }

  /** Answers a failed frame (or undecodable bytes) with an ERROR frame, then closes. */
  readonly #fail = (connection: StompConnection, frame: StompFrame | undefined, error: unknown): void => {
    if (!connection.isOpen) return;
    this.stats.errors++;
    const answer = failureAnswer(error, frame);
    connection.closeCause ??= causeOfError(answer.code);
    if (!answer.known) {
      logIncident(this.#logger, 'error', 'handlerFailed', connection.id, answer.summary, {
        sessionId: connection.id,
        error,
      });
    } else {
      logIncident(this.#logger, 'debug', 'protocolError', connection.id, 'STOMP error', {
        sessionId: connection.id,
        code: answer.code,
        message: answer.summary,
      });
    }
    // Before CONNECTED the client knows no version, so it reads headers unescaped (as 1.0).
    const version = connection.state === 'connected' ? connection.version : '1.0';
    connection.write(toOutbound(answer.frame, version));
    this.#close(connection, answer.closeCode, answer.summary);
  };
}

/** A message from a session: its id, user and attributes, plus the given headers. */
function sessionMessage(
  connection: StompConnection,
  type: MessageType,
  headers: Partial<Omit<MessageHeaders, 'type' | 'sessionId' | 'user' | 'sessionAttributes'>>,
  payload?: Buffer,
): Message {
  return createMessage(
    {
      type,
      sessionId: connection.id,
      user: connection.user,
      sessionAttributes: connection.session.attributes,
      ...headers,
    },
    payload,
  );
}

function require(frame: StompFrame, header: string): string {
  const value = frame.headers[header];
  if (value === undefined || value === '') {
    throw new StompProtocolError(
      ErrorCodes.ERR_STOMP_MISSING_HEADER,
      `${frame.command} frame is missing the required '${header}' header`,
    );
  }
  return value;
}

function withoutTransaction(frame: StompFrame): StompFrame {
  const headers = createHeaders(frame.headers);
  delete headers.transaction;
  delete headers.receipt;
  return { command: frame.command, headers, body: frame.body };
}
