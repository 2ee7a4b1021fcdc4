import type { BrokerDropReason } from '../broker/drop-reasons.js';
import { BROKER_DROP_REASONS } from '../broker/drop-reasons.js';
import type { SimpleBrokerStats } from '../broker/simple-broker.js';
import type { SessionStats } from '../websocket/session-stats.js';

/**
 * Why a message was dropped (the `reason` label of `switchboard_messages_dropped_total`): the
 * simple broker's reasons, plus `sendBuffer` (a session's send buffer past sendBufferLimit with
 * overflow 'drop-oldest', or a binary message on a SockJS session) and `noUserSession` (a
 * message to a user with no session).
 */
export type DropReason = BrokerDropReason | 'sendBuffer' | 'noUserSession';

/** Every message the server dropped since start, for whatever reason. */
export interface DroppedMessages {
  /** All reasons together. */
  total: number;
  byReason: Record<DropReason, number>;
}

/** The server's drops, from the broker's (a relay drops nothing itself), the sessions' and the router's counts. */
export function droppedMessages(
  broker: { kind: 'simple' | 'relay' } & Partial<Pick<SimpleBrokerStats, 'droppedByReason'>>,
  sessions: Pick<SessionStats, 'dropped'>,
  noUserSession: number,
): DroppedMessages {
  const byReason = {
    ...(Object.fromEntries(BROKER_DROP_REASONS.map((r) => [r, broker.droppedByReason?.[r] ?? 0])) as Record<
      BrokerDropReason,
      number
    >),
    sendBuffer: sessions.dropped,
    noUserSession,
  };
  let total = 0;
  for (const n of Object.values(byReason)) total += n;
  return { total, byReason };
}
