import type http from 'node:http';
import type https from 'node:https';
import type { BrokerRelayOptions } from '../broker/relay/broker-relay.js';
import type { SimpleBrokerOptions } from '../broker/simple-broker.js';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { LogThrottleOptions } from '../logging/log-throttle.js';
import type { ChannelInterceptor } from '../messaging/channel.js';
import type { MessageConverter } from '../messaging/converters.js';
import type { AuthorizationRule } from '../security/authorization.js';
import type { ConnectionLimits } from '../security/connection-gate.js';
import type { CsrfOptions } from '../security/csrf.js';
import type { HandshakeAuthenticator } from '../security/handshake-authenticator.js';
import type { SockJsOptions } from '../sockjs/service.js';
import type { UserRefresher } from '../stomp/session-expiry.js';
import type { HandshakeInterceptor } from '../websocket/handshake.js';
import type { ConnectAuthenticator } from './connect-authenticator.js';

/** Options of {@link createStompServer}. Every field is optional. */
export interface StompServerOptions {
  /** An HTTP(S) server to attach to (sharing its port). Default: the STOMP server creates its own. */
  server?: http.Server | https.Server;
  /**
   * TLS options (`cert`, `key`, ...) for the server the STOMP server creates: it then serves
   * `https://` and `wss://`. Ignored with `server`.
   */
  tls?: https.ServerOptions;
  /** WebSocket path(s) of the STOMP endpoint. Default '/stomp'. */
  path?: string | string[];
  /**
   * Also serve the endpoint over SockJS (`new SockJS('http://host/stomp')`), for clients behind
   * proxies that block WebSocket. `true` for the defaults, or SockJS options. Default off.
   */
  sockjs?: boolean | SockJsOptions;
  /** Exact origins allowed to connect (`'*'` for any). Default: same origin only. */
  allowedOrigins?: string[];
  /** Origin patterns allowed to connect (`https://*.example.com`, `http://localhost:[*]`). */
  allowedOriginPatterns?: string[];
  /** Run before each WebSocket handshake: may reject, set attributes or the user. */
  handshakeInterceptors?: HandshakeInterceptor[];
  /**
   * Authenticates the HTTP request that opens a session (WebSocket upgrade or a SockJS
   * session's first request; sees cookies, query, headers): return the user, `undefined` to stay
   * anonymous, or throw to refuse with 401 (403 when the error has `status: 403`).
   */
  authenticateHandshake?: HandshakeAuthenticator;
  /**
   * Authorization rules for CONNECT, SEND, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK by destination
   * pattern (`/topic/room.{id}`; the predicate sees `params.id` and the user), first match
   * decides. Once set, a SEND or SUBSCRIBE no rule matches is denied (ERROR, then close).
   */
  authorization?: readonly AuthorizationRule[];
  /**
   * Require a CSRF token on CONNECT (the double-submit cookie: the CONNECT header must repeat
   * the cookie's value), for when cookies authenticate. `true` for 'XSRF-TOKEN' / 'X-XSRF-TOKEN'.
   * Default off.
   */
  csrf?: boolean | CsrfOptions;
  /**
   * Called when a session's user reaches its `expiresAt`: return the same user with a later
   * expiry to keep the session; otherwise it gets ERROR `ERR_AUTH_EXPIRED` and is closed.
   */
  refreshUser?: UserRefresher;
  /**
   * Caps on concurrent connections (WebSocket and SockJS sessions): `maxConnections` (default
   * 10000; 503 past it) and `maxConnectionsPerAddress` (default 0 = off; 429 past it).
   */
  connectionLimits?: Omit<ConnectionLimits, 'trustProxy'>;
  /**
   * Behind a reverse proxy you trust: take the client address from `X-Forwarded-For` (for the
   * per-address cap, logs and `session.remoteAddress`). Default false.
   */
  trustProxy?: boolean;
  /** Prefix of user destinations (`/user/queue/x`, `/user/{name}/queue/x`). Default '/user/'. */
  userDestinationPrefix?: string;
  /** Prefixes of application destinations handled by `map()` handlers. Default ['/app']. */
  applicationPrefixes?: string[];
  /**
   * The broker: options of the embedded simple broker (prefixes default ['/topic', '/queue']),
   * or `{ relay: { host, port, ... } }` to relay broker destinations to RabbitMQ or another
   * STOMP broker (see {@link RelayConfig}).
   */
  broker?: Omit<SimpleBrokerOptions, 'outbound' | 'logger'> & { relay?: RelayConfig };
  /** Heart-beat the server offers `[send, receive]` ms. Default [10000, 10000]; [0, 0] turns it off. */
  heartbeat?: readonly [number, number];
  /** Separator of destination patterns: '/' (default) or '.'. */
  pathSeparator?: '/' | '.';
  /** Limits: frame size, headers, send buffer and time, timeouts. See {@link Limits}. */
  limits?: Partial<Limits>;
  /**
   * Authenticates CONNECT frames (`login`/`passcode` or any header such as `Authorization`):
   * return the user, `undefined` to keep the handshake user, or throw to answer ERROR and close.
   */
  authenticate?: ConnectAuthenticator;
  /** Interceptors of the client inbound channel (frames from clients). */
  inboundInterceptors?: ChannelInterceptor[];
  /** Interceptors of the client outbound channel (messages to clients). */
  outboundInterceptors?: ChannelInterceptor[];
  /** Interceptors of the broker channel (messages the application publishes). */
  brokerInterceptors?: ChannelInterceptor[];
  /** Converts handler payloads and return values. Default: JSON, text and bytes by content-type. */
  converter?: MessageConverter;
  /** Answers plain HTTP requests on a server the STOMP server creates itself. Default: 404. */
  requestListener?: http.RequestListener;
  /** Where logs go. Default: nothing is logged. */
  logger?: Logger;
  /**
   * How conditions a client can repeat at will (refusals, protocol errors, limits, drops) are
   * logged: the first time per (cause, session or address), then one summary line per
   * `interval` ms (default 60000), tracking at most `maxKeys` pairs (default 100; past it they
   * fold into one line per cause). Client-chosen strings in lines are cut to `maxValueLength`
   * characters (default 100). Counts by cause are in `stats().incidents`.
   */
  logThrottle?: LogThrottleOptions;
  /**
   * How often a one-line stats summary is logged at INFO, ms (the first after a minute).
   * Default 30 minutes, as Spring; 0 turns it off.
   */
  statsLoggingPeriod?: number;
}

/** The relay's options, plus how instances sharing the broker share user destinations. */
export interface RelayConfig extends BrokerRelayOptions {
  /**
   * Topic on which user messages are shared with the other instances (Spring's
   * `userDestinationBroadcast`). Default '/topic/switchboard.user-destination'; false: off.
   */
  userDestinationBroadcast?: string | false;
  /**
   * Topic on which each instance broadcasts its user registry (Spring's
   * `userRegistryBroadcast`). Default '/topic/switchboard.user-registry'; false: off.
   */
  userRegistryBroadcast?: string | false;
  /** Interval of the registry broadcast, ms; entries expire after three. Default 10000. */
  userRegistryInterval?: number;
}
