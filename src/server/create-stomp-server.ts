import { AnnotationHandler } from '../handlers/annotation-handler.js';
import { HandlerRegistry } from '../handlers/handler-registry.js';
import { silentLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { LogThrottle } from '../logging/log-throttle.js';
import { DirectChannel } from '../messaging/channel.js';
import { SessionOrderedChannel } from '../messaging/session-ordered-channel.js';
import { MessagingTemplate } from '../messaging/template.js';
import { UserDestinationResolver, UserRegistry } from '../messaging/user-destinations.js';
import { StompProtocolHandler } from '../stomp/protocol-handler.js';
import { collectStats } from './collect-stats.js';
import { createBroker } from './create-broker.js';
import { InboundRouter } from './inbound-router.js';
import { interceptorChains } from './interceptor-chains.js';
import { joinUserCluster } from './join-user-cluster.js';
import { resolveOptions } from './resolve-options.js';
import { logStatsPeriodically } from './server-stats.js';
import { ServerShutdown } from './server-shutdown.js';
import { SessionEvents } from './session-events.js';
import { attachStompEndpoint } from './stomp-endpoint.js';
import type { StompServer } from './stomp-server.js';
import { assembleStompServer } from './stomp-server.js';
import type { StompServerOptions } from './stomp-server-options.js';

/**
 * The composition root: three channels, the broker, the application handlers and the
 * WebSocket endpoint, wired explicitly (Spring's `@EnableWebSocketMessageBroker`).
 */
export function createStompServer(options: StompServerOptions = {}): StompServer {
  // Every module logs through the throttle: what a client can repeat is summarised, never flooded.
  const throttle = new LogThrottle(options.logger ?? silentLogger, options.logThrottle);
  const logger: Logger = throttle;
  const resolved = resolveOptions(options);
  const { limits, separator, appPrefixes } = resolved;

  const chains = interceptorChains(options, separator, logger);
  const clientInbound = new DirectChannel('clientInbound', chains.clientInbound);
  const clientOutbound = new DirectChannel('clientOutbound', options.outboundInterceptors);
  const brokerChannel = new DirectChannel('broker', options.brokerInterceptors);

  // Outbound interceptors may be async: keep each session's messages in order anyway.
  const orderedOutbound = new SessionOrderedChannel(clientOutbound);
  const broker = createBroker(resolved, orderedOutbound, logger);
  const events = new SessionEvents(logger);
  broker.onAvailabilityChange((available, reason) =>
    events.emit('brokerAvailability', { available, reason }),
  );
  const userRegistry = new UserRegistry();
  // eslint-disable-next-line prefer-const -- the protocol handler is created after the resolver that asks it
  let protocol: StompProtocolHandler;
  const users = new UserDestinationResolver(userRegistry, resolved.userDestinationPrefix, (id) =>
    protocol.hasSession(id),
  );
  // The cluster and the router need each other: the cluster delivers through the router, later.
  const cluster = joinUserCluster(broker, {
    config: resolved.relay,
    registry: userRegistry,
    events,
    deliverLocally: (message) => router.publishToUser(message, true),
    logger,
  });
  const template = new MessagingTemplate(
    brokerChannel,
    resolved.converter,
    users,
    () => cluster?.broadcasting ?? false,
  );
  const handlers = new HandlerRegistry({ separator });
  const app = new AnnotationHandler({
    registry: handlers,
    template,
    outbound: orderedOutbound,
    prefixes: appPrefixes,
    converter: resolved.converter,
  });

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
    onConnected: (session) => {
      if (events.listens('connected'))
        events.emit('connected', { sessionId: session.id, user: session.principal });
    },
  });
  clientOutbound.subscribe(protocol);

  const endpoint = attachStompEndpoint(options, {
    handler: protocol,
    paths: resolved.paths,
    urlPath: resolved.urlPath,
    handshakeInterceptors: chains.handshake,
    limits,
    logger,
  });
  void broker.start();
  cluster?.start();

  const stats = () =>
    collectStats({
      protocol,
      transport: endpoint.transport,
      broker,
      droppedNoSession: () => router.droppedNoSession,
      throttle,
    });
  const stopStatsLogging = logStatsPeriodically(stats, logger, resolved.statsLoggingPeriod);

  return assembleStompServer({
    handlers,
    template,
    channels: { clientInbound, clientOutbound, broker: brokerChannel },
    broker,
    users: userRegistry,
    events,
    protocol,
    endpoint,
    stats,
    shutdown: new ServerShutdown({ endpoint, protocol, cluster, broker, stopStatsLogging, throttle }),
  });
}
