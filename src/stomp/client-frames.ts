/** Small steps every part of the protocol handler shares: read a client frame, answer it, close. */
import type { Message, MessageHeaders, MessageType } from '../messaging/message.js';
import { createMessage } from '../messaging/message.js';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { StompFrame } from './frame.js';
import { createFrame } from './frame.js';
import { toOutbound } from './outbound-encoder.js';
import { truncateReason } from './error-frames.js';
import type { StompConnection } from './stomp-connection.js';

/** The value of a header the frame must carry (non-empty), or ERR_STOMP_MISSING_HEADER. */
export function requireHeader(frame: StompFrame, header: string): string {
  const value = frame.headers[header];
  if (value === undefined || value === '') {
    throw new StompProtocolError(
      ErrorCodes.ERR_STOMP_MISSING_HEADER,
      `${frame.command} frame is missing the required '${header}' header`,
    );
  }
  return value;
}

/** A message from a session: its id, user and attributes, plus the given headers. */
export function sessionMessage(
  connection: StompConnection,
  type: MessageType,
  headers: Partial<Omit<MessageHeaders, 'type' | 'sessionId' | 'user' | 'sessionAttributes'>>,
  payload?: Buffer,
): Message {
  return createMessage(
    {
      type,
      sessionId: connection.id,
      user: connection.user,
      sessionAttributes: connection.session.attributes,
      ...headers,
    },
    payload,
  );
}

/** Writes a RECEIPT for `receiptId` while the session is open. */
export function writeReceipt(connection: StompConnection, receiptId: string): void {
  if (!connection.isOpen) return;
  const frame = createFrame('RECEIPT', { 'receipt-id': receiptId });
  connection.write(toOutbound(frame, connection.version));
}

/** Stops the connection's timers and closes its transport session. */
export function closeConnection(connection: StompConnection, code: number, reason: string): void {
  connection.dispose();
  connection.session.close(code, truncateReason(reason));
}
