import type { IncomingHttpHeaders } from 'node:http';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Principal } from '../messaging/message.js';
import type { Session, TransportKind, WebSocketHandler } from '../websocket/handler.js';
import { CloseCodes, nextPrincipal } from '../websocket/handler.js';
import type { OutboundMessage } from '../websocket/outbound-message.js';
import { newSessionId } from '../websocket/session-id.js';
import {
  HEARTBEAT_FRAME,
  OPEN_FRAME,
  SockJsCloseCodes,
  closeFrame,
  quote,
  quotedMessageFrame,
} from './frames.js';

/** Where a session's frames go right now: one HTTP response or one WebSocket. */
export interface Receiver {
  /** Writes one frame; returns false when the receiver is finished afterwards (polling, stream limit). */
  sendFrame(frame: string): boolean;
  /** Ends the receiver (the HTTP response, or the WebSocket). */
  end(): void;
  /** Bytes the receiver has not yet handed to the kernel. */
  readonly bufferedAmount: number;
}

export interface SockJsSessionOptions {
  /** The session id from the URL (the client's). */
  sockJsId: string;
  transport: TransportKind;
  handler: WebSocketHandler;
  uri: URL;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  attributes: Map<string, unknown>;
  principal: Principal | undefined;
  limits: Pick<Limits, 'sendBufferLimit' | 'overflow'>;
  /** Idle time before an `h` frame, ms. */
  heartbeatDelay: number;
  /** Time without a receiver before the session is closed, ms. */
  disconnectDelay: number;
  /** Most messages held between two HTTP requests. */
  maxQueuedMessages: number;
  logger: Logger;
  /** Counts messages dropped (binary, or by the overflow policy), shared by a service's sessions. */
  stats?: { dropped: number };
  /** Called once the session is over and may be forgotten. */
  onExpired: (session: SockJsSession) => void;
}

/**
 * One SockJS session (Spring's `AbstractSockJsSession`): the same {@link Session} seam as a
 * WebSocket, over a receiver that may come and go (each poll or stream is a new HTTP request).
 * Messages wait in a bounded queue between receivers; an `h` frame goes out after
 * `heartbeatDelay` of quiet; a session without a receiver for `disconnectDelay` is closed.
 */
export class SockJsSession implements Session {
  readonly id = newSessionId();
  readonly sockJsId: string;
  readonly transport: TransportKind;
  readonly uri: URL;
  readonly handshakeHeaders: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  readonly protocol = '';
  readonly attributes: Map<string, unknown>;
  #principal: Principal | undefined;
  readonly #o: SockJsSessionOptions;
  #receiver: Receiver | undefined;
  /** Messages waiting for the receiver, already JSON-quoted. */
  #queue: string[] = [];
  #queuedBytes = 0;
  #opened = false;
  #closed: string | undefined;
  #heartbeats = true;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #flushScheduled = false;
  #dropped = 0;

  constructor(options: SockJsSessionOptions) {
    this.#o = options;
    this.sockJsId = options.sockJsId;
    this.transport = options.transport;
    this.uri = options.uri;
    this.handshakeHeaders = options.headers;
    this.remoteAddress = options.remoteAddress;
    this.attributes = options.attributes;
    this.#principal = options.principal;
    this.#armExpiry();
  }

  get principal(): Principal | undefined {
    return this.#principal;
  }

  set principal(principal: Principal | undefined) {
    this.#principal = nextPrincipal(this.#principal, principal);
  }

  get isOpen(): boolean {
    return this.#closed === undefined;
  }

  get bufferedAmount(): number {
    return this.#queuedBytes + (this.#receiver?.bufferedAmount ?? 0);
  }

  /** Messages dropped by the overflow policy. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Called by the service after creating the session. */
  open(): void {
    try {
      this.#o.handler.onOpen?.(this);
    } catch (error) {
      logIncident(this.#o.logger, 'error', 'handlerFailed', this.id, 'SockJS handler onOpen failed', {
        error,
      });
      this.close(CloseCodes.SERVER_ERROR, 'Internal error');
    }
  }

  send(message: OutboundMessage): boolean {
    if (this.#closed !== undefined) return false;
    if (message.binary) {
      // SockJS is text-only (as in Spring); a binary frame cannot be represented.
      logIncident(
        this.#o.logger,
        'warn',
        'sockjsBinaryDropped',
        this.id,
        'SockJS sessions carry text only; binary message dropped',
        { sessionId: this.id },
      );
      this.#countDrop();
      return false;
    }
    // Quoted once per message, whatever the number of sessions it fans out to.
    const quoted = message.sockJsQuoted(quote);
    const size = quoted.length;
    if (!this.#fits(size)) return false;
    this.#queue.push(quoted);
    this.#queuedBytes += size;
    this.#scheduleFlush();
    return true;
  }

  /** Stops SockJS `h` frames (STOMP heart-beats are doing that job). */
  disableTransportHeartbeat(): void {
    this.#heartbeats = false;
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
  }

  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    if (this.#closed !== undefined) return;
    this.#flush();
    this.#closed = closeFrame(
      code === CloseCodes.NORMAL ? SockJsCloseCodes.GO_AWAY : code,
      code === CloseCodes.NORMAL ? 'Go away!' : reason,
    );
    if (this.#receiver) {
      this.#receiver.sendFrame(this.#closed);
      this.#detach(true);
    }
    this.#notifyClosed(code, reason);
    this.#armExpiry();
  }

  /** A client-facing message arrived (already JSON-decoded). */
  receive(messages: readonly string[]): void {
    for (const message of messages) {
      if (this.#closed !== undefined) return;
      try {
        this.#o.handler.onMessage?.(this, Buffer.from(message, 'utf8'), false);
      } catch (error) {
        logIncident(this.#o.logger, 'error', 'handlerFailed', this.id, 'SockJS handler failed', {
          sessionId: this.id,
          error,
        });
        this.close(CloseCodes.SERVER_ERROR, 'Internal error');
      }
    }
  }

  /**
   * A request wants to receive. Another receiver already attached gets 2010; a closed session
   * answers its close frame; otherwise `o` first, then queued messages.
   */
  attach(receiver: Receiver): void {
    if (this.#closed !== undefined) {
      receiver.sendFrame(this.#closed);
      receiver.end();
      return;
    }
    if (this.#receiver !== undefined) {
      receiver.sendFrame(closeFrame(SockJsCloseCodes.ANOTHER_CONNECTION, 'Another connection still open'));
      receiver.end();
      return;
    }
    this.#receiver = receiver;
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (!this.#opened) {
      this.#opened = true;
      const more = receiver.sendFrame(OPEN_FRAME);
      if (!more) this.#detach(true);
      this.open();
      if (!more || this.#receiver !== receiver) return;
    }
    if (this.#queue.length > 0) this.#flush();
    else this.#armHeartbeat();
  }

  /** The receiving request went away before finishing: the connection was interrupted. */
  interrupted(receiver: Receiver): void {
    if (this.#receiver !== receiver) return;
    this.#receiver = undefined;
    if (this.#closed === undefined) {
      this.#closed = closeFrame(SockJsCloseCodes.INTERRUPTED, 'Connection interrupted');
      this.#notifyClosed(CloseCodes.GOING_AWAY, 'Connection interrupted');
    }
    this.#armExpiry();
  }

  /** The receiver ended normally (a poll answered, a stream at its limit). */
  detached(receiver: Receiver): void {
    if (this.#receiver === receiver) this.#detach(false);
  }

  #fits(size: number): boolean {
    const limit = this.#o.limits.sendBufferLimit;
    // The message count bounds what waits between HTTP requests; with a receiver attached the
    // queue is only this tick's batch, and the byte limit is what matters.
    const tooMany = (): boolean =>
      this.#receiver === undefined && this.#queue.length >= this.#o.maxQueuedMessages;
    const tooBig = (): boolean => this.bufferedAmount + size > limit;
    if (!tooMany() && !tooBig()) return true;
    if (this.#o.limits.overflow === 'terminate') {
      logIncident(
        this.#o.logger,
        'warn',
        'slowConsumerClosed',
        this.id,
        'Slow consumer: closing SockJS session (4500)',
        {
          sessionId: this.id,
          sendBufferLimit: limit,
          maxQueuedMessages: this.#o.maxQueuedMessages,
        },
      );
      this.close(CloseCodes.SESSION_NOT_RELIABLE, `Failed to send message within the configured send limit`);
      return false;
    }
    while (this.#queue.length > 0 && (tooMany() || tooBig())) {
      this.#queuedBytes -= this.#queue.shift()!.length;
      this.#countDrop();
    }
    if (tooBig()) {
      this.#countDrop();
      return false;
    }
    return true;
  }

  #countDrop(): void {
    this.#dropped++;
    if (this.#o.stats !== undefined) this.#o.stats.dropped++;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#receiver === undefined) return;
    this.#flushScheduled = true;
    process.nextTick(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const receiver = this.#receiver;
    if (receiver === undefined || this.#queue.length === 0) return;
    const frame = quotedMessageFrame(this.#queue);
    this.#queue = [];
    this.#queuedBytes = 0;
    if (receiver.sendFrame(frame)) this.#armHeartbeat();
    else this.#detach(true);
  }

  #armHeartbeat(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    if (!this.#heartbeats || this.#receiver === undefined) return;
    this.#heartbeatTimer = setTimeout(() => {
      const receiver = this.#receiver;
      if (receiver === undefined) return;
      if (receiver.sendFrame(HEARTBEAT_FRAME)) this.#armHeartbeat();
      else this.#detach(true);
    }, this.#o.heartbeatDelay);
    this.#heartbeatTimer.unref();
  }

  #detach(end: boolean): void {
    const receiver = this.#receiver;
    this.#receiver = undefined;
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    if (end) receiver?.end();
    this.#armExpiry();
  }

  /** Without a receiver for disconnectDelay the session ends (and, once closed, is forgotten). */
  #armExpiry(): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(() => {
      if (this.#receiver !== undefined) return;
      if (this.#closed === undefined) {
        this.#closed = closeFrame(SockJsCloseCodes.GO_AWAY, 'Go away!');
        this.#notifyClosed(CloseCodes.GOING_AWAY, 'SockJS session timed out');
      }
      this.#o.onExpired(this);
    }, this.#o.disconnectDelay);
    this.#expiryTimer.unref();
  }

  #notified = false;
  #notifyClosed(code: number, reason: string): void {
    if (this.#notified) return;
    this.#notified = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    try {
      this.#o.handler.onClose?.(this, code, reason);
    } catch (error) {
      logIncident(this.#o.logger, 'error', 'handlerFailed', this.id, 'SockJS handler onClose failed', {
        sessionId: this.id,
        error,
      });
    }
  }

  /** Stops all timers (server shutdown). */
  dispose(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
  }
}
