import type http from 'node:http';
import type https from 'node:https';
import type { Broker } from '../broker/broker.js';
import type { LogThrottle } from '../logging/log-throttle.js';
import type { StompProtocolHandler } from '../stomp/protocol-handler.js';
import type { StompEndpoint } from './stomp-endpoint.js';
import type { UserCluster } from './user-cluster.js';

/** What a shutdown stops, in the order it stops them. */
export interface ShutdownParts {
  endpoint: StompEndpoint;
  protocol: StompProtocolHandler;
  cluster: UserCluster | undefined;
  broker: Broker;
  stopStatsLogging: () => void;
  /** The server's logger; closed last, so the shutdown itself is logged. */
  throttle: LogThrottle;
}

/**
 * The server's graceful `drain()` and its `close()`: both happen once, whichever is called first
 * or however often (every later call gets the same promise).
 */
export class ServerShutdown {
  readonly #parts: ShutdownParts;
  #closing: Promise<void> | undefined;

  constructor(parts: ShutdownParts) {
    this.#parts = parts;
  }

  /**
   * Stops accepting, then tells each session to go (at a random moment within `spread` ms),
   * waits until they have gone or `timeout` ms have passed, then closes.
   */
  async drain({
    spread = 5000,
    timeout = 30_000,
  }: { spread?: number; timeout?: number } = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const { endpoint, protocol, throttle } = this.#parts;
    endpoint.transport.gate.close();
    if (endpoint.ownServer && endpoint.httpServer.listening) endpoint.httpServer.close();
    throttle.info('Draining', { sessions: protocol.sessionCount, spread, timeout });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      protocol.drain(Math.min(spread, timeout)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout))),
    ]);
    clearTimeout(timer);
    return this.close();
  }

  /** Closes every session with 1001, the transports, the cluster, the broker, then our HTTP server. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const { endpoint, protocol, cluster, broker, stopStatsLogging, throttle } = this.#parts;
    const { ownServer, httpServer } = endpoint;
    const serverClosed = ownServer && httpServer.listening ? closeHttpServer(httpServer) : Promise.resolve();
    stopStatsLogging();
    protocol.closeAll();
    await endpoint.transport.close();
    cluster?.stop();
    await Promise.resolve(broker.stop());
    if (ownServer) httpServer.closeAllConnections();
    await serverClosed;
    throttle.close();
  }
}

function closeHttpServer(server: http.Server | https.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
