import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { RelayConfig, StompServerOptions } from '../../src/index.js';
import { RABBITMQ, requireBroker } from './brokers.js';
import type { TestServer } from './server.js';
import { eventually, startServer } from './server.js';

/** RabbitMQ's STOMP plugin, as `scripts/services.sh` leaves it. */
export const RABBIT_STOMP = { host: '127.0.0.1', port: 61613 } as const;

/** Fails (never skips) when the broker is not there: the relay tests need the real one. */
export function requireRabbitStomp(): Promise<void> {
  return requireBroker(RABBITMQ);
}

/** A destination name no other test (or earlier run) uses. */
export function unique(name: string): string {
  return `${name}.${randomBytes(5).toString('hex')}`;
}

/** Starts a server relaying to the local RabbitMQ and waits until the relay is connected. */
export async function startRelayServer(
  t: TestContext,
  options: StompServerOptions = {},
  relay: RelayConfig = {},
): Promise<TestServer> {
  const started = await startServer(t, {
    ...options,
    broker: {
      relay: {
        ...RABBIT_STOMP,
        login: 'guest',
        passcode: 'guest',
        clientLogin: 'guest',
        clientPasscode: 'guest',
        reconnect: { initialDelay: 100, maxDelay: 1000 },
        ...relay,
      },
    },
  });
  await eventually(() => started.server.broker.available, 10_000, 'the relay to connect to RabbitMQ');
  return started;
}
