import type { SimpleBroker } from '../broker/simple-broker.js';
import { StompBrokerRelay } from '../broker/relay/broker-relay.js';
import type { Logger } from '../logger.js';
import type { Message } from '../messaging/message.js';
import type { UserRegistry } from '../messaging/user-destinations.js';
import type { SessionEvents } from './session-events.js';
import type { RelayConfig } from './stomp-server-options.js';
import { UserCluster } from './user-cluster.js';

/** What {@link joinUserCluster} wires the cluster to. */
export interface UserClusterWiring {
  /** The relay's configuration: the broadcast topics and interval. */
  config: RelayConfig | undefined;
  registry: UserRegistry;
  events: SessionEvents;
  /** Delivers a user message from another instance to this instance's sessions. */
  deliverLocally: (message: Message) => void | Promise<void>;
  logger: Logger;
}

/**
 * With a relay, this instance shares user destinations and its user registry with the other
 * instances on the same broker: the cluster is created (not started) and told of every session
 * change. With the simple broker there is no one to share with: undefined.
 */
export function joinUserCluster(
  broker: SimpleBroker | StompBrokerRelay,
  { config, registry, events, deliverLocally, logger }: UserClusterWiring,
): UserCluster | undefined {
  if (!(broker instanceof StompBrokerRelay)) return undefined;
  const cluster = new UserCluster({
    relay: broker,
    registry,
    deliverLocally,
    destinationTopic: config?.userDestinationBroadcast ?? '/topic/switchboard.user-destination',
    registryTopic: config?.userRegistryBroadcast ?? '/topic/switchboard.user-registry',
    registryInterval: config?.userRegistryInterval ?? 10_000,
    logger,
  });
  const changed = (): void => cluster.registryChanged();
  for (const event of ['connect', 'subscribe', 'unsubscribe', 'disconnect'] as const)
    events.on(event, changed);
  return cluster;
}
