import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { WebSocketHandler } from '../websocket/handler.js';
import type { HandshakeInterceptor } from '../websocket/handshake.js';
import type { StompServerOptions } from './stomp-server-options.js';
import type { WebSocketHandlers } from './websocket-handler-server.js';
import { attachWebSocketHandlers } from './websocket-handler-server.js';

/** The STOMP endpoint on its HTTP(S) server. */
export interface StompEndpoint {
  readonly httpServer: http.Server | https.Server;
  /** The server was created here (not given in `options.server`): it is ours to listen on and close. */
  readonly ownServer: boolean;
  /** The WebSocket (and SockJS) sessions, their counters and the connection gate. */
  readonly transport: WebSocketHandlers;
  /** Starts listening; resolves with the address and the endpoint's `ws://` or `wss://` URL. */
  listen(port: number, host: string): Promise<{ port: number; host: string; url: string }>;
}

/** What the endpoint serves, beyond the transport options of {@link StompServerOptions}. */
export interface StompEndpointParts {
  /** The STOMP protocol handler. */
  handler: WebSocketHandler;
  paths: string | string[];
  /** The path `listen()` names in its URL. */
  urlPath: string;
  handshakeInterceptors: HandshakeInterceptor[];
  limits: Limits;
  logger: Logger;
}

/**
 * Puts the STOMP endpoint on the given HTTP server, or on one created here (HTTPS with `tls`;
 * plain requests go to `requestListener`, default 404). The endpoint is a WebSocket handler like
 * any other, and also served over SockJS when asked.
 */
export function attachStompEndpoint(
  options: Pick<
    StompServerOptions,
    | 'server'
    | 'tls'
    | 'requestListener'
    | 'sockjs'
    | 'allowedOrigins'
    | 'allowedOriginPatterns'
    | 'connectionLimits'
    | 'trustProxy'
  >,
  { handler, paths, urlPath, handshakeInterceptors, limits, logger }: StompEndpointParts,
): StompEndpoint {
  const listener =
    options.requestListener ??
    ((_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
    });
  const httpServer =
    options.server ?? (options.tls ? https.createServer(options.tls, listener) : http.createServer(listener));
  const secure = httpServer instanceof https.Server;
  const transport = attachWebSocketHandlers(
    httpServer,
    [
      {
        path: paths,
        handler,
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
  return {
    httpServer,
    ownServer: options.server === undefined,
    transport,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          const address = httpServer.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({
            port: address.port,
            host: address.address,
            url: `${secure ? 'wss' : 'ws'}://${shownHost}:${address.port}${urlPath}`,
          });
        });
      }),
  };
}
