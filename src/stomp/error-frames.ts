import { ErrorCodes, SwitchboardError } from '../errors.js';
import { CloseCodes } from '../websocket/handler.js';
import type { StompFrame, StompHeaders } from './frame.js';
import { STOMP_VERSIONS, createHeaders } from './frame.js';

export const SUPPORTED_VERSIONS = STOMP_VERSIONS.join(',');

/** What the server answers when a frame (or undecodable bytes) fails: the ERROR frame and the close. */
export interface FailureAnswer {
  readonly code: string;
  /** One sentence naming the problem. */
  readonly summary: string;
  /** False for an unexpected error (a bug, logged at ERROR; the client learns only what failed). */
  readonly known: boolean;
  readonly frame: Omit<StompFrame, 'command'> & { command: 'ERROR' };
  readonly closeCode: number;
}

/**
 * The ERROR frame for a failure: `message` (the first line), `code`, `receipt-id` when the
 * frame asked for a receipt, `version` for a version mismatch, and a text body; then close
 * 1009 for an oversize frame, 1011 for an unexpected error, 1002 otherwise.
 */
export function failureAnswer(error: unknown, frame: StompFrame | undefined): FailureAnswer {
  const known = error instanceof SwitchboardError;
  const code = known ? error.code : ErrorCodes.ERR_HANDLER_FAILED;
  const summary = known
    ? error.message
    : `Failed to process ${frame?.command ?? 'frame'}${frame?.headers.destination ? ` to ${frame.headers.destination}` : ''}`;
  const headers: StompHeaders = createHeaders({
    message: firstLine(summary),
    'content-type': 'text/plain',
    'receipt-id': frame?.headers.receipt,
    version: code === ErrorCodes.ERR_STOMP_UNSUPPORTED_VERSION ? SUPPORTED_VERSIONS : undefined,
    code,
  });
  const details = frame
    ? `\nframe: ${frame.command}${frame.headers.destination ? ` ${frame.headers.destination}` : ''}`
    : '';
  const body = Buffer.from(`${summary}\ncode: ${code}${details}\n`, 'utf8');
  const closeCode =
    code === ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE
      ? CloseCodes.MESSAGE_TOO_BIG
      : known
        ? CloseCodes.PROTOCOL_ERROR
        : CloseCodes.SERVER_ERROR;
  return { code, summary, known, frame: { command: 'ERROR', headers, body }, closeCode };
}

/** The ERROR a draining server sends before close 1001: clients should reconnect elsewhere. */
export function drainingFrame(): Omit<StompFrame, 'command'> & { command: 'ERROR' } {
  return {
    command: 'ERROR',
    headers: createHeaders({
      message: 'Server shutting down; reconnect',
      code: ErrorCodes.ERR_SERVER_DRAINING,
      'content-type': 'text/plain',
    }),
    body: Buffer.from('The server is shutting down. Reconnect (another instance will take you).\n'),
  };
}

/** The first line of a text, at most 256 characters (an ERROR `message` header). */
export function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 256 ? `${line.slice(0, 253)}...` : line;
}

/** A WebSocket close reason: one line, at most 123 bytes. */
export function truncateReason(reason: string): string {
  const line = firstLine(reason);
  if (Buffer.byteLength(line) <= 123) return line;
  let cut = line.slice(0, 120);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}...`;
}
