import type tls from 'node:tls';
import type { BackoffOptions } from './backoff.js';

/** One broker address (a RabbitMQ cluster node, an ActiveMQ instance). */
export interface BrokerAddress {
  host: string;
  /** STOMP port. Default 61613. */
  port?: number;
}

/** Limits of the buffer that holds SENDs while the broker is away (shared mode). */
export interface OutageBufferOptions {
  /** Frames held at most, over all sessions. Default 10000. */
  maxMessages?: number;
  /** Bytes (bodies plus headers) held at most. Default 16 MiB. */
  maxBytes?: number;
  /** How long a frame may wait for the broker, ms. Default 30000. */
  maxAge?: number;
}

/** Options of {@link StompBrokerRelay}: where the broker is and how to talk to it. */
export interface BrokerRelayOptions {
  /**
   * `'shared'` (default): a small pool of broker connections carries every session; local
   * subscriptions that can share one broker subscription do; clients survive a broker restart.
   * `'per-session'`: one broker connection per client session, with the client's (or
   * `clientLogin`'s) credentials, for deployments where the broker checks each user itself.
   */
  mode?: 'shared' | 'per-session';
  /** Broker host. Default '127.0.0.1'. Ignored when `hosts` is set. */
  host?: string;
  /** Broker STOMP port. Default 61613. Ignored when `hosts` is set. */
  port?: number;
  /**
   * Several broker addresses (a cluster's nodes): the first that answers is used; when a
   * connection is lost (or refused) the next one is tried, in turn. Default: `[{ host, port }]`.
   */
  hosts?: readonly BrokerAddress[];
  /** Login of the instance's own connections (all of them in shared mode). Default 'guest'. */
  login?: string;
  /** Passcode of the instance's own connections. Default 'guest'. Never logged. */
  passcode?: string;
  /**
   * Per-session mode: login used for every client session's broker connection. Default: the
   * client's own CONNECT `login` (the broker decides what an anonymous client may do).
   */
  clientLogin?: string;
  /** Per-session mode: passcode used with `clientLogin`. Default: the client's CONNECT `passcode`. */
  clientPasscode?: string;
  /** The CONNECT `host` header: RabbitMQ's virtual host. Default '/'. */
  virtualHost?: string;
  /** Heart-beat offered to the broker `[send, receive]` ms, on every connection. Default [10000, 10000]. */
  heartbeat?: readonly [number, number];
  /** Destination prefixes relayed to the broker. Default ['/topic/', '/queue/']. */
  prefixes?: readonly string[];
  /** TLS to the broker: true, or `tls.connect` options. Default off. */
  tls?: boolean | tls.ConnectionOptions;
  /** Time to get CONNECTED from the broker, ms. Default 10000. */
  connectTimeout?: number;
  /** Reconnect delays. Default 500 ms doubling to 5 s, with jitter. */
  reconnect?: BackoffOptions;
  /**
   * Per-session mode: queue arguments added when a user destination under `/queue/` is
   * subscribed or sent to, so a session's queue (`/queue/x-user<session>`) does not outlive it
   * on the broker. Default `{ 'x-expires': '60000' }` (RabbitMQ deletes it a minute after its
   * last use). Shared mode keeps user destinations inside the instance and needs no queue.
   */
  userQueueHeaders?: Record<string, string>;
  /** Largest frame accepted from the broker. Default 16 MiB. */
  maxFrameSize?: number;
  /** Shared mode: broker connections per instance. Default 2. */
  poolSize?: number;
  /**
   * Shared mode: prefixes whose destinations deliver every message to every subscriber, so
   * local subscriptions to one of them can share a broker subscription. Default ['/topic/']
   * (RabbitMQ's `/exchange/` behaves the same and may be added).
   */
  sharedPrefixes?: readonly string[];
  /**
   * Shared mode: how long a shared broker subscription outlives its last local subscriber,
   * ms, so subscribe/unsubscribe churn does not thrash the broker. Default 1000.
   */
  subscriptionLinger?: number;
  /** Shared mode: what SENDs may wait while the broker is away. See {@link OutageBufferOptions}. */
  outageBuffer?: OutageBufferOptions;
  /**
   * Unacknowledged deliveries remembered per session (client ack modes; in per-session mode only
   * for STOMP 1.0/1.1 clients, whose `message-id` acks are translated to the broker's ack ids);
   * past it the oldest is forgotten (counted as dropped, reason `ackMapOverflow`). Default 10000.
   */
  maxUnackedPerSession?: number;
}

/** Counters of the relay. */
export interface BrokerRelayStats {
  /** Which mode the relay runs in. */
  mode: 'shared' | 'per-session';
  /** The relay can reach the broker now (every pool connection is up in shared mode). */
  connected: boolean;
  /** Client sessions the relay serves now. */
  sessions: number;
  /** Broker connections open now. */
  connections: number;
  /** Times a broker connection was re-established after a loss. */
  reconnects: number;
  /** Frames sent to the broker. */
  toBroker: number;
  /** Frames received from the broker. */
  fromBroker: number;
  /** Shared mode: broker subscriptions now (shared and own). */
  brokerSubscriptions: number;
  /** Shared mode: client subscriptions the relay serves now (user destinations included). */
  localSubscriptions: number;
  /** Shared mode: the broker outage now (`since`: epoch ms, or undefined) and how many there were. */
  outage: { active: boolean; since: number | undefined; count: number };
  /** Shared mode: what waits for the broker: frames, bytes, and the oldest one's age in ms. */
  outageBuffer: { messages: number; bytes: number; oldestAgeMs: number };
  /** What the relay dropped, by reason (never silently). */
  dropped: Record<string, number>;
}
