import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { BrokerRelayOptions } from '../broker/relay/broker-relay.js';
import { StompBrokerRelay } from '../broker/relay/broker-relay.js';
import type { SimpleBrokerOptions } from '../broker/simple-broker.js';
import { SimpleBroker } from '../broker/simple-broker.js';
import { AnnotationHandler } from '../handlers/annotation-handler.js';
import type { MessageConverter } from '../messaging/converters.js';
import { defaultConverter } from '../messaging/converters.js';
import { HandlerRegistry } from '../handlers/handler-registry.js';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { LogThrottleOptions } from '../logging/log-throttle.js';
import { LogThrottle } from '../logging/log-throttle.js';
import type { ChannelInterceptor } from '../messaging/channel.js';
import { DirectChannel } from '../messaging/channel.js';
import { SessionOrderedChannel } from '../messaging/session-ordered-channel.js';
import { MessagingTemplate } from '../messaging/template.js';
import { StompProtocolHandler } from '../stomp/protocol-handler.js';
import type { Session } from '../websocket/handler.js';
import type { HandshakeInterceptor } from '../websocket/handshake.js';
import type { ConnectAuthenticator } from './connect-authenticator.js';
import { connectAuthenticatorInterceptor } from './connect-authenticator.js';
import { InboundRouter } from './inbound-router.js';
import { attachWebSocketHandlers } from './websocket-handler-server.js';
import type { SockJsOptions } from '../sockjs/service.js';
import type { SessionEventListener, SessionEventMap } from './session-events.js';
import { SessionEvents } from './session-events.js';
import { UserDestinationResolver, UserRegistry } from '../messaging/user-destinations.js';
import { UserCluster } from './user-cluster.js';
import type { AuthorizationRule } from '../security/authorization.js';
import { authorizationInterceptor } from '../security/authorization.js';
import type { ConnectionLimits } from '../security/connection-gate.js';
import type { CsrfOptions } from '../security/csrf.js';
import { csrfProtection } from '../security/csrf.js';
import type { HandshakeAuthenticator } from '../security/handshake-authenticator.js';
import { handshakeAuthenticatorInterceptor } from '../security/handshake-authenticator.js';
import type { UserRefresher } from '../stomp/session-expiry.js';
import { copyProtocolStats } from '../stomp/protocol-stats.js';
import type { StompServerStats } from './server-stats.js';
import { logStatsPeriodically } from './server-stats.js';
import { droppedMessages } from './dropped-messages.js';
import type { StompSessionInfo } from '../stomp/protocol-handler.js';

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

/** A running (or ready to listen) STOMP server. */
export interface StompServer {
  /** Registers an application handler: `map('/echo', ctx => ctx.payload)`. */
  readonly handlers: HandlerRegistry;
  /** Publishes to broker destinations from anywhere in the application. */
  readonly template: MessagingTemplate;
  readonly channels: {
    readonly clientInbound: DirectChannel;
    readonly clientOutbound: DirectChannel;
    readonly broker: DirectChannel;
  };
  /** The broker: the embedded {@link SimpleBroker} or a {@link StompBrokerRelay}. */
  readonly broker: SimpleBroker | StompBrokerRelay;
  /** Who is connected now: users, sessions, subscriptions. */
  readonly users: UserRegistry;
  /** Adds a typed session-event listener; returns a function that removes it. */
  on<K extends keyof SessionEventMap>(event: K, listener: SessionEventListener<K>): () => void;
  readonly httpServer: http.Server | https.Server;
  /** Number of live STOMP sessions. */
  readonly sessionCount: number;
  /** The live transport sessions (read-only view). */
  readonly sessions: ReadonlySet<Session>;
  /** Counters: sessions by transport, closes by cause, frames and bytes, queues, broker. */
  readonly stats: () => StompServerStats;
  /** The live STOMP sessions: user, transport, subscriptions, queued bytes (for admin views). */
  describeSessions(): StompSessionInfo[];
  /** Subscriptions now, per destination as clients wrote it. */
  subscriptionsByDestination(): Map<string, number>;
  /**
   * The STOMP protocol handler as a raw {@link WebSocketHandler}: hand it sessions of another
   * transport (the in-memory test client does).
   */
  readonly handler: StompProtocolHandler;
  /** Starts listening (only needed when the server created its own HTTP server). */
  listen(port?: number, host?: string): Promise<{ port: number; host: string; url: string }>;
  /**
   * Graceful shutdown: stops accepting, tells each client (ERROR `ERR_SERVER_DRAINING`, then
   * close 1001) at a random moment within `spread` ms so they do not all reconnect at once,
   * lets what is queued flush, then closes. After `timeout` ms whatever is left is closed.
   * Defaults: spread 5000, timeout 30000.
   */
  drain(options?: { spread?: number; timeout?: number }): Promise<void>;
  /** Stops accepting, closes every session with 1001, stops the broker. */
  close(): Promise<void>;
}

/**
 * The composition root: three channels, the broker, the application handlers and the
 * WebSocket endpoint, wired explicitly (Spring's `@EnableWebSocketMessageBroker`).
 */
export function createStompServer(options: StompServerOptions = {}): StompServer {
  // Every module logs through the throttle: what a client can repeat is summarised, never flooded.
  const throttle = new LogThrottle(options.logger ?? silentLogger, options.logThrottle);
  const logger: Logger = throttle;
  const limits = resolveLimits(options.limits);
  const separator = options.pathSeparator ?? '/';
  const appPrefixes = normalizePrefixes(options.applicationPrefixes ?? ['/app']);

  const csrf = options.csrf ? csrfProtection(options.csrf === true ? {} : options.csrf) : undefined;
  // Security first: the CSRF check, then who the user is, then what they may do.
  const clientInbound = new DirectChannel('clientInbound', [
    ...(csrf ? [csrf.inbound] : []),
    ...(options.authenticate ? [connectAuthenticatorInterceptor(options.authenticate)] : []),
    ...(options.authorization
      ? [authorizationInterceptor(options.authorization, { separator, logger })]
      : []),
    ...(options.inboundInterceptors ?? []),
  ]);
  const handshakeInterceptors = [
    ...(csrf ? [csrf.handshake] : []),
    ...(options.authenticateHandshake
      ? [handshakeAuthenticatorInterceptor(options.authenticateHandshake, logger)]
      : []),
    ...(options.handshakeInterceptors ?? []),
  ];
  const clientOutbound = new DirectChannel('clientOutbound', options.outboundInterceptors);
  const brokerChannel = new DirectChannel('broker', options.brokerInterceptors);

  // Outbound interceptors may be async: keep each session's messages in order anyway.
  const orderedOutbound = new SessionOrderedChannel(clientOutbound);
  const { relay: relayConfig, ...simpleOptions } = options.broker ?? {};
  const broker =
    relayConfig === undefined
      ? new SimpleBroker({
          pathSeparator: separator,
          maxSubscriptionsPerSession: limits.maxSubscriptionsPerSession,
          pendingOverflow: limits.overflow,
          ...simpleOptions,
          outbound: orderedOutbound,
          logger,
        })
      : new StompBrokerRelay({ ...relayConfig, outbound: orderedOutbound, logger });
  const events = new SessionEvents(logger);
  broker.onAvailabilityChange((available, reason) =>
    events.emit('brokerAvailability', { available, reason }),
  );
  const userRegistry = new UserRegistry();
  // eslint-disable-next-line prefer-const -- the protocol handler is created after the resolver that asks it
  let protocol: StompProtocolHandler;
  const users = new UserDestinationResolver(userRegistry, options.userDestinationPrefix ?? '/user/', (id) =>
    protocol.hasSession(id),
  );
  const converter = options.converter ?? defaultConverter;
  let cluster: UserCluster | undefined;
  const template = new MessagingTemplate(
    brokerChannel,
    converter,
    users,
    () => cluster?.broadcasting ?? false,
  );
  const handlers = new HandlerRegistry({ separator });
  const app = new AnnotationHandler({
    registry: handlers,
    template,
    outbound: orderedOutbound,
    prefixes: appPrefixes,
    converter,
  });

  if (broker instanceof StompBrokerRelay) {
    cluster = new UserCluster({
      relay: broker,
      registry: userRegistry,
      deliverLocally: (message) => router.publishToUser(message, true),
      destinationTopic: relayConfig?.userDestinationBroadcast ?? '/topic/switchboard.user-destination',
      registryTopic: relayConfig?.userRegistryBroadcast ?? '/topic/switchboard.user-registry',
      registryInterval: relayConfig?.userRegistryInterval ?? 10_000,
      logger,
    });
    const changed = (): void => cluster?.registryChanged();
    for (const event of ['connect', 'subscribe', 'unsubscribe', 'disconnect'] as const)
      events.on(event, changed);
  }
  const router = new InboundRouter({
    broker,
    app,
    appPrefixes,
    users,
    registry: userRegistry,
    events,
    logger,
    cluster,
  });
  clientInbound.subscribe(router);
  brokerChannel.subscribe({
    handleMessage: (message) =>
      message.headers.destination !== undefined && users.matches(message.headers.destination)
        ? router.publishToUser(message)
        : broker.handleMessage(message),
  });

  protocol = new StompProtocolHandler({
    inbound: clientInbound,
    limits,
    heartbeat: options.heartbeat,
    logger,
    brokerHandlesReceipt: (message) => broker.features.receipts && router.reachesBroker(message),
    brokerHandlesTransactions: broker.features.transactions,
    refreshUser: options.refreshUser,
    onConnected: (session) => events.emit('connected', { sessionId: session.id, user: session.principal }),
  });
  clientOutbound.subscribe(protocol);

  const ownServer = options.server === undefined;
  const listener =
    options.requestListener ??
    ((_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
    });
  const httpServer =
    options.server ?? (options.tls ? https.createServer(options.tls, listener) : http.createServer(listener));
  const secure = httpServer instanceof https.Server;
  // The STOMP endpoint is a WebSocket handler like any other (and over SockJS when asked).
  const transport = attachWebSocketHandlers(
    httpServer,
    [
      {
        path: options.path ?? '/stomp',
        handler: protocol,
        sockjs: options.sockjs,
        allowedOrigins: options.allowedOrigins,
        allowedOriginPatterns: options.allowedOriginPatterns,
        handshakeInterceptors,
        limits,
        logger,
      },
    ],
    { connectionLimits: { ...options.connectionLimits, trustProxy: options.trustProxy } },
  );
  void broker.start();
  cluster?.start();

  const stats = (): StompServerStats => {
    const bySubscription = protocol.subscriptionsByDestination();
    let count = 0;
    for (const n of bySubscription.values()) count += n;
    const websocket = transport.stats();
    const brokerStats: StompServerStats['broker'] =
      broker instanceof StompBrokerRelay
        ? { kind: 'relay', ...broker.stats }
        : { kind: 'simple', ...broker.stats };
    return {
      sessions: protocol.sessionCount,
      stomp: copyProtocolStats(protocol.stats),
      websocket,
      connections: transport.connectionStats(),
      outboundQueue: protocol.queueDepth(),
      subscriptions: { count, destinations: bySubscription.size },
      broker: brokerStats,
      messagesDropped: droppedMessages(brokerStats, websocket, router.droppedNoSession),
      incidents: throttle.stats,
    };
  };
  const stopStatsLogging = logStatsPeriodically(stats, logger, options.statsLoggingPeriod ?? 30 * 60_000);

  let closing: Promise<void> | undefined;
  return {
    handlers,
    template,
    channels: { clientInbound, clientOutbound, broker: brokerChannel },
    broker,
    users: userRegistry,
    on: (event, listener) => events.on(event, listener),
    httpServer,
    get sessionCount() {
      return protocol.sessionCount;
    },
    get sessions() {
      return transport.sessions;
    },
    stats,
    describeSessions: () => protocol.describeSessions(),
    subscriptionsByDestination: () => protocol.subscriptionsByDestination(),
    handler: protocol,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          const path = Array.isArray(options.path)
            ? (options.path[0] ?? '/stomp')
            : (options.path ?? '/stomp');
          resolve({
            port: address.port,
            host: address.address,
            url: `${secure ? 'wss' : 'ws'}://${shownHost}:${address.port}${path}`,
          });
        });
      });
    },
    async drain({ spread = 5000, timeout = 30_000 } = {}) {
      if (closing !== undefined) return closing;
      transport.gate.close();
      if (ownServer && httpServer.listening) httpServer.close();
      logger.info('Draining', { sessions: protocol.sessionCount, spread, timeout });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        protocol.drain(Math.min(spread, timeout)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout))),
      ]);
      clearTimeout(timer);
      return this.close();
    },
    close() {
      closing ??= (async () => {
        const serverClosed =
          ownServer && httpServer.listening ? closeHttpServer(httpServer) : Promise.resolve();
        stopStatsLogging();
        protocol.closeAll();
        await transport.close();
        cluster?.stop();
        await Promise.resolve(broker.stop());
        if (ownServer) httpServer.closeAllConnections();
        await serverClosed;
        throttle.close();
      })();
      return closing;
    },
  };
}

function closeHttpServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** '/app' → '/app/' (a prefix always ends with a separator, as in Spring). */
export function normalizePrefixes(prefixes: readonly string[]): string[] {
  return prefixes.map((p) => (p.endsWith('/') || p.endsWith('.') ? p : `${p}/`));
}
