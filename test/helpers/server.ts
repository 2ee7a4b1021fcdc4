import type { TestContext } from 'node:test';
import type { BrokerRelayStats } from '../../src/broker/relay/broker-relay.js';
import type { SimpleBrokerStats } from '../../src/broker/simple-broker.js';
import type { StompServer, StompServerOptions } from '../../src/index.js';
import { createStompServer } from '../../src/index.js';

export interface TestServer {
  server: StompServer;
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** Starts a STOMP server on 127.0.0.1, port 0, closed when the test ends. */
export async function startServer(t: TestContext, options: StompServerOptions = {}): Promise<TestServer> {
  const server = createStompServer({ heartbeat: [0, 0], ...options });
  const { port, url } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  return { server, url, port, close: () => server.close() };
}

/** Resolves when `predicate` becomes true (polled on each event-loop turn), or rejects after `ms`. */
export async function eventually(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Rejects after `ms` unless `promise` settles first. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The simple broker's counters (fails the test when the server runs a relay). */
export function simpleBrokerStats(server: StompServer): SimpleBrokerStats {
  const stats = server.stats().broker;
  if (stats.kind !== 'simple') throw new Error(`expected the simple broker, found '${stats.kind}'`);
  return stats;
}

/** The relay's counters (fails the test when the server runs the simple broker). */
export function relayStats(server: StompServer): BrokerRelayStats {
  const stats = server.stats().broker;
  if (stats.kind !== 'relay') throw new Error(`expected the relay, found '${stats.kind}'`);
  return stats;
}
