import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { ConnectionGate } from '../security/connection-gate.js';
import type { WebSocketHandler } from '../websocket/handler.js';
import type { HandshakeInterceptor, OriginOptions } from '../websocket/handshake.js';

/** SockJS options (Spring's `SockJsServiceRegistration`, sockjs-node's server options). */
export interface SockJsOptions {
  /** Idle time before an `h` frame, ms. Default 25000. */
  heartbeatDelay?: number;
  /** Time a session may have no receiving request before it is closed, ms. Default 5000. */
  disconnectDelay?: number;
  /** Bytes one streaming response may carry before it is ended and reopened. Default 128 KiB. */
  streamBytesLimit?: number;
  /** Messages held between two HTTP requests. Default 100. */
  httpMessageCacheSize?: number;
  /** Largest xhr_send/jsonp_send body, bytes. Default: limits.maxWebSocketMessageSize. */
  maxRequestBodySize?: number;
  /** Report `cookie_needed` and set a JSESSIONID cookie (for sticky load balancers). Default false. */
  cookieNeeded?: boolean;
  /** Offer the WebSocket transport. Default true. */
  websocket?: boolean;
  /** Transports to switch off, e.g. ['jsonp', 'htmlfile']. */
  disabledTransports?: readonly TransportName[];
  /** URL of the SockJS client the iframe page loads. Default: a copy served here (`<prefix>/sockjs.min.js`). */
  clientLibraryUrl?: string;
  /** Concurrent SockJS sessions of this prefix; past it a new session gets 503. Default 10000. */
  maxSessions?: number;
  /**
   * Later requests of an HTTP session must come from the client address that opened it, or get
   * 404, so a leaked session id cannot be used from elsewhere (Spring's hijack guard). Default true.
   */
  sessionAddressCheck?: boolean;
}

/** A SockJS transport, as named in URLs (`xhr_streaming`, ...), for `disabledTransports`. */
export type TransportName =
  'xhr' | 'xhr_streaming' | 'eventsource' | 'htmlfile' | 'jsonp' | 'websocket' | 'xhr_send' | 'jsonp_send';

export interface SockJsServiceOptions extends SockJsOptions, OriginOptions {
  /** URL prefix, e.g. '/stomp'. */
  prefix: string;
  handler: WebSocketHandler;
  /** Run on the first request of each session (as on a WebSocket handshake). */
  handshakeInterceptors?: readonly HandshakeInterceptor[] | undefined;
  limits?: Partial<Limits> | Limits;
  /** Caps on concurrent connections (shared with the WebSocket endpoint), and whether to trust X-Forwarded-For. */
  gate?: ConnectionGate | undefined;
  logger?: Logger;
}
