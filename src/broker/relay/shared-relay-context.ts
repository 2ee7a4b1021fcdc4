import type { Message } from '../../messaging/message.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import type { ConnectionPool } from './connection-pool.js';
import type { OutageBuffer } from './outage-buffer.js';
import type { FrameOrigin } from './pooled-connection.js';
import type { RelayContext } from './relay-engine.js';
import type { SharedSession } from './shared-session.js';
import type { BrokerSubscription, SharedSubscriptions } from './shared-subscriptions.js';

/** A frame on its way to the broker (or waiting in the outage buffer for it). */
export interface OutgoingFrame {
  readonly command: StompFrame['command'];
  readonly headers: StompHeaders;
  readonly body: Buffer;
  readonly origin: FrameOrigin;
}

/** A subscription of the application's own (cluster topics), on connection 0. */
export interface SystemSubscription {
  readonly id: string;
  readonly destination: string;
  readonly onMessage: (frame: StompFrame) => void;
}

/** Frames counted for the relay's stats. */
export interface RelayCounters {
  reconnects: number;
  toBroker: number;
  fromBroker: number;
}

/**
 * What the parts of shared mode ({@link SharedFrames}, {@link SharedAcks},
 * {@link BrokerDeliveries}, {@link OutageRecovery}, {@link attributeBrokerError},
 * {@link relayTransaction}) need from the relay: its state and its sending. `SharedRelay`
 * provides it and composes the parts, so the parts never depend on the relay itself (nor on
 * each other through it: a part that needs another gets it in its constructor).
 */
export interface SharedRelayContext {
  readonly pool: ConnectionPool;
  readonly subscriptions: SharedSubscriptions;
  readonly buffer: OutageBuffer<OutgoingFrame>;
  readonly sessions: Map<string, SharedSession>;
  /** The application's own subscriptions, by broker id. */
  readonly system: ReadonlyMap<string, SystemSubscription>;
  /** The most unacknowledged deliveries a session may hold. */
  readonly maxUnacked: number;
  readonly context: RelayContext;
  /** This relay's prefix of the ids it makes up. */
  readonly idPrefix: string;
  readonly counters: RelayCounters;
  /** The relay was connected once, so an outage now is one it will recover from. */
  readonly everUp: boolean;
  /** A unique id for a delivery (its `message-id`, and its `ack` in client ack modes). */
  nextId(): string;
  /** Counts a dropped frame by reason. */
  count(reason: string): void;
  /** Sends on pool connection `index`, or buffers while it is away (throws when it cannot). */
  send(index: number, sessionId: string | undefined, frame: OutgoingFrame): void;
  /** Sends now if connection `index` is up; false otherwise. */
  sendNow(index: number, frame: OutgoingFrame): boolean;
  /** The application's own publish, on connection 0. */
  publishSystem(destination: string, headers: StompHeaders, body: Buffer): void;
  /** SUBSCRIBE for a broker subscription, if its connection is up (else on reconnect). */
  subscribeOnBroker(subscription: BrokerSubscription): void;
  /** SUBSCRIBE for a system subscription (always on connection 0). */
  subscribeSystemOnBroker(subscription: SystemSubscription): void;
  /** Hands a message to the client outbound channel. */
  deliver(message: Message): void;
  /** Answers a client's receipt (if the session is still here). */
  receipt(sessionId: string, receiptId: string): void;
  /** Tells a client why it is closed and forgets it. */
  failSession(sessionId: string, message: string, body: Buffer, extra?: StompHeaders): void;
  /** A session ended: its subscriptions released, transactions aborted, buffered frames dropped. */
  closeSession(sessionId: string): void;
  /** Whether `destination` is relayed and can share a broker subscription. */
  shareable(destination: string, headers: StompHeaders): boolean;
  /** Whether a destination is relayed at all. */
  relays(destination: string): boolean;
  /** The session a user-destination message is for, if it is here. */
  userSession(destination: string): SharedSession | undefined;
}
