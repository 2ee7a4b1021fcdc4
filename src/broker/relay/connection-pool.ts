import type { Logger } from '../../logger.js';
import type { BackoffOptions } from './backoff.js';
import type { PooledConnectionEvents } from './pooled-connection.js';
import { PooledConnection } from './pooled-connection.js';
import type { BrokerAddress } from './relay-options.js';
import type { StompTcpConnectionOptions } from './tcp-connection.js';

/** FNV-1a: a cheap, stable spread of keys over the pool. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The relay's broker connections in shared mode: `size` of them, each keeping itself up. A key
 * (a session id, a destination) always maps to the same connection, so what one session sends
 * stays in order and a broker subscription lives on one connection.
 */
export class ConnectionPool {
  readonly connections: readonly PooledConnection[];

  constructor(
    size: number,
    hosts: readonly BrokerAddress[],
    options: StompTcpConnectionOptions,
    reconnect: BackoffOptions | undefined,
    events: PooledConnectionEvents,
    logger: Logger,
  ) {
    this.connections = Array.from(
      { length: Math.max(1, Math.floor(size)) },
      (_, i) => new PooledConnection(i, hosts, options, reconnect, events, logger),
    );
  }

  /** The connection that carries everything of `key`. */
  forKey(key: string): PooledConnection {
    return this.connections[hash(key) % this.connections.length]!;
  }

  get(index: number): PooledConnection {
    return this.connections[index]!;
  }

  /** Every connection is up. */
  get allUp(): boolean {
    return this.connections.every((c) => c.up);
  }

  /** Sockets open now (connected or connecting). */
  get openCount(): number {
    return this.connections.filter((c) => c.open).length;
  }

  get lastError(): string {
    return this.connections.find((c) => !c.up)?.lastError ?? 'none';
  }

  start(): void {
    for (const connection of this.connections) connection.start();
  }

  stop(): void {
    for (const connection of this.connections) connection.stop();
  }
}
