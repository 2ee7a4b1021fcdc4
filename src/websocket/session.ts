import { randomUUID } from 'node:crypto';
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

/** Marks a session's message queue as empty without an array per idle session. */
const NO_QUEUE: OutboundMessage[] = [];

/** How long a close handshake may take before the socket is destroyed, ms. */
const CLOSE_TIMEOUT = 2000;

// Sockets corked in this tick, uncorked together once the tick's work is done: one syscall
// per socket per tick instead of one per message.
let corked: WebSocketSession[] = [];
function uncorkAll(): void {
  const batch = corked;
  corked = [];
  for (const session of batch) session.uncork();
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
  readonly id = randomUUID();
  readonly handshakeHeaders: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  readonly ws: WebSocket;
  #uri: URL | string;
  #attributes: Map<string, unknown> | undefined;
  #principal: Principal | undefined;
  #socket: Socket;
  #context: SessionContext<WebSocketSession>;
  #queue: OutboundMessage[] = NO_QUEUE;
  #queueHead = 0;
  #queuedBytes = 0;
  #corked = false;
  #open = true;
  #closeNotified = false;
  #closeCode: number | undefined;
  #closeReason = '';
  #stallTimer: NodeJS.Timeout | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  /** Listens for 'drain' while the socket is backed up (made on first need). */
  #drained: (() => void) | undefined;

  constructor(init: WebSocketSessionInit) {
    this.ws = init.ws;
    this.#socket = init.socket;
    this.#uri = init.uri;
    this.handshakeHeaders = init.headers;
    this.remoteAddress = init.remoteAddress;
    this.#attributes = init.attributes;
    this.#principal = init.principal;
    this.#context = init.context;

    this.ws.binaryType = 'nodebuffer';
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

  get principal(): Principal | undefined {
    return this.#principal;
  }

  set principal(principal: Principal | undefined) {
    this.#principal = nextPrincipal(this.#principal, principal);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength + this.#queuedBytes;
  }

  send(message: OutboundMessage): boolean {
    if (!this.#open) return false;
    const frame = message.webSocketFrame;
    if (this.#queueHead === this.#queue.length && !this.#socket.writableNeedDrain) {
      this.#write(frame);
      return true;
    }
    return this.#enqueue(message, frame.length);
  }

  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    if (!this.#open) return;
    this.#open = false;
    this.#closeCode = code;
    this.#closeReason = reason;
    if (code === CloseCodes.SESSION_NOT_RELIABLE) {
      this.#dropQueue();
      this.#terminate(code, reason);
      return;
    }
    if (this.#queueHead === this.#queue.length) this.#closeNow(code, reason);
    // else: #flush closes once the queue has drained (bounded by the stall timer).
  }

  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** Called once per tick for sessions that wrote during it. */
  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

  #write(frame: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
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
    if (this.#socket.writableLength + this.#queuedBytes + size > limit) {
      if (this.#context.limits.overflow === 'terminate') {
        this.#limitExceeded(`send buffer over sendBufferLimit (${limit} bytes)`);
        return false;
      }
      while (
        this.#queueHead < this.#queue.length &&
        this.#socket.writableLength + this.#queuedBytes + size > limit
      ) {
        const dropped = this.#queue[this.#queueHead]!;
        this.#queue[this.#queueHead++] = undefined as unknown as OutboundMessage;
        this.#queuedBytes -= dropped.webSocketFrame.length;
        this.#context.stats.dropped++;
      }
      if (this.#socket.writableLength + this.#queuedBytes + size > limit) {
        this.#context.stats.dropped++;
        this.#warnDrop(limit);
        return false;
      }
      this.#warnDrop(limit);
    }
    if (this.#queue === NO_QUEUE) this.#queue = [];
    this.#queue.push(message);
    this.#queuedBytes += size;
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
      {
        sessionId: this.id,
        sendBufferLimit: limit,
        dropped: this.#context.stats.dropped,
      },
    );
  }

  #flush(): void {
    while (this.#queueHead < this.#queue.length && !this.#socket.writableNeedDrain) {
      const message = this.#queue[this.#queueHead]!;
      this.#queue[this.#queueHead++] = undefined as unknown as OutboundMessage;
      const frame = message.webSocketFrame;
      this.#queuedBytes -= frame.length;
      this.#write(frame);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue = NO_QUEUE;
      this.#queueHead = 0;
    }
    if (!this.#socket.writableNeedDrain) this.#clearStallTimer();
    if (
      !this.#open &&
      this.#closeCode !== undefined &&
      this.#queueHead === this.#queue.length &&
      this.#closeTimer === undefined
    ) {
      this.#closeNow(this.#closeCode, this.#closeReason);
    }
  }

  #startStallTimer(): void {
    if (this.#stallTimer !== undefined) return;
    // 'drain' matters only while the stall timer runs: listened for from now until it stops.
    this.#socket.on('drain', (this.#drained ??= () => this.#flush()));
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      this.#socket.off('drain', this.#drained!);
      if (this.#socket.writableNeedDrain || this.#queueHead < this.#queue.length) {
        this.#limitExceeded(
          `socket did not drain within sendTimeLimit (${this.#context.limits.sendTimeLimit} ms)`,
        );
      }
    }, this.#context.limits.sendTimeLimit);
    this.#stallTimer.unref();
  }

  #clearStallTimer(): void {
    if (this.#stallTimer === undefined) return;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    this.#socket.off('drain', this.#drained!);
  }

  #limitExceeded(detail: string): void {
    this.#context.stats.limitExceeded++;
    logIncident(
      this.#context.logger,
      'warn',
      'slowConsumerClosed',
      this.id,
      'Slow consumer: closing session (4500)',
      {
        sessionId: this.id,
        reason: detail,
      },
    );
    this.#open = false;
    this.#closeCode = CloseCodes.SESSION_NOT_RELIABLE;
    this.#dropQueue();
    this.#terminate(
      CloseCodes.SESSION_NOT_RELIABLE,
      `Failed to send message within the configured send limit: ${detail}`,
    );
  }

  #dropQueue(): void {
    this.#queue = NO_QUEUE;
    this.#queueHead = 0;
    this.#queuedBytes = 0;
  }

  /** Close without waiting for the client: it is not reading anyway. */
  #terminate(code: number, reason: string): void {
    this.#clearStallTimer();
    try {
      this.ws.close(code, truncate(reason));
    } catch {
      // already closing
    }
    this.#notifyClosed(code, reason);
    setImmediate(() => this.ws.terminate());
  }

  #closeNow(code: number, reason: string): void {
    this.uncork();
    try {
      this.ws.close(code, truncate(reason));
    } catch {
      this.ws.terminate();
    }
    this.#closeTimer = setTimeout(() => this.ws.terminate(), CLOSE_TIMEOUT);
    this.#closeTimer.unref();
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
    if (this.#closeNotified) return;
    this.#closeNotified = true;
    this.#open = false;
    this.#clearStallTimer();
    if (this.#closeTimer) clearTimeout(this.#closeTimer);
    this.#dropQueue();
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

function truncate(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}...`;
}
