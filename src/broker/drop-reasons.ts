/** Why the simple broker dropped a message (the `reason` label of `switchboard_messages_dropped_total`). */
export type BrokerDropReason =
  /** Waiting for a client-ack subscriber past `maxPending` (pendingOverflow 'drop-oldest' or 'terminate'). */
  | 'pendingOverflow'
  /** The oldest message of a queue past `maxQueueDepth` (queueOverflow 'drop-oldest'). */
  | 'queueOverflow'
  /** A publish to a queue at `maxQueueDepth`, refused with an error (queueOverflow 'reject'). */
  | 'queueRejected'
  /** NACKed more than `maxRedeliveries` times. */
  | 'redeliveryLimit'
  /** Waiting for a subscription or a session's user queue that ended before it was delivered. */
  | 'subscriberGone';

/** Every {@link BrokerDropReason}, in a stable order. */
export const BROKER_DROP_REASONS: readonly BrokerDropReason[] = [
  'pendingOverflow',
  'queueOverflow',
  'queueRejected',
  'redeliveryLimit',
  'subscriberGone',
];

/** Messages dropped, per reason; the broker's parts share one and add to it. */
export type DropCounts = Record<BrokerDropReason, number>;

/** A zero count per reason. */
export function createDropCounts(): DropCounts {
  return Object.fromEntries(BROKER_DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}
