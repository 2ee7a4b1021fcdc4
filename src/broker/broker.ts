import type { MessageHandler } from '../messaging/channel.js';

/** Listener for broker availability changes (Spring's `BrokerAvailabilityEvent`). */
export type BrokerAvailabilityListener = (available: boolean, reason?: string) => void;

/**
 * The replaceable broker (simple in-memory or relay). It subscribes to the client inbound
 * channel (for broker-prefixed destinations and session lifecycle messages) and to the broker
 * channel (messages the application publishes), and sends what clients must receive to the
 * client outbound channel.
 *
 * Protocol errors (an ACK of an unknown message, a duplicate subscription id) are thrown
 * from `handleMessage` as `StompProtocolError`; the protocol handler turns them into ERROR frames.
 */
export interface Broker extends MessageHandler {
  /** Destination prefixes this broker serves, e.g. ['/topic/', '/queue/']. */
  readonly prefixes: readonly string[];
  /** What the broker does itself; the protocol handler does the rest (see {@link BrokerFeatures}). */
  readonly features: BrokerFeatures;
  /** Whether the broker can take messages now. */
  readonly available: boolean;
  /** True when `destination` falls under one of `prefixes`. */
  matches(destination: string): boolean;
  /** Adds an availability listener; returns a function that removes it. */
  onAvailabilityChange(listener: BrokerAvailabilityListener): () => void;
  /** Starts the broker (the relay connects); availability listeners hear when it is ready. */
  start(): void | Promise<void>;
  /** Stops the broker: sessions forgotten, connections closed, timers cleared. */
  stop(): void | Promise<void>;
}

/**
 * Which STOMP duties the broker performs itself. The simple broker leaves receipts and
 * transactions to the protocol handler; a relay passes them to the real broker.
 */
export interface BrokerFeatures {
  /** The broker answers `receipt` headers itself. */
  readonly receipts: boolean;
  /** The broker applies BEGIN/COMMIT/ABORT itself. */
  readonly transactions: boolean;
}
