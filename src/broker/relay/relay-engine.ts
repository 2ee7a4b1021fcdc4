import type { Logger } from '../../logger.js';
import type { MessageChannel, MessageHandler } from '../../messaging/channel.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import type { BrokerRelayStats } from './relay-options.js';

/** What a relay mode gets from the {@link StompBrokerRelay} facade. */
export interface RelayContext {
  readonly outbound: MessageChannel;
  readonly logger: Logger;
  /** Destination prefixes relayed to the broker (normalised). */
  readonly prefixes: readonly string[];
  /** The relay's availability changed (the facade tells its listeners). */
  readonly setAvailable: (available: boolean, reason?: string) => void;
}

/** One way of relaying: shared connections or a connection per session. */
export interface RelayEngine extends MessageHandler {
  readonly available: boolean;
  readonly stats: BrokerRelayStats;
  start(): void;
  stop(): void;
  subscribeSystem(destination: string, onMessage: (frame: StompFrame) => void): () => void;
  publishSystem(destination: string, headers: StompHeaders, body: Buffer): void;
}
