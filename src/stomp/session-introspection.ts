import type { Session } from '../websocket/handler.js';
import type { StompConnection } from './stomp-connection.js';

/** One live STOMP session as the admin view shows it. */
export interface StompSessionInfo {
  id: string;
  user: string | undefined;
  transport: Session['transport'];
  remoteAddress: string | undefined;
  state: StompConnection['state'];
  version: string | undefined;
  openedAt: number;
  /** Subscription id → destination. */
  subscriptions: Record<string, string>;
  /** Bytes queued for the client. */
  buffered: number;
}

/** Bytes queued for clients: the largest one session holds, and the sum. */
export function queueDepth(connections: Iterable<StompConnection>): { max: number; total: number } {
  let max = 0;
  let total = 0;
  for (const connection of connections) {
    const buffered = connection.session.bufferedAmount;
    total += buffered;
    if (buffered > max) max = buffered;
  }
  return { max, total };
}

/** Subscriptions now, per destination as clients wrote it. */
export function subscriptionsByDestination(connections: Iterable<StompConnection>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const connection of connections) {
    for (const destination of connection.subscriptionsHeld.values())
      counts.set(destination, (counts.get(destination) ?? 0) + 1);
  }
  return counts;
}

/** The sessions, for the admin view. */
export function describeSessions(connections: Iterable<StompConnection>): StompSessionInfo[] {
  return [...connections].map((c) => ({
    id: c.id,
    user: c.user?.name,
    transport: c.session.transport,
    remoteAddress: c.session.remoteAddress,
    state: c.state,
    version: c.version,
    openedAt: c.openedAt,
    subscriptions: Object.fromEntries(c.subscriptionsHeld),
    buffered: c.session.bufferedAmount,
  }));
}
