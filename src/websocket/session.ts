import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Principal } from '../messaging/message.js';
import type { Session, TransportKind, WebSocketHandler } from './handler.js';
import { CloseCodes, nextPrincipal } from './handler.js';
import type { OutboundMessage } from './outbound-message.js';
import type { SessionStats } from './session-stats.js';

export interface WebSocketSessionInit {
  ws: WebSocket;
  socket: Socket;
  handler: WebSocketHandler;
  uri: URL;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  attributes: Map<string, unknown>;
  principal: Principal | undefined;
  limits: Pick<Limits, 'sendBufferLimit' | 'sendTimeLimit' | 'overflow'>;
  stats: SessionStats;
  logger: Logger;
  onClosed: (session: WebSocketSession) => void;
}

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
  readonly transport: TransportKind = 'websocket';
  readonly uri: URL;
  readonly handshakeHeaders: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  readonly protocol: string;
  readonly attributes: Map<string, unknown>;
  readonly ws: WebSocket;
  #principal: Principal | undefined;
  #socket: Socket;
  #handler: WebSocketHandler;
  #limits: WebSocketSessionInit['limits'];
  #stats: SessionStats;
  #logger: Logger;
  #onClosed: (session: WebSocketSession) => void;
  #queue: OutboundMessage[] = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #corked = false;
  #open = true;
  #closeNotified = false;
  #closeCode: number | undefined;
  #closeReason = '';
  #stallTimer: NodeJS.Timeout | undefined;
  #closeTimer: NodeJS.Timeout | undefined;

  constructor(init: WebSocketSessionInit) {
    this.ws = init.ws;
    this.#socket = init.socket;
    this.#handler = init.handler;
    this.uri = init.uri;
    this.handshakeHeaders = init.headers;
    this.remoteAddress = init.remoteAddress;
    this.protocol = init.ws.protocol;
    this.attributes = init.attributes;
    this.#principal = init.principal;
    this.#limits = init.limits;
    this.#stats = init.stats;
    this.#logger = init.logger;
    this.#onClosed = init.onClosed;

    this.ws.binaryType = 'nodebuffer';
    this.ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    this.ws.on('close', (code, reason) => this.#notifyClosed(code, reason.toString()));
    this.ws.on('error', (error) => {
      try {
        this.#handler.onError?.(this, error);
      } catch {
        // a handler's error hook must not take the process down
      }
    });
    this.#socket.on('drain', () => this.#flush());
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
    this.#stats.messagesSent++;
    this.#stats.bytesSent += frame.length;
    if (this.#socket.writableNeedDrain) this.#startStallTimer();
  }

  #enqueue(message: OutboundMessage, size: number): boolean {
    const limit = this.#limits.sendBufferLimit;
    if (this.#socket.writableLength + this.#queuedBytes + size > limit) {
      if (this.#limits.overflow === 'terminate') {
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
        this.#stats.dropped++;
      }
      if (this.#socket.writableLength + this.#queuedBytes + size > limit) {
        this.#stats.dropped++;
        this.#warnDrop(limit);
        return false;
      }
      this.#warnDrop(limit);
    }
    this.#queue.push(message);
    this.#queuedBytes += size;
    this.#startStallTimer();
    return true;
  }

  #warnDrop(limit: number): void {
    logIncident(
      this.#logger,
      'warn',
      'sendBufferOverflow',
      this.id,
      'Slow consumer: dropped oldest messages (overflow drop-oldest)',
      {
        sessionId: this.id,
        sendBufferLimit: limit,
        dropped: this.#stats.dropped,
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
      this.#queue = [];
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
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      if (this.#socket.writableNeedDrain || this.#queueHead < this.#queue.length) {
        this.#limitExceeded(`socket did not drain within sendTimeLimit (${this.#limits.sendTimeLimit} ms)`);
      }
    }, this.#limits.sendTimeLimit);
    this.#stallTimer.unref();
  }

  #clearStallTimer(): void {
    if (this.#stallTimer === undefined) return;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
  }

  #limitExceeded(detail: string): void {
    this.#stats.limitExceeded++;
    logIncident(
      this.#logger,
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
    this.#queue = [];
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
      this.#handler.onMessage?.(this, buffer, isBinary);
    } catch (error) {
      logIncident(this.#logger, 'error', 'handlerFailed', this.id, 'WebSocket handler failed', {
        sessionId: this.id,
        error,
      });
      try {
        this.#handler.onError?.(this, error as Error);
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
    this.#onClosed(this);
    try {
      this.#handler.onClose?.(this, reported, reason);
    } catch (error) {
      logIncident(this.#logger, 'error', 'handlerFailed', this.id, 'WebSocket handler onClose failed', {
        sessionId: this.id,
        error,
      });
    }
  }
}

function truncate(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}...`;
}
