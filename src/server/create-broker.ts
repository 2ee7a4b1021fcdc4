import { StompBrokerRelay } from '../broker/relay/broker-relay.js';
import { SimpleBroker } from '../broker/simple-broker.js';
import type { Logger } from '../logger.js';
import type { MessageChannel } from '../messaging/channel.js';
import type { ResolvedOptions } from './resolve-options.js';

/**
 * The broker the options ask for: a relay to an external STOMP broker when `broker.relay` is
 * set, otherwise the embedded simple broker, whose defaults follow the server's limits and
 * path separator (its own options win). Either one delivers to clients through `outbound`.
 */
export function createBroker(
  options: Pick<ResolvedOptions, 'relay' | 'simpleBroker' | 'separator' | 'limits'>,
  outbound: MessageChannel,
  logger: Logger,
): SimpleBroker | StompBrokerRelay {
  if (options.relay !== undefined) return new StompBrokerRelay({ ...options.relay, outbound, logger });
  return new SimpleBroker({
    pathSeparator: options.separator,
    maxSubscriptionsPerSession: options.limits.maxSubscriptionsPerSession,
    pendingOverflow: options.limits.overflow,
    ...options.simpleBroker,
    outbound,
    logger,
  });
}
