import type http from 'node:http';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { SockJsOptions } from '../sockjs/service.js';
import { SockJsService } from '../sockjs/service.js';
import { WebSocketEndpoint, attachWebSocketEndpoints } from '../websocket/endpoint.js';
import type { Session, WebSocketHandler } from '../websocket/handler.js';
import type { HandshakeInterceptor } from '../websocket/handshake.js';
import type { ConnectionLimits } from '../security/connection-gate.js';
import { ConnectionGate } from '../security/connection-gate.js';
import type { SessionStats } from '../websocket/session-stats.js';
import { createSessionStats } from '../websocket/session-stats.js';

/** One raw WebSocket handler registration (Spring's `registry.addHandler(handler, paths)`). */
export interface WebSocketHandlerRegistration {
  /** Path(s) the handler answers. */
  path: string | readonly string[];
  handler: WebSocketHandler;
  /** Exact origins allowed (`'*'` for any). Default: same origin only. */
  allowedOrigins?: readonly string[] | undefined;
  /** Origin patterns (`https://*.example.com`). */
  allowedOriginPatterns?: readonly string[] | undefined;
  handshakeInterceptors?: readonly HandshakeInterceptor[] | undefined;
  /** Serve the handler over SockJS as well (`new SockJS(url)`), with options. Default off. */
  sockjs?: boolean | SockJsOptions | undefined;
  /** Send limits, message size (shared with STOMP endpoints: see {@link Limits}). */
  limits?: Partial<Limits> | undefined;
  logger?: Logger | undefined;
}

/** Raw WebSocket handlers attached to an HTTP server. */
export interface WebSocketHandlers {
  /** Counts connections against the caps (shared by every registration, WebSocket and SockJS). */
  readonly gate: ConnectionGate;
  /** Live sessions of every registration (WebSocket and SockJS). */
  readonly sessionCount: number;
  /** Plain WebSocket sessions. */
  readonly sessions: ReadonlySet<Session>;
  /** Send-path counters of the WebSocket sessions (messages, bytes, drops, limit breaches); drops include SockJS sessions'. */
  stats(): SessionStats;
  /** Connections now, and those refused by a cap (maxConnections, per address, SockJS maxSessions). */
  connectionStats(): { open: number; refused: number };
  /** Detaches from the server and closes every session with 1001. */
  close(): Promise<void>;
}

/**
 * Attaches raw WebSocket handlers (no STOMP) to an HTTP server: each registration gets origin
 * checks, handshake interceptors, the same send limits as STOMP sessions, and optionally SockJS.
 *
 * ```ts
 * attachWebSocketHandlers(server, [{ path: '/echo', sockjs: true, handler: {
 *   onMessage: (session, data, isBinary) => session.send(new OutboundMessage(data, isBinary)),
 * } }]);
 * ```
 */
export function attachWebSocketHandlers(
  server: http.Server,
  registrations: readonly WebSocketHandlerRegistration[],
  options: { connectionLimits?: ConnectionLimits | undefined } = {},
): WebSocketHandlers {
  const endpoints: WebSocketEndpoint[] = [];
  const sockjs: SockJsService[] = [];
  const gate = new ConnectionGate(options.connectionLimits);
  for (const { path, sockjs: sockJsOptions, ...rest } of registrations) {
    const shared = { ...rest, gate };
    // Origins, interceptors, limits and logger apply alike to WebSocket and SockJS.
    endpoints.push(new WebSocketEndpoint({ path, ...shared }));
    if (!sockJsOptions) continue;
    const options = sockJsOptions === true ? {} : sockJsOptions;
    for (const prefix of typeof path === 'string' ? [path] : path) {
      sockjs.push(new SockJsService({ ...options, ...shared, prefix }));
    }
  }
  const detachRequests = sockjs.length > 0 ? routeRequestsThrough(server, sockjs) : () => {};
  const detachUpgrades = attachWebSocketEndpoints(server, [...endpoints, ...sockjs]);
  const sessions = new Set<Session>();
  return {
    gate,
    connectionStats: () => ({
      open: gate.total,
      refused: gate.refused + sockjs.reduce((n, s) => n + s.refused, 0),
    }),
    get sessionCount() {
      return (
        endpoints.reduce((n, e) => n + e.sessions.size, 0) + sockjs.reduce((n, s) => n + s.sessionCount, 0)
      );
    },
    get sessions() {
      sessions.clear();
      for (const endpoint of endpoints) for (const session of endpoint.sessions) sessions.add(session);
      return sessions;
    },
    stats() {
      const total = createSessionStats();
      for (const { stats } of endpoints) {
        total.messagesSent += stats.messagesSent;
        total.bytesSent += stats.bytesSent;
        total.dropped += stats.dropped;
        total.limitExceeded += stats.limitExceeded;
      }
      for (const service of sockjs) total.dropped += service.dropped;
      return total;
    },
    async close() {
      detachRequests();
      detachUpgrades();
      for (const service of sockjs) service.close();
      await Promise.all(endpoints.map((e) => e.close()));
    },
  };
}

/**
 * Puts SockJS services in front of the server's own 'request' listeners (as sockjs-node does):
 * requests under a SockJS prefix are answered there, all others reach the application.
 */
export function routeRequestsThrough(server: http.Server, services: readonly SockJsService[]): () => void {
  const previous = server.listeners('request') as http.RequestListener[];
  server.removeAllListeners('request');
  const listener: http.RequestListener = (req, res) => {
    for (const service of services) if (service.handleRequest(req, res)) return;
    if (previous.length === 0) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    for (const l of previous) l.call(server, req, res);
  };
  server.on('request', listener);
  return () => {
    server.off('request', listener);
    for (const l of previous) server.on('request', l);
  };
}
