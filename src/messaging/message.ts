import type { StompHeaders } from '../stomp/frame.js';
import { createHeaders } from '../stomp/frame.js';

/**
 * What a message means inside Switchboard, independent of the wire protocol
 * (Spring's `SimpMessageType`, plus the STOMP commands the broker acts on).
 */
export type MessageType =
  | 'CONNECT'
  | 'CONNECT_ACK'
  | 'MESSAGE'
  | 'SUBSCRIBE'
  | 'UNSUBSCRIBE'
  | 'ACK'
  | 'NACK'
  | 'BEGIN'
  | 'COMMIT'
  | 'ABORT'
  | 'HEARTBEAT'
  | 'DISCONNECT'
  | 'DISCONNECT_ACK'
  | 'RECEIPT'
  | 'ERROR';

/** An authenticated identity. `expiresAt` (epoch ms), when set, bounds the session's life. */
export interface Principal {
  readonly name: string;
  readonly expiresAt?: number;
  readonly [claim: string]: unknown;
}

/**
 * Typed headers of a {@link Message}. `nativeHeaders` are the STOMP headers as they
 * travel on the wire; the other fields are what Spring keeps as `simp*` headers.
 */
export interface MessageHeaders {
  readonly type: MessageType;
  /** The client session the message came from, or is addressed to. */
  readonly sessionId?: string | undefined;
  /** The session's user, when one is authenticated. */
  readonly user?: Principal | undefined;
  /** Destination of SEND / SUBSCRIBE / MESSAGE. */
  readonly destination?: string | undefined;
  /** Subscription id of SUBSCRIBE / UNSUBSCRIBE / MESSAGE. */
  readonly subscriptionId?: string | undefined;
  /** Attributes of the session (set by handshake interceptors and handlers). */
  readonly sessionAttributes?: Map<string, unknown> | undefined;
  /** Negotiated or requested heart-beat `[send, receive]` ms, on CONNECT and CONNECT_ACK. */
  readonly heartbeat?: readonly [number, number] | undefined;
  /** The user-facing destination a translated user destination came from (`/user/queue/x`). */
  readonly originalDestination?: string | undefined;
  /** STOMP headers as on the wire (null-prototype map). */
  readonly nativeHeaders: StompHeaders;
  /**
   * Shared by every delivery of one published message: the outbound encoder caches the
   * encoded frame here, keyed by the `nativeHeaders` object, so fan-out encodes once per
   * distinct frame, not once per subscriber. Deliveries with identical headers should
   * therefore share one `nativeHeaders` object.
   */
  readonly deliveryCache?: Map<unknown, unknown> | undefined;
  /**
   * `performance.now()` when the broker took the message (the relay: when it came from the
   * broker), on MESSAGE deliveries; the delivery-latency metric measures from here.
   */
  readonly publishedAt?: number | undefined;
}

/** A message: typed headers plus a payload (raw bytes for STOMP traffic). */
export interface Message<P = Buffer> {
  readonly headers: MessageHeaders;
  readonly payload: P;
}

const EMPTY_PAYLOAD = Buffer.alloc(0);

/** Creates a message; `nativeHeaders` defaults to an empty map and `payload` to empty bytes. */
export function createMessage(
  headers: Omit<MessageHeaders, 'nativeHeaders'> & { nativeHeaders?: StompHeaders },
  payload?: Buffer,
): Message {
  // Object.assign, not `{ ...headers, nativeHeaders }`: V8 (11.x) gives an object made by a
  // spread a slow path for every property added after it (~0.8 µs each).
  const all = Object.assign({}, headers) as MessageHeaders & { nativeHeaders: StompHeaders | undefined };
  if (all.nativeHeaders === undefined) all.nativeHeaders = createHeaders();
  return { headers: all, payload: payload ?? EMPTY_PAYLOAD };
}

/** Returns a copy of `message` with some headers replaced (messages are treated as immutable). */
export function withHeaders<P>(message: Message<P>, changes: Partial<MessageHeaders>): Message<P> {
  // Object.assign for the same reason as in createMessage.
  return { headers: Object.assign({}, message.headers, changes), payload: message.payload };
}
