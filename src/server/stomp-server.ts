import type http from 'node:http';
import type https from 'node:https';
import type { StompBrokerRelay } from '../broker/relay/broker-relay.js';
import type { SimpleBroker } from '../broker/simple-broker.js';
import type { HandlerRegistry } from '../handlers/handler-registry.js';
import type { DirectChannel } from '../messaging/channel.js';
import type { MessagingTemplate } from '../messaging/template.js';
import type { UserRegistry } from '../messaging/user-destinations.js';
import type { StompProtocolHandler, StompSessionInfo } from '../stomp/protocol-handler.js';
import type { Session } from '../websocket/handler.js';
import type { StompServerStats } from './server-stats.js';
import type { ServerShutdown } from './server-shutdown.js';
import type { SessionEventListener, SessionEventMap, SessionEvents } from './session-events.js';
import type { StompEndpoint } from './stomp-endpoint.js';

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

/** The wired parts a {@link StompServer} is the face of. */
export interface StompServerParts {
  handlers: HandlerRegistry;
  template: MessagingTemplate;
  channels: StompServer['channels'];
  broker: SimpleBroker | StompBrokerRelay;
  users: UserRegistry;
  events: SessionEvents;
  protocol: StompProtocolHandler;
  endpoint: StompEndpoint;
  stats: () => StompServerStats;
  shutdown: ServerShutdown;
}

/** The server's public face: each member hands over to the part that does the work. */
export function assembleStompServer(parts: StompServerParts): StompServer {
  const { events, protocol, endpoint, shutdown } = parts;
  return {
    handlers: parts.handlers,
    template: parts.template,
    channels: parts.channels,
    broker: parts.broker,
    users: parts.users,
    on: (event, listener) => events.on(event, listener),
    httpServer: endpoint.httpServer,
    get sessionCount() {
      return protocol.sessionCount;
    },
    get sessions() {
      return endpoint.transport.sessions;
    },
    stats: parts.stats,
    describeSessions: () => protocol.describeSessions(),
    subscriptionsByDestination: () => protocol.subscriptionsByDestination(),
    handler: protocol,
    listen: (port = 0, host = '127.0.0.1') => endpoint.listen(port, host),
    drain: (options) => shutdown.drain(options),
    close: () => shutdown.close(),
  };
}
