/** Small steps every part of the protocol handler shares: read a client frame, answer it, close. */
import type { Message, MessageHeaders, MessageType } from '../messaging/message.js';
import { attachSessionAttributes } from '../messaging/session-attributes.js';
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

const NO_BODY = Buffer.alloc(0);

/** A message from a session: its id, user and attributes, plus the given headers (one object, no copies). */
export function sessionMessage(
  connection: StompConnection,
  type: MessageType,
  headers: Partial<Omit<MessageHeaders, 'type' | 'sessionId' | 'user' | 'sessionAttributes'>> &
    Pick<MessageHeaders, 'nativeHeaders'>,
  payload?: Buffer,
): Message {
  // Object.assign onto a literal, not `{ ...headers, type, ... }`: V8 (11.x) gives an object made
  // by a spread a slow path for every property added after it (see createMessage).
  const all: MessageHeaders = Object.assign(
    { type, sessionId: connection.id, user: connection.user },
    headers,
  );
  attachSessionAttributes(all, connection.session);
  return { headers: all, payload: payload ?? NO_BODY };
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
