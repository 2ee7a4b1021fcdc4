import type { Logger } from '../logger.js';
import type { MessageChannel } from '../messaging/channel.js';

/** Options of `SimpleBroker`. */
export interface SimpleBrokerOptions {
  /** Where deliveries and CONNECT_ACKs go (the client outbound channel). Required. */
  outbound: MessageChannel;
  /** Destination prefixes served. Default ['/topic/', '/queue/']. */
  prefixes?: readonly string[];
  /** Prefixes with queue semantics (one subscriber per message). Default ['/queue/']. */
  queuePrefixes?: readonly string[];
  /** 'queue' (default): one subscriber per message, round-robin; 'broadcast': Spring's behaviour, every subscriber. */
  queueSemantics?: 'queue' | 'broadcast';
  /** Segment separator of pattern subscriptions: '/' (default) or '.'. */
  pathSeparator?: '/' | '.';
  /** Messages held per queue while nobody can take them; the oldest is dropped past it. Default 1000. */
  maxQueueDepth?: number;
  /** Unacknowledged deliveries per client-ack subscription. Default 1000. */
  maxUnacked?: number;
  /** Times a message may be NACKed before it is dropped. Default 5. */
  maxRedeliveries?: number;
  /** Subscriptions one session may hold. Default 1000. */
  maxSubscriptionsPerSession?: number;
  /** Destinations whose pattern matches are cached. Default 1024. */
  cacheLimit?: number;
  logger?: Logger;
}

/** Counters of the simple broker. */
export interface SimpleBrokerStats {
  sessions: number;
  subscriptions: number;
  destinations: number;
  published: number;
  delivered: number;
  dropped: number;
  queued: number;
}
