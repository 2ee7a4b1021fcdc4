import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { logIncident } from '../logging/log-incident.js';
import type { Principal } from '../messaging/message.js';
import type { Session, TransportKind } from './handler.js';
import { CloseCodes, nextPrincipal } from './handler.js';
import type { OutboundMessage } from './outbound-message.js';
import { requestUrl } from './handshake.js';
import type { SessionContext, SessionWebSocket } from './session-shared.js';
import { closeReason } from './session-shared.js';
import { newSessionId } from './session-id.js';
import { SendBacklog } from './send-backlog.js';

export interface WebSocketSessionInit {
  ws: WebSocket;
  socket: Socket;
  /** The request URL: parsed (handshake interceptors saw it), or the raw path, parsed when asked for. */
  uri: URL | string;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** Seeded by handshake interceptors; created when first asked for otherwise. */
  attributes: Map<string, unknown> | undefined;
  principal: Principal | undefined;
  context: SessionContext<WebSocketSession>;
}

// Session state bits (one field, not three).
const OPEN = 1;
const CORKED = 2;
const CLOSE_NOTIFIED = 4;
/** The close handshake has started. */
const CLOSE_SENT = 8;

// Sockets corked in this tick, uncorked together once the tick's work is done: one syscall
// per socket per tick instead of one per message.
let corked: WebSocketSession[] = [];
function uncorkAll(): void {
  const batch = corked;
  corked = [];
  for (let i = 0; i < batch.length; i++) batch[i]!.uncork();
}

/**
 * A WebSocket session over `ws`. Outbound bytes are pre-framed {@link OutboundMessage}s written
 * straight to the TCP socket (permessage-deflate is off, so ws never reorders its own writes
 * relative to ours); one frame encoded once is written to N sockets. Every send passes the
 * bounded queue: while the kernel buffer drains, messages are written directly; once it stops
 * draining they wait in a session FIFO counted against `sendBufferLimit`, and a socket that
 * cannot drain for `sendTimeLimit` is closed with 4500.
 */
export class WebSocketSession implements Session {
  readonly id = newSessionId();
  readonly handshakeHeaders: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  readonly ws: WebSocket;
  #uri: URL | string;
  #attributes: Map<string, unknown> | undefined;
  #principal: Principal | undefined;
  #socket: Socket;
  #context: SessionContext<WebSocketSession>;
  /** Made while the socket is backed up (see SendBacklog). */
  #backlog: SendBacklog | undefined;
  #flags = OPEN;
  /** Set when the session starts closing. */
  #closeCode: number | undefined;

  constructor(init: WebSocketSessionInit) {
    this.ws = init.ws;
    this.#socket = init.socket;
    this.#uri = init.uri;
    this.handshakeHeaders = init.headers;
    this.remoteAddress = init.remoteAddress;
    this.#attributes = init.attributes;
    this.#principal = init.principal;
    this.#context = init.context;

    (this.ws as SessionWebSocket<WebSocketSession>).session = this;
    this.ws.on('message', WebSocketSession.#messageListener);
    this.ws.on('close', WebSocketSession.#closeListener);
    this.ws.on('error', WebSocketSession.#errorListener);
  }

  // Shared by every session: `this` is the session's SessionWebSocket.
  static readonly #messageListener = function (
    this: WebSocket,
    data: WebSocket.RawData,
    isBinary: boolean,
  ): void {
    const session = (this as SessionWebSocket<WebSocketSession>).session;
    if (session !== undefined) session.#onMessage(data, isBinary);
  };

  static readonly #closeListener = function (this: WebSocket, code: number, reason: Buffer): void {
    const session = (this as SessionWebSocket<WebSocketSession>).session;
    if (session === undefined) return;
    session.#notifyClosed(code, reason.toString());
    session.#context.onSocketClosed?.(session);
  };

  static readonly #errorListener = function (this: WebSocket, error: Error): void {
    const session = (this as SessionWebSocket<WebSocketSession>).session;
    if (session === undefined) return;
    try {
      session.#context.handler.onError?.(session, error);
    } catch {
      // a handler's error hook must not take the process down
    }
  };

  get transport(): TransportKind {
    return 'websocket';
  }

  get uri(): URL {
    const uri = this.#uri;
    if (typeof uri !== 'string') return uri;
    return (this.#uri = requestUrl(uri, this.handshakeHeaders.host));
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get attributes(): Map<string, unknown> {
    return (this.#attributes ??= new Map());
  }

  get attributesIfAny(): Map<string, unknown> | undefined {
    return this.#attributes;
  }

  get principal(): Principal | undefined {
    return this.#principal;
  }

  set principal(principal: Principal | undefined) {
    this.#principal = nextPrincipal(this.#principal, principal);
  }

  get isOpen(): boolean {
    return (this.#flags & OPEN) !== 0;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength + (this.#backlog?.bytes ?? 0);
  }

  send(message: OutboundMessage): boolean {
    if ((this.#flags & OPEN) === 0) return false;
    const frame = message.webSocketFrame;
    if ((this.#backlog === undefined || this.#backlog.isEmpty) && !this.#socket.writableNeedDrain) {
      this.#write(frame);
      return true;
    }
    return this.#enqueue(message, frame.length);
  }

  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    if ((this.#flags & OPEN) === 0) return;
    this.#flags &= ~OPEN;
    this.#closeCode = code;
    if (code === CloseCodes.SESSION_NOT_RELIABLE) {
      this.#backlog?.clear();
      this.#terminate(code, reason);
      return;
    }
    const backlog = this.#backlog;
    if (backlog === undefined || backlog.isEmpty) this.#closeNow(code, reason);
    // else: #flush closes once the queue has drained (bounded by the stall timer).
    else backlog.closeReason = reason;
  }

  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** Called once per tick for sessions that wrote during it. */
  uncork(): void {
    if ((this.#flags & CORKED) === 0) return;
    this.#flags &= ~CORKED;
    this.#socket.uncork();
  }

  #write(frame: Buffer): void {
    if ((this.#flags & CORKED) === 0) {
      this.#flags |= CORKED;
      this.#socket.cork();
      if (corked.length === 0) process.nextTick(uncorkAll);
      corked.push(this);
    }
    this.#socket.write(frame);
    this.#context.stats.messagesSent++;
    this.#context.stats.bytesSent += frame.length;
    if (this.#socket.writableNeedDrain) this.#startStallTimer();
  }

  #enqueue(message: OutboundMessage, size: number): boolean {
    const limit = this.#context.limits.sendBufferLimit;
    const backlog = (this.#backlog ??= new SendBacklog());
    if (this.#socket.writableLength + backlog.bytes + size > limit) {
      if (this.#context.limits.overflow === 'terminate') {
        this.#limitExceeded(`send buffer over sendBufferLimit (${limit} bytes)`);
        return false;
      }
      while (!backlog.isEmpty && this.#socket.writableLength + backlog.bytes + size > limit) {
        backlog.shift();
        this.#context.stats.dropped++;
      }
      if (this.#socket.writableLength + backlog.bytes + size > limit) {
        this.#context.stats.dropped++;
        this.#warnDrop(limit);
        return false;
      }
      this.#warnDrop(limit);
    }
    backlog.push(message);
    this.#startStallTimer();
    return true;
  }

  #warnDrop(limit: number): void {
    logIncident(
      this.#context.logger,
      'warn',
      'sendBufferOverflow',
      this.id,
      'Slow consumer: dropped oldest messages (overflow drop-oldest)',
      { sessionId: this.id, sendBufferLimit: limit, dropped: this.#context.stats.dropped },
    );
  }

  #flush(): void {
    const backlog = this.#backlog;
    if (backlog === undefined) return;
    while (!backlog.isEmpty && !this.#socket.writableNeedDrain) this.#write(backlog.shift()!.webSocketFrame);
    if (!this.#socket.writableNeedDrain) this.#clearStallTimer();
    if (!backlog.isEmpty) return;
    // Queue empty: once the socket has drained too, the session holds no backlog until it backs up again.
    if (backlog.stallTimer === undefined) this.#backlog = undefined;
    // A close that waited for the queue starts now (its frame goes behind what the kernel still holds).
    if ((this.#flags & (OPEN | CLOSE_SENT | CLOSE_NOTIFIED)) === 0 && this.#closeCode !== undefined) {
      this.#closeNow(this.#closeCode, backlog.closeReason);
    }
  }

  #startStallTimer(): void {
    const backlog = (this.#backlog ??= new SendBacklog());
    if (backlog.stallTimer !== undefined) return;
    // 'drain' matters only while the stall timer runs: listened for from now until it stops.
    this.#socket.on('drain', (backlog.drained ??= () => this.#flush()));
    backlog.stallTimer = setTimeout(() => {
      backlog.stallTimer = undefined;
      this.#socket.off('drain', backlog.drained!);
      if (this.#socket.writableNeedDrain || !backlog.isEmpty) {
        this.#limitExceeded(
          `socket did not drain within sendTimeLimit (${this.#context.limits.sendTimeLimit} ms)`,
        );
      } else if (this.#backlog === backlog) {
        this.#backlog = undefined;
      }
    }, this.#context.limits.sendTimeLimit);
    backlog.stallTimer.unref();
  }

  #clearStallTimer(): void {
    const backlog = this.#backlog;
    if (backlog?.stallTimer === undefined) return;
    clearTimeout(backlog.stallTimer);
    backlog.stallTimer = undefined;
    this.#socket.off('drain', backlog.drained!);
  }

  #limitExceeded(detail: string): void {
    this.#context.stats.limitExceeded++;
    logIncident(
      this.#context.logger,
      'warn',
      'slowConsumerClosed',
      this.id,
      'Slow consumer: closing session (4500)',
      { sessionId: this.id, reason: detail },
    );
    this.#flags &= ~OPEN;
    this.#closeCode = CloseCodes.SESSION_NOT_RELIABLE;
    this.#backlog?.clear();
    this.#terminate(
      CloseCodes.SESSION_NOT_RELIABLE,
      `Failed to send message within the configured send limit: ${detail}`,
    );
  }

  /** Close without waiting for the client: it is not reading anyway. */
  #terminate(code: number, reason: string): void {
    this.#clearStallTimer();
    try {
      this.ws.close(code, closeReason(reason));
    } catch {
      // already closing
    }
    this.#notifyClosed(code, reason);
    setImmediate(() => this.ws.terminate());
  }

  /** The close handshake; `ws` destroys the socket if the client has not answered within its closeTimeout. */
  #closeNow(code: number, reason: string): void {
    this.#flags |= CLOSE_SENT;
    this.uncork();
    try {
      this.ws.close(code, closeReason(reason));
    } catch {
      this.ws.terminate();
    }
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    try {
      this.#context.handler.onMessage?.(this, buffer, isBinary);
    } catch (error) {
      logIncident(this.#context.logger, 'error', 'handlerFailed', this.id, 'WebSocket handler failed', {
        sessionId: this.id,
        error,
      });
      try {
        this.#context.handler.onError?.(this, error as Error);
      } catch {
        // ignore
      }
      this.close(CloseCodes.SERVER_ERROR, 'Internal error');
    }
  }

  #notifyClosed(code: number, reason: string): void {
    if ((this.#flags & CLOSE_NOTIFIED) !== 0) return;
    this.#flags = (this.#flags | CLOSE_NOTIFIED) & ~OPEN;
    this.#clearStallTimer();
    this.#backlog = undefined;
    const reported =
      this.#closeCode === CloseCodes.SESSION_NOT_RELIABLE ? CloseCodes.SESSION_NOT_RELIABLE : code;
    this.#context.onClosed(this);
    try {
      this.#context.handler.onClose?.(this, reported, reason);
    } catch (error) {
      logIncident(
        this.#context.logger,
        'error',
        'handlerFailed',
        this.id,
        'WebSocket handler onClose failed',
        {
          sessionId: this.id,
          error,
        },
      );
    }
  }
}
