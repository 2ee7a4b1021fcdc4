import { StompBrokerRelay } from '../broker/relay/broker-relay.js';
import type { SimpleBroker } from '../broker/simple-broker.js';
import type { LogThrottle } from '../logging/log-throttle.js';
import type { StompProtocolHandler } from '../stomp/protocol-handler.js';
import { copyProtocolStats } from '../stomp/protocol-stats.js';
import { droppedMessages } from './dropped-messages.js';
import type { StompServerStats } from './server-stats.js';
import type { WebSocketHandlers } from './websocket-handler-server.js';

/** The parts whose counters make up {@link StompServerStats}. */
export interface StatsSources {
  protocol: StompProtocolHandler;
  transport: WebSocketHandlers;
  broker: SimpleBroker | StompBrokerRelay;
  /** Messages to a user with no session anywhere (the inbound router counts them). */
  droppedNoSession: () => number;
  throttle: LogThrottle;
}

/** A snapshot of every counter of the server, gathered from its parts. */
export function collectStats({
  protocol,
  transport,
  broker,
  droppedNoSession,
  throttle,
}: StatsSources): StompServerStats {
  const bySubscription = protocol.subscriptionsByDestination();
  let count = 0;
  for (const n of bySubscription.values()) count += n;
  const websocket = transport.stats();
  const brokerStats: StompServerStats['broker'] =
    broker instanceof StompBrokerRelay
      ? { kind: 'relay', ...broker.stats }
      : { kind: 'simple', ...broker.stats };
  return {
    sessions: protocol.sessionCount,
    stomp: copyProtocolStats(protocol.stats),
    websocket,
    connections: transport.connectionStats(),
    outboundQueue: protocol.queueDepth(),
    subscriptions: { count, destinations: bySubscription.size },
    broker: brokerStats,
    messagesDropped: droppedMessages(brokerStats, websocket, droppedNoSession()),
    incidents: throttle.stats,
  };
}
