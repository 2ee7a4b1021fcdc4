import type { BrokerRelayStats } from '../broker/relay/broker-relay.js';
import type { SimpleBrokerStats } from '../broker/simple-broker.js';
import type { Logger } from '../logger.js';
import type { IncidentStats } from '../logging/log-throttle.js';
import type { DroppedMessages } from './dropped-messages.js';
import type { StompProtocolStats } from '../stomp/protocol-stats.js';
import type { SessionStats } from '../websocket/session-stats.js';

/** A snapshot of the server's counters (Spring's `WebSocketMessageBrokerStats`, and more). */
export interface StompServerStats {
  /** Live STOMP sessions. */
  sessions: number;
  /** STOMP frames, sessions by transport, closes by cause, frames and bytes in and out. */
  stomp: StompProtocolStats;
  /** Send path of WebSocket sessions: messages, bytes, drops and limit breaches. */
  websocket: SessionStats;
  /** Connections open now, and refused by a cap (maxConnections, per address, SockJS maxSessions). */
  connections: { open: number; refused: number };
  /** Bytes queued for clients now: the largest one session holds, and the sum. */
  outboundQueue: { max: number; total: number };
  /** Client subscriptions now, and the distinct destinations they name. */
  subscriptions: { count: number; destinations: number };
  /** The simple broker's counters, or the relay's (`kind` tells which). */
  broker: ({ kind: 'simple' } & SimpleBrokerStats) | ({ kind: 'relay' } & BrokerRelayStats);
  /** Messages dropped since start, by reason (broker limits, send buffers, no user session). */
  messagesDropped: DroppedMessages;
  /** Conditions clients caused (refusals, protocol errors, limits, drops) by cause, and log lines summarised. */
  incidents: IncidentStats;
}

const KiB = 1024;

function bytes(n: number): string {
  return n < KiB
    ? `${n} B`
    : n < KiB * KiB
      ? `${(n / KiB).toFixed(1)} KiB`
      : `${(n / KiB / KiB).toFixed(1)} MiB`;
}

function nonZero(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** One line for the log, e.g. `sessions 12 (websocket 10, xhr_streaming 2), 40 since start; ...`. */
export function formatStats(stats: StompServerStats): string {
  const s = stats.stomp;
  const total = Object.values(s.sessions.total).reduce((a, b) => a + b, 0);
  const broker =
    stats.broker.kind === 'simple'
      ? `simple broker: published ${stats.broker.published}, delivered ${stats.broker.delivered}, dropped ${stats.broker.dropped}`
      : `relay: ${stats.broker.connected ? 'connected' : 'DISCONNECTED'}, ${stats.broker.connections} broker connections, ` +
        `reconnects ${stats.broker.reconnects}, to broker ${stats.broker.toBroker}, from broker ${stats.broker.fromBroker}`;
  return (
    `sessions ${stats.sessions} (${nonZero(s.sessions.current)}), ${total} since start; ` +
    `CONNECT ${s.connect}, CONNECTED ${s.connected}, DISCONNECT ${s.disconnect}, ERROR ${s.errors}; ` +
    `closed: ${nonZero(s.closes)}; ` +
    `frames in ${s.framesIn} (${bytes(s.bytesIn)}), out ${s.framesOut} (${bytes(s.bytesOut)}); ` +
    `subscriptions ${stats.subscriptions.count} on ${stats.subscriptions.destinations} destinations; ` +
    `outbound queue max ${bytes(stats.outboundQueue.max)}, total ${bytes(stats.outboundQueue.total)}; ` +
    `connections refused ${stats.connections.refused}; ${broker}; ` +
    `messages dropped: ${nonZero(stats.messagesDropped.byReason)}`
  );
}

/**
 * Logs {@link formatStats} at INFO every `period` ms, the first time after a minute (or the
 * period, if shorter), as Spring does. Returns a function that stops it; `period` 0: never.
 */
export function logStatsPeriodically(
  stats: () => StompServerStats,
  logger: Logger,
  period: number,
): () => void {
  if (period <= 0) return () => {};
  const log = (): void => logger.info(`Stats: ${formatStats(stats())}`);
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(
    () => {
      log();
      interval = setInterval(log, period);
      interval.unref();
    },
    Math.min(60_000, period),
  );
  first.unref();
  return () => {
    clearTimeout(first);
    clearInterval(interval);
  };
}
