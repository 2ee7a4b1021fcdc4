#!/usr/bin/env node
import { createStompServer } from '../server/create-stomp-server.js';
import { createConsoleLogger } from '../logger.js';
import { helpText, parseCliOptions } from './options.js';
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
    },
    requestListener: demo.requestListener,
    handshakeInterceptors: [demo.handshakeInterceptor],
    logger,
  });
  server.handlers.map('/echo', (ctx) => ctx.payload);
  const stopQuotes = demo.install(server);
  const { port } = await server.listen(options.port, options.host);
  const shown = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  process.stdout.write(
    `Switchboard listening on ws://${shown}:${port}${options.path} (demo: http://${shown}:${port}/)\n`,
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: closing sessions and stopping`);
    stopQuotes();
    server.close().then(
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

main().catch((error: unknown) => {
  process.stderr.write(`switchboard: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
