export { createStompServer } from './server/create-stomp-server.js';
export { normalizePrefixes } from './server/resolve-options.js';
export type { RelayConfig, StompServerOptions } from './server/stomp-server-options.js';
export type { StompServer } from './server/stomp-server.js';
export type { StompServerStats } from './server/server-stats.js';
export { formatStats } from './server/server-stats.js';
export type { CloseCause, StompProtocolStats } from './stomp/protocol-stats.js';
export type { StompSessionInfo } from './stomp/protocol-handler.js';
export {
  ErrorCodes,
  SwitchboardError,
  StompProtocolError,
  createError,
  isSwitchboardError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export { DEFAULT_LIMITS, resolveLimits } from './limits.js';
export type { Limits, OverflowPolicy } from './limits.js';
export { createConsoleLogger, pinoLogger, redact, silentLogger } from './logger.js';
export type { Logger, LogLevel, PinoLike } from './logger.js';
export { DirectChannel } from './messaging/channel.js';
export type {
  ChannelInterceptor,
  MessageChannel,
  MessageHandler,
  SubscribableChannel,
} from './messaging/channel.js';
export { createMessage, withHeaders } from './messaging/message.js';
export type { Message, MessageHeaders, MessageType, Principal } from './messaging/message.js';
export { MessagingTemplate } from './messaging/template.js';
export { HandlerRegistry } from './handlers/handler-registry.js';
export type { ExceptionHandlerFunction, HandlerFunction } from './handlers/handler-registry.js';
export type { HandlerKind, MappingOptions, SendToUserOptions } from './handlers/mapping-options.js';
export {
  MessageExceptionHandler,
  MessageMapping,
  SendTo,
  SendToUser,
  SubscribeMapping,
} from './handlers/decorators.js';
export { PayloadValidationError } from './handlers/payload-validation.js';
export type { PayloadValidator, StandardSchema } from './handlers/payload-validation.js';
export { UserDestinationResolver, UserRegistry } from './messaging/user-destinations.js';
export type { SimpUser, UserSession } from './messaging/user-destinations.js';
export type { SessionEventListener, SessionEventMap } from './server/session-events.js';
export type { ConnectAuthenticator, ConnectRequest } from './server/connect-authenticator.js';
export { attachWebSocketHandlers } from './server/websocket-handler-server.js';
export type { WebSocketHandlerRegistration, WebSocketHandlers } from './server/websocket-handler-server.js';
export { SockJsService } from './sockjs/service.js';
export type { SockJsOptions, TransportName } from './sockjs/service.js';
export type { HandshakeDecision, HandshakeRequest } from './websocket/handshake.js';
export type { MessageContext } from './handlers/message-context.js';
export { defaultConverter, PayloadConversionError } from './messaging/converters.js';
export type { MessageConverter } from './messaging/converters.js';
export type { Broker, BrokerFeatures } from './broker/broker.js';
export { SimpleBroker } from './broker/simple-broker.js';
export type { SimpleBrokerOptions, SimpleBrokerStats } from './broker/simple-broker.js';
export { StompBrokerRelay } from './broker/relay/broker-relay.js';
export type {
  BrokerAddress,
  BrokerRelayOptions,
  BrokerRelayStats,
  OutageBufferOptions,
} from './broker/relay/broker-relay.js';
export { StompTcpConnection } from './broker/relay/tcp-connection.js';
export type { StompTcpConnectionOptions } from './broker/relay/tcp-connection.js';
export type { BackoffOptions } from './broker/relay/backoff.js';
export { StompDecoder } from './stomp/decoder.js';
export { encodeFrame } from './stomp/encoder.js';
export { createFrame, createHeaders } from './stomp/frame.js';
export type { StompCommand, StompFrame, StompHeaders, StompVersion } from './stomp/frame.js';
export { StompProtocolHandler } from './stomp/protocol-handler.js';
export { CloseCodes } from './websocket/handler.js';
export type { Session, TransportKind, WebSocketHandler } from './websocket/handler.js';
export { OutboundMessage } from './websocket/outbound-message.js';
export { WebSocketEndpoint, attachWebSocketEndpoints } from './websocket/endpoint.js';
export type { HandshakeInterceptor } from './websocket/handshake.js';
export { authorizationInterceptor } from './security/authorization.js';
export { parseAuthorizationRules } from './security/rules-file.js';
export type {
  AuthorizationContext,
  AuthorizationDecision,
  AuthorizationRule,
  AuthorizedFrame,
} from './security/authorization.js';
export { csrfProtection } from './security/csrf.js';
export type { CsrfOptions } from './security/csrf.js';
export type { HandshakeAuthenticator } from './security/handshake-authenticator.js';
export { ConnectionGate, clientAddress } from './security/connection-gate.js';
export type { ConnectionLimits, Refusal } from './security/connection-gate.js';
export type { UserRefresher } from './stomp/session-expiry.js';
export { createPrometheusMetrics } from './observability/prometheus.js';
export type { PrometheusMetrics, PrometheusOptions } from './observability/prometheus.js';
export { createAdminView } from './observability/admin.js';
export type { AdminSnapshot, AdminView, AdminViewOptions } from './observability/admin.js';
export type { AdminRates, AdminSample } from './observability/admin-history.js';
export type { AdminList, AdminSessionPage, AdminSessionQuery } from './observability/admin-query.js';
export { createInternalServer } from './observability/internal-server.js';
export type { InternalServer, InternalServerOptions, RouteHandler } from './observability/internal-server.js';
export { switchboardFastify } from './integrations/fastify.js';
export type { FastifyInstanceLike } from './integrations/fastify.js';
export { LogThrottle } from './logging/log-throttle.js';
export type { IncidentStats, LogThrottleOptions } from './logging/log-throttle.js';
export type { IncidentCause, IncidentLevel } from './logging/incident-causes.js';
export { clip } from './logging/clip.js';
export type { BrokerDropReason } from './broker/drop-reasons.js';
export type { QueueOverflowPolicy } from './broker/held-queues.js';
export type { PendingOverflowPolicy } from './broker/pending-deliveries.js';
export type { DropReason, DroppedMessages } from './server/dropped-messages.js';
