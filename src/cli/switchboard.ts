#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createStompServer } from '../server/create-stomp-server.js';
import type { StompServer } from '../server/create-stomp-server.js';
import { createConsoleLogger } from '../logger.js';
import type http from 'node:http';
import type { CliOptions } from './options.js';
import { helpText, parseCliOptions } from './options.js';
import type { Logger } from '../logger.js';
import { createAdminView } from '../observability/admin.js';
import { createPrometheusMetrics } from '../observability/prometheus.js';
import { portfolioDemo } from '../../examples/portfolio/portfolio-app.js';

/** The standalone server: `npm start` / `switchboard --port 8080`. */
async function main(): Promise<void> {
  let options;
  try {
    options = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`switchboard: ${(error as Error).message}\n\n${helpText()}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  const logger = createConsoleLogger(options.logLevel);
  const demo = portfolioDemo();
  // Admin view and metrics are created once the server exists; requests reach them first.
  const routes: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[] = [];
  const server = createStompServer({
    path: options.path,
    sockjs: options.sockjs,
    allowedOrigins: options.allowedOrigins,
    heartbeat: options.heartbeat,
    limits: {
      maxFrameSize: options.maxFrameSize,
      sendBufferLimit: options.sendBufferLimit,
      sendTimeLimit: options.sendTimeLimit,
      overflow: options.overflow,
      maxFramesPerSecond: options.maxFramesPerSecond,
    },
    tls:
      options.tlsCert === undefined
        ? undefined
        : { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey!) },
    trustProxy: options.trustProxy,
    connectionLimits: {
      maxConnections: options.maxConnections,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress,
    },
    broker: options.relay === undefined ? undefined : { relay: options.relay },
    requestListener: (req, res) => {
      for (const route of routes) if (route(req, res)) return;
      demo.requestListener(req, res);
    },
    statsLoggingPeriod: options.statsLogPeriod,
    handshakeInterceptors: [demo.handshakeInterceptor],
    logger,
  });
  server.handlers.map('/echo', (ctx) => ctx.payload);
  if (options.relay !== undefined) {
    const { host = '127.0.0.1', port: brokerPort = 61613 } = options.relay;
    logger.info('Relaying broker destinations', { broker: `${host}:${brokerPort}` });
    // Give the broker a moment so the first clients are not refused; serve anyway if it is down.
    if (!(await brokerAvailable(server, 10_000)))
      logger.warn('The message broker is not available yet; clients are refused until it is');
  }
  const stopQuotes = demo.install(server);
  const stopObservability = await observe(server, options, routes, logger);
  const { port } = await server.listen(options.port, options.host);
  const shown = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const [ws, http] = options.tlsCert === undefined ? ['ws', 'http'] : ['wss', 'https'];
  process.stdout.write(
    `Switchboard listening on ${ws}://${shown}:${port}${options.path} (demo: ${http}://${shown}:${port}/)\n`,
  );

  let stopping = false;
  // SIGTERM (an orchestrator's stop) drains: clients are told to reconnect, spread over a window.
  // SIGINT (Ctrl-C) closes at once.
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: ${signal === 'SIGTERM' ? 'draining' : 'closing sessions'} and stopping`);
    stopQuotes();
    stopObservability();
    const done =
      signal === 'SIGTERM'
        ? server.drain({ spread: options.drainSpread, timeout: options.drainTimeout })
        : server.close();
    done.then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('Shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Mounts the admin view (with a token) and Prometheus metrics (with prom-client); returns a stop function. */
async function observe(
  server: StompServer,
  options: CliOptions,
  routes: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean)[],
  logger: Logger,
): Promise<() => void> {
  const stops: (() => void)[] = [];
  if (options.adminToken !== undefined) {
    const admin = createAdminView(server, { token: options.adminToken, path: options.adminPath });
    routes.push((req, res) => admin.handle(req, res));
    stops.push(() => admin.close());
    logger.info('Admin view enabled', { path: options.adminPath });
  }
  if (options.metrics) {
    try {
      const metrics = await createPrometheusMetrics(server);
      routes.push((req, res) => metrics.handle(req, res, options.metricsPath));
      stops.push(() => metrics.close());
      logger.info('Prometheus metrics enabled', { path: options.metricsPath });
    } catch (error) {
      logger.info('Prometheus metrics off', { reason: (error as Error).message });
    }
  }
  return () => stops.forEach((stop) => stop());
}

function brokerAvailable(server: StompServer, timeoutMs: number): Promise<boolean> {
  if (server.broker.available) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(false);
    }, timeoutMs);
    const off = server.on('brokerAvailability', ({ available }) => {
      if (!available) return;
      clearTimeout(timer);
      off();
      resolve(true);
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`switchboard: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
