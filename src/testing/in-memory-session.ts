import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../messaging/message.js';
import type { Session, WebSocketHandler } from '../websocket/handler.js';
import { CloseCodes, nextPrincipal } from '../websocket/handler.js';
import type { OutboundMessage } from '../websocket/outbound-message.js';
import { newSessionId } from '../websocket/session-id.js';

/** What an {@link InMemorySession} starts with. */
export interface InMemorySessionOptions {
  /** The user, as a handshake authenticator would set it. */
  user?: Principal;
  /** Session attributes, as handshake interceptors would seed them. */
  attributes?: Map<string, unknown>;
  /** The URL the "client" connected to. Default `ws://localhost/stomp`. */
  uri?: string;
  headers?: IncomingHttpHeaders;
}

/**
 * A {@link Session} with no socket: what the server sends goes to `onSend`, what the client
 * sends goes straight to the handler. Closing is reported to the handler on the next microtask,
 * as a real transport reports it after the close completes.
 */
export class InMemorySession implements Session {
  readonly id = newSessionId();
  readonly transport = 'in-memory' as const;
  readonly uri: URL;
  readonly handshakeHeaders: IncomingHttpHeaders;
  readonly remoteAddress = 'in-memory';
  readonly protocol = 'v12.stomp';
  readonly attributes: Map<string, unknown>;
  readonly bufferedAmount = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  #principal: Principal | undefined;
  #open = true;
  readonly #handler: WebSocketHandler;
  readonly #onSend: (message: OutboundMessage) => void;
  #resolveClosed!: (value: { code: number; reason: string }) => void;

  constructor(
    handler: WebSocketHandler,
    onSend: (message: OutboundMessage) => void,
    options: InMemorySessionOptions = {},
  ) {
    this.#handler = handler;
    this.#onSend = onSend;
    this.#principal = options.user;
    this.attributes = options.attributes ?? new Map<string, unknown>();
    this.uri = new URL(options.uri ?? 'ws://localhost/stomp');
    this.handshakeHeaders = options.headers ?? {};
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    handler.onOpen?.(this);
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

  send(message: OutboundMessage): boolean {
    if (!this.#open) return false;
    this.#onSend(message);
    return true;
  }

  /** The client side: bytes to the server, as one WebSocket message. */
  receive(data: Buffer | string): void {
    if (!this.#open) return;
    this.#handler.onMessage?.(this, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, false);
  }

  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    if (!this.#open) return;
    this.#open = false;
    queueMicrotask(() => {
      this.#handler.onClose?.(this, code, reason);
      this.#resolveClosed({ code, reason });
    });
  }
}
