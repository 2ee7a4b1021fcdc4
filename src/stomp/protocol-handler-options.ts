import type { MessageChannel } from '../messaging/channel.js';
import type { Message } from '../messaging/message.js';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { Session } from '../websocket/handler.js';
import type { UserRefresher } from './session-expiry.js';

/** Options of the STOMP protocol handler (`StompProtocolHandler`). */
export interface StompProtocolHandlerOptions {
  /** Where client frames go, as messages (the client inbound channel). */
  inbound: MessageChannel;
  /** Limits (frame size, header count, timeouts). */
  limits: Limits;
  /** Heart-beat the server offers `[send, receive]`, ms. Default [10000, 10000]; [0, 0] turns it off. */
  heartbeat?: readonly [number, number];
  /** A client silent for this many times its receive interval is closed. Default 3. */
  heartbeatGrace?: number;
  /** Value of the CONNECTED `server` header. */
  serverName?: string;
  /** True when the broker answers the `receipt` of this message itself (a relay). Default: never. */
  brokerHandlesReceipt?: (message: Message) => boolean;
  /** True when the broker applies transactions itself (a relay). Default false. */
  brokerHandlesTransactions?: boolean;
  /** Called once a session is established (CONNECTED sent). */
  onConnected?: (session: Session) => void;
  /** Most transactions one session may have open. Default 16. */
  maxTransactions?: number;
  /** Most frames one transaction may hold. Default 1000. */
  maxTransactionFrames?: number;
  /** Called when a user's `expiresAt` passes; may return the same user with a later expiry. */
  refreshUser?: UserRefresher;
  logger?: Logger;
}
