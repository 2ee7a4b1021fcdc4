/**
 * Switchboard relaying to the local RabbitMQ's STOMP plugin (127.0.0.1:61613, guest/guest), in
 * the relay mode given as the first argument: `shared` (default: a pool of broker connections
 * for the instance) or `per-session` (one broker connection per client session). Ready once the
 * relay is connected. The process id lets the runner count its connections to the broker.
 */
import { createStompServer } from '../../src/index.js';
import { serveBenchmark } from '../lib/server-child.js';

const mode = process.argv[2] === 'per-session' ? 'per-session' : 'shared';
const server = createStompServer({
  path: '/stomp',
  heartbeat: [0, 0],
  allowedOrigins: ['*'],
  broker: {
    relay: {
      mode,
      host: '127.0.0.1',
      port: 61613,
      login: 'guest',
      passcode: 'guest',
      clientLogin: 'guest',
      clientPasscode: 'guest',
      heartbeat: [0, 0],
    },
  },
});
const available = new Promise<void>((resolve, reject) => {
  const timer = setTimeout(
    () => reject(new Error('RabbitMQ STOMP not reachable on 61613 (scripts/services.sh)')),
    10_000,
  );
  server.on('brokerAvailability', ({ available }) => {
    if (!available) return;
    clearTimeout(timer);
    resolve();
  });
});
const { port } = await server.listen(0, '127.0.0.1');
await available;
serveBenchmark(port, () => server.close());
