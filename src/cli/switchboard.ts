#!/usr/bin/env node
import { StompBrokerRelay } from '../broker/relay/broker-relay.js';
import { createStompServer } from '../server/create-stomp-server.js';
import type { StompServer } from '../server/stomp-server.js';
import { createConsoleLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import type { CliOptions } from './options.js';
import { helpText, parseCliOptions } from './options.js';
import { loadRules, loadTls, oneLine } from './config-files.js';
import { ExitCodes, StartupError, listenFailure } from './startup-error.js';
import { createAdminView } from '../observability/admin.js';
import { createInternalServer } from '../observability/internal-server.js';
import type { InternalServer, RouteHandler } from '../observability/internal-server.js';
import { createPrometheusMetrics } from '../observability/prometheus.js';
import { portfolioDemo } from '../../examples/portfolio/portfolio-app.js';

/** Set once the options are read: unexpected failures then show their stack trace. */
let debug = false;

/** The standalone server: `npm start` / `switchboard --port 8080`. */
async function main(): Promise<void> {
  let options;
  try {
    options = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    throw new StartupError(`${oneLine(error)}; see switchboard --help`, ExitCodes.usage);
  }
  if (options === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  debug = options.logLevel === 'debug';
  const logger = createConsoleLogger(options.logLevel);
  const tls = options.tlsCert === undefined ? undefined : loadTls(options.tlsCert, options.tlsKey!);
  const demo = portfolioDemo();
  const authorization = options.rules === undefined ? demo.authorization : loadRules(options.rules);
  // Metrics and the admin view on the public port only when asked for; they reach requests first.
  const publicRoutes: RouteHandler[] = [];
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
    tls,
    trustProxy: options.trustProxy,
    connectionLimits: {
      maxConnections: options.maxConnections,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress,
    },
    broker: options.relay === undefined ? undefined : { relay: options.relay },
    requestListener: (req, res) => {
      for (const route of publicRoutes) if (route(req, res)) return;
      demo.requestListener(req, res);
    },
    statsLoggingPeriod: options.statsLogPeriod,
    handshakeInterceptors: [demo.handshakeInterceptor],
    authorization,
    logger,
  });
  logger.info('Authorization rules', { file: options.rules ?? 'the demo', rules: authorization.length });
  server.handlers.map('/echo', (ctx) => ctx.payload);
  if (options.relay !== undefined) await waitForBroker(server, options, logger);
  const stopQuotes = demo.install(server);
  const observability = await observe(server, options, publicRoutes, logger);
  const { port } = await server
    .listen(options.port, options.host)
    .catch((error: unknown) => Promise.reject(listenFailure(error, publicTarget(options))));
  const shown = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const [ws, http] = tls === undefined ? ['ws', 'http'] : ['wss', 'https'];
  process.stdout.write(
    `Switchboard listening on ${ws}://${shown}:${port}${options.path} (demo: ${http}://${shown}:${port}/)\n`,
  );
  if (observability.internal !== undefined) {
    const { url } = await observability.internal
      .listen(options.internalPort, options.internalHost)
      .catch((error: unknown) => Promise.reject(listenFailure(error, internalTarget(options))));
    process.stdout.write(`Internal endpoints on ${url} (${observability.internalPaths.join(', ')})\n`);
  }

  let stopping = false;
  // SIGTERM (an orchestrator's stop) drains: clients are told to reconnect, spread over a window.
  // SIGINT (Ctrl-C) closes at once.
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: ${signal === 'SIGTERM' ? 'draining' : 'closing sessions'} and stopping`);
    stopQuotes();
    observability.stop();
    const done =
      signal === 'SIGTERM'
        ? server.drain({ spread: options.drainSpread, timeout: options.drainTimeout })
        : server.close();
    Promise.all([done, observability.internal?.close()]).then(
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

/**
 * Waits up to `--relay-start-timeout` for the broker. A broker still unreachable then is most
 * often a wrong URL or credentials, so the server exits saying so rather than serve a port
 * that refuses every client; with 0 it starts at once and the relay keeps reconnecting.
 */
async function waitForBroker(server: StompServer, options: CliOptions, logger: Logger): Promise<void> {
  const { host = '127.0.0.1', port = 61613 } = options.relay!;
  logger.info('Relaying broker destinations', { broker: `${host}:${port}` });
  if (await brokerAvailable(server, options.relayStartTimeout)) return;
  const reason = server.broker instanceof StompBrokerRelay ? server.broker.unavailableReason : 'no answer';
  if (options.relayStartTimeout === 0) {
    logger.warn('Starting without the message broker; clients are refused until it is up', { reason });
    return;
  }
  throw new StartupError(
    `the message broker at ${host}:${port} is unreachable after ${options.relayStartTimeout / 1000} s (${oneLine(reason)}); start it or fix --relay, or start anyway with --relay-start-timeout 0`,
    ExitCodes.broker,
  );
}

/**
 * Creates the admin view (with a token) and Prometheus metrics (with prom-client), and the
 * internal listener that serves them; they go on the public port only when asked for.
 */
async function observe(
  server: StompServer,
  options: CliOptions,
  publicRoutes: RouteHandler[],
  logger: Logger,
): Promise<{ internal: InternalServer | undefined; internalPaths: string[]; stop: () => void }> {
  const stops: (() => void)[] = [];
  const internalRoutes: RouteHandler[] = [];
  const internalPaths: string[] = [];
  const mount = (route: RouteHandler, path: string, onPublic: boolean): void => {
    if (options.internalPort !== undefined) {
      internalRoutes.push(route);
      internalPaths.push(path);
    }
    if (onPublic) publicRoutes.push(route);
  };
  if (options.adminToken !== undefined) {
    const admin = createAdminView(server, { token: options.adminToken, path: options.adminPath });
    mount((req, res) => admin.handle(req, res), options.adminPath, options.adminPublic);
    stops.push(() => admin.close());
    logger.info('Admin view enabled', { path: options.adminPath, publicPort: options.adminPublic });
  }
  const wantMetrics = options.metrics && (options.internalPort !== undefined || options.metricsPublic);
  if (wantMetrics) {
    try {
      const metrics = await createPrometheusMetrics(server);
      mount(
        (req, res) => metrics.handle(req, res, options.metricsPath),
        options.metricsPath,
        options.metricsPublic,
      );
      stops.push(() => metrics.close());
      logger.info('Prometheus metrics enabled', {
        path: options.metricsPath,
        publicPort: options.metricsPublic,
      });
    } catch (error) {
      logger.info('Prometheus metrics off', { reason: (error as Error).message });
    }
  } else if (options.metrics) {
    logger.info('Prometheus metrics off: no internal listener (--internal-port off)');
  }
  const internal = internalRoutes.length === 0 ? undefined : createInternalServer({ routes: internalRoutes });
  return { internal, internalPaths, stop: () => stops.forEach((stop) => stop()) };
}

function publicTarget(options: CliOptions) {
  return { port: options.port, host: options.host, portFlag: '--port', hostFlag: '--host', what: 'port' };
}

function internalTarget(options: CliOptions) {
  return {
    port: options.internalPort!,
    host: options.internalHost,
    portFlag: "--internal-port (or 'off')",
    hostFlag: '--internal-host',
    what: 'internal port',
  };
}

function brokerAvailable(server: StompServer, timeoutMs: number): Promise<boolean> {
  if (server.broker.available) return Promise.resolve(true);
  if (timeoutMs === 0) return Promise.resolve(false);
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

/** Start-up failures are one line and an exit code; anything else is a bug, said as such. */
main().catch((error: unknown) => {
  if (error instanceof StartupError) {
    process.stderr.write(`switchboard: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(
    `switchboard: unexpected start-up failure: ${oneLine(error)}; ${debug ? 'stack trace below' : 'run with --log-level debug for the stack trace'}, and please report it\n`,
  );
  if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(ExitCodes.unexpected);
});
