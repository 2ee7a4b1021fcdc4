import type { Logger } from '../logger.js';
import type { MessageChannel } from '../messaging/channel.js';
import type { BrokerDropReason } from './drop-reasons.js';
import type { QueueOverflowPolicy } from './held-queues.js';
import type { PendingOverflowPolicy } from './pending-deliveries.js';

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
  /** Messages held per queue while nobody can take them; past it `queueOverflow` applies. Default 1000. */
  maxQueueDepth?: number;
  /**
   * What a publish to a queue at `maxQueueDepth` does: 'drop-oldest' (default; RabbitMQ's
   * default `drop-head`) drops the queue's oldest message, counted; 'reject' (RabbitMQ's
   * `reject-publish`) refuses the new one: a client gets ERROR `ERR_BROKER_QUEUE_FULL` naming the
   * queue and the limit, a template publish a rejected promise.
   */
  queueOverflow?: QueueOverflowPolicy;
  /**
   * Unacknowledged deliveries per client-ack subscription (a prefetch limit): at it, the
   * subscription gets nothing more until it ACKs or NACKs. Default 1000.
   */
  maxUnacked?: number;
  /**
   * Topic messages that wait per client-ack subscription while `maxUnacked` are outstanding;
   * past it `pendingOverflow` applies. Default 1000.
   */
  maxPending?: number;
  /**
   * What a subscription past `maxPending` does: 'terminate' (default) sends its session ERROR
   * `ERR_LIMIT_PENDING` naming the limits, then closes it; 'drop-oldest' drops the oldest
   * waiting message, counted. The server defaults it to `limits.overflow`.
   */
  pendingOverflow?: PendingOverflowPolicy;
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
  /** Messages dropped, all reasons together. */
  dropped: number;
  /** Messages dropped, by reason. */
  droppedByReason: Record<BrokerDropReason, number>;
  /** Messages held in queues now. */
  queued: number;
  /** Topic messages waiting for client-ack subscribers' acknowledgements now. */
  pending: number;
}
