import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminView } from './admin.js';
import type { PrometheusMetrics } from './prometheus.js';

/** Answers the requests it knows (returning true) and returns false, doing nothing, for the others. */
export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

/** What {@link createInternalServer} serves. */
export interface InternalServerOptions {
  /** Prometheus metrics, served at `metricsPath`. */
  metrics?: PrometheusMetrics;
  /** Path of the metrics. Default '/metrics'. */
  metricsPath?: string;
  /** The admin view, at its own path. */
  admin?: AdminView;
  /** More handlers (a health check, say), tried after those in order. */
  routes?: readonly RouteHandler[];
}

/** An HTTP server of operator endpoints, apart from the public one. */
export interface InternalServer {
  /** The underlying server (not listening until {@link InternalServer.listen}). */
  readonly server: http.Server;
  /** The routes in turn, then 404: mount it on a server of your own instead of listening. */
  readonly requestListener: http.RequestListener;
  /** Listens; the host defaults to loopback, so only this machine can reach it. */
  listen(port?: number, host?: string): Promise<{ port: number; host: string; url: string }>;
  /** Stops listening and closes open connections (scrapers keep them alive). */
  close(): Promise<void>;
}

/**
 * A separate listener for operator endpoints (Prometheus metrics, the admin view), as
 * Centrifugo's internal port or Spring Boot's management port: browsers reach the public port,
 * only operators (and the scraper) reach this one. Listens on 127.0.0.1 unless told otherwise.
 * The endpoints' own `handle` functions mount anywhere else too.
 */
export function createInternalServer(options: InternalServerOptions): InternalServer {
  const routes: RouteHandler[] = [];
  const { metrics, admin } = options;
  if (metrics !== undefined) routes.push((req, res) => metrics.handle(req, res, options.metricsPath));
  if (admin !== undefined) routes.push((req, res) => admin.handle(req, res));
  routes.push(...(options.routes ?? []));
  const requestListener: http.RequestListener = (req, res) => {
    for (const route of routes) if (route(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('Not found\n');
  };
  const server = http.createServer(requestListener);
  return {
    server,
    requestListener,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ port: address.port, host: address.address, url: `http://${shown}:${address.port}` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
