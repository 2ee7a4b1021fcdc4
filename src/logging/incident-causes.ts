/**
 * A condition a remote peer can cause at will, logged through `logIncident`: the kinds
 * are fixed (they are the `cause` label of `switchboard_incidents_total`).
 */
export type IncidentCause =
  /** A WebSocket handshake or SockJS request from an origin the endpoint does not allow. */
  | 'originRefused'
  /** A connection refused by a cap (maxConnections, per address, SockJS maxSessions). */
  | 'connectionLimit'
  /** A handshake the authenticator refused (401/403). */
  | 'handshakeRefused'
  /** A handshake interceptor threw. */
  | 'handshakeInterceptorFailed'
  /** A SockJS request for a session from another address than the one that opened it. */
  | 'sockjsAddressMismatch'
  /** A binary message on a SockJS session (text only), dropped. */
  | 'sockjsBinaryDropped'
  /** A SockJS request that failed unexpectedly. */
  | 'sockjsRequestFailed'
  /** A malformed or disallowed STOMP frame, answered with ERROR. */
  | 'protocolError'
  /** A frame an authorization rule denied. */
  | 'accessDenied'
  /** A session past maxFramesPerSecond or maxBytesPerSecond. */
  | 'rateLimited'
  /** An application handler that did not finish within handlerTimeout. */
  | 'handlerTimeout'
  /** An application or transport handler that threw. */
  | 'handlerFailed'
  /** A session whose user's authentication expired. */
  | 'authExpired'
  /** Messages dropped from a send buffer past sendBufferLimit (overflow 'drop-oldest'). */
  | 'sendBufferOverflow'
  /** A session closed for not reading (sendBufferLimit or sendTimeLimit, 4500). */
  | 'slowConsumerClosed'
  /** A client-ack subscription whose pending messages passed maxPendingPerSubscription. */
  | 'pendingOverflow'
  /** A queue past maxQueueDepth (message dropped or publish rejected). */
  | 'queueOverflow'
  /** A message NACKed more than maxRedeliveries times, dropped. */
  | 'redeliveryLimit'
  /** A delivery to a session that failed (an outbound interceptor threw). */
  | 'deliveryFailed'
  /** A message to a user with no session, dropped. */
  | 'noUserSession'
  /** The relay's broker sent a client session an ERROR (e.g. a destination it refuses). */
  | 'relayBrokerError'
  /** A relay session ended because its broker connection failed. */
  | 'relaySessionClosed';

/** Every {@link IncidentCause}, in a stable order (for counters that list them all). */
export const INCIDENT_CAUSES: readonly IncidentCause[] = [
  'originRefused',
  'connectionLimit',
  'handshakeRefused',
  'handshakeInterceptorFailed',
  'sockjsAddressMismatch',
  'sockjsBinaryDropped',
  'sockjsRequestFailed',
  'protocolError',
  'accessDenied',
  'rateLimited',
  'handlerTimeout',
  'handlerFailed',
  'authExpired',
  'sendBufferOverflow',
  'slowConsumerClosed',
  'pendingOverflow',
  'queueOverflow',
  'redeliveryLimit',
  'deliveryFailed',
  'noUserSession',
  'relayBrokerError',
  'relaySessionClosed',
];

/** A log level an incident is written at. */
export type IncidentLevel = 'debug' | 'info' | 'warn' | 'error';
