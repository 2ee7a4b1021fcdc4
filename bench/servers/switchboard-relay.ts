/**
 * Switchboard relaying to the local RabbitMQ's STOMP plugin (127.0.0.1:61613, guest/guest):
 * one broker connection per client session, as in production. Ready once the relay is connected.
 */
import { createStompServer } from '../../src/index.js';
import { serveBenchmark } from '../lib/server-child.js';

const server = createStompServer({
  path: '/stomp',
  heartbeat: [0, 0],
  allowedOrigins: ['*'],
  broker: {
    relay: {
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
