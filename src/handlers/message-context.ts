import type { Message, Principal } from '../messaging/message.js';
import type { StompHeaders } from '../stomp/frame.js';

/**
 * The one argument an application handler receives: the converted payload, the destination
 * variables, the STOMP headers, and who sent it.
 */
export interface MessageContext<P = unknown, Params extends Record<string, string> = Record<string, string>> {
  /** The payload converted by content-type (JSON value, string or Buffer). */
  readonly payload: P;
  /** Variables captured from the destination pattern (`chat.{room}` → `{ room }`). */
  readonly params: Params;
  /** STOMP headers of the frame as sent by the client. */
  readonly headers: StompHeaders;
  /** The full destination, including the application prefix. */
  readonly destination: string;
  /** The destination with the application prefix removed (what patterns are matched against). */
  readonly lookupDestination: string;
  readonly user: Principal | undefined;
  readonly sessionId: string | undefined;
  readonly sessionAttributes: Map<string, unknown>;
  /** The raw message. */
  readonly message: Message;
}
