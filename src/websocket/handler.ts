import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../messaging/message.js';
import type { OutboundMessage } from './outbound-message.js';

/** How a session reaches its client: plain WebSocket, or one of the SockJS transports. */
export type TransportKind =
  | 'websocket'
  | 'sockjs-websocket'
  | 'xhr'
  | 'xhr_streaming'
  | 'eventsource'
  | 'htmlfile'
  | 'jsonp'
  /** The in-memory test client (`switchboard/testing`). */
  | 'in-memory';

/**
 * One client connection, whatever carries it (a WebSocket, later a SockJS transport).
 * Every outbound byte goes through `send`, which applies the session's send limits.
 */
export interface Session {
  /** Unique id, stable for the session's life. */
  readonly id: string;
  readonly transport: TransportKind;
  /** The URL the client connected to (path and query). */
  readonly uri: URL;
  /** Headers of the HTTP handshake request. */
  readonly handshakeHeaders: IncomingHttpHeaders;
  /** Remote address of the client (or the proxy in front of it). */
  readonly remoteAddress: string | undefined;
  /** The sub-protocol accepted at the handshake, '' when none. */
  readonly protocol: string;
  /** Attributes seeded by handshake interceptors; handlers may add their own. */
  readonly attributes: Map<string, unknown>;
  /**
   * The attributes map if it exists yet, without making one (a session may make it on first
   * use of `attributes`). Optional: when absent, `attributes` is read.
   */
  readonly attributesIfAny?: Map<string, unknown> | undefined;
  /** The authenticated user, set at the handshake or at CONNECT; fixed once set (a refresh may replace it with the same user). */
  principal: Principal | undefined;
  /** True until the session starts closing. */
  readonly isOpen: boolean;
  /** Bytes queued for this client and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /**
   * Sends a message. Returns false if the session is closed or the message was dropped
   * by the overflow policy; true when it was written or queued.
   */
  send(message: OutboundMessage): boolean;
  /** Starts a close handshake; queued messages are flushed first unless `code` is 4500. Idempotent. */
  close(code?: number, reason?: string): void;
  /** Stops transport-level heart-beats (SockJS `h`) once STOMP heart-beats are negotiated. */
  disableTransportHeartbeat?(): void;
  /** Stops reading from the client (inbound backpressure) until `resumeReading`. */
  pauseReading?(): void;
  /** Resumes reading after `pauseReading`. */
  resumeReading?(): void;
}

/**
 * The raw handler seam (Spring's `WebSocketHandler`, Hono's `WSEvents`): the STOMP protocol
 * handler implements it, and so can applications that want plain WebSocket without STOMP.
 */
export interface WebSocketHandler {
  /** Sub-protocols this handler speaks, in order of preference; used for negotiation. */
  readonly subProtocols?: readonly string[];
  /** A session opened (after the handshake). */
  onOpen?(session: Session): void;
  /** A whole message from the client (text or binary). */
  onMessage?(session: Session, data: Buffer, isBinary: boolean): void;
  /** Called exactly once per session, after it has closed. */
  onClose?(session: Session, code: number, reason: string): void;
  /** A transport error; `onClose` follows. */
  onError?(session: Session, error: Error): void;
}

/** Close codes Switchboard uses (RFC 6455 and Spring's 4500). */
export const CloseCodes = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  SERVER_ERROR: 1011,
  SESSION_NOT_RELIABLE: 4500,
} as const;

/**
 * The session's user after an attempt to set it: fixed once set, except that a refresh may
 * replace it with the same user (a later `expiresAt`), never with another.
 */
export function nextPrincipal(
  current: Principal | undefined,
  next: Principal | undefined,
): Principal | undefined {
  return current === undefined || current.name === next?.name ? next : current;
}
