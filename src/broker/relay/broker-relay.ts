import { ErrorCodes, SwitchboardError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { silentLogger } from '../../logger.js';
import type { MessageChannel } from '../../messaging/channel.js';
import { hasPrefix, normalizePrefix } from '../../messaging/destinations.js';
import type { Message } from '../../messaging/message.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import type { Broker, BrokerAvailabilityListener, BrokerFeatures } from '../broker.js';
import { PerSessionRelay } from './per-session-relay.js';
import type { RelayEngine } from './relay-engine.js';
import type { BrokerRelayOptions, BrokerRelayStats } from './relay-options.js';
import { SharedRelay } from './shared-relay.js';

export type {
  BrokerAddress,
  BrokerRelayOptions,
  BrokerRelayStats,
  OutageBufferOptions,
} from './relay-options.js';

/**
 * Relays broker destinations to an external STOMP broker such as RabbitMQ or ActiveMQ, in one
 * of two modes (`mode`): `'shared'` (default: a small pool of connections for the whole
 * instance, shared broker subscriptions, clients that survive a broker restart) or
 * `'per-session'` (Spring's design: a broker connection per client session, with its
 * credentials). Receipts and transactions are the broker's in both.
 */
export class StompBrokerRelay implements Broker {
  readonly prefixes: readonly string[];
  readonly features: BrokerFeatures = { receipts: true, transactions: true };
  /** The mode the relay runs in. */
  readonly mode: 'shared' | 'per-session';
  readonly #engine: RelayEngine;
  readonly #listeners = new Set<BrokerAvailabilityListener>();
  readonly #logger: Logger;
  #lastError = 'not started';

  constructor(options: BrokerRelayOptions & { outbound: MessageChannel; logger?: Logger }) {
    this.#logger = options.logger ?? silentLogger;
    this.prefixes = (options.prefixes ?? ['/topic/', '/queue/']).map(normalizePrefix);
    this.mode = options.mode ?? 'shared';
    if (this.mode !== 'shared' && this.mode !== 'per-session') {
      throw new SwitchboardError(
        ErrorCodes.ERR_INVALID_OPTION,
        `relay.mode must be 'shared' or 'per-session', got '${String(this.mode)}'`,
      );
    }
    const context = {
      outbound: options.outbound,
      logger: this.#logger,
      prefixes: this.prefixes,
      setAvailable: (available: boolean, reason?: string) => this.#notify(available, reason),
    };
    this.#engine =
      this.mode === 'shared' ? new SharedRelay(options, context) : new PerSessionRelay(options, context);
  }

  get available(): boolean {
    return this.#engine.available;
  }

  /** Why the broker was last unavailable (e.g. `connect ECONNREFUSED 127.0.0.1:61613`), for messages. */
  get unavailableReason(): string {
    return this.#lastError;
  }

  get stats(): BrokerRelayStats {
    return this.#engine.stats;
  }

  matches(destination: string): boolean {
    return hasPrefix(destination, this.prefixes);
  }

  onAvailabilityChange(listener: BrokerAvailabilityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Connects (and keeps reconnecting until {@link stop}). */
  start(): void {
    this.#engine.start();
  }

  /** Closes every broker connection and stops reconnecting. */
  stop(): void {
    this.#engine.stop();
  }

  /** Relays a client frame (or an application message) to the broker. */
  handleMessage(message: Message): void | Promise<void> {
    return this.#engine.handleMessage(message);
  }

  /**
   * Subscribes the instance to `destination` for its own use (cluster traffic); the
   * subscription is renewed after every reconnect. Returns a function that ends it.
   */
  subscribeSystem(destination: string, onMessage: (frame: StompFrame) => void): () => void {
    return this.#engine.subscribeSystem(destination, onMessage);
  }

  /**
   * Publishes as the instance. Per-session mode throws when the broker is unavailable; shared
   * mode holds the message in the outage buffer and throws only when that is full.
   */
  publishSystem(destination: string, headers: StompHeaders, body: Buffer): void {
    this.#engine.publishSystem(destination, headers, body);
  }

  #notify(available: boolean, reason?: string): void {
    if (!available && reason !== undefined) this.#lastError = reason;
    for (const listener of this.#listeners) {
      try {
        listener(available, reason);
      } catch (error) {
        this.#logger.warn('A broker availability listener failed', { error });
      }
    }
  }
}
