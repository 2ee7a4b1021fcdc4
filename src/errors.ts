/**
 * The error catalog: every error Switchboard raises carries a stable `code`.
 * Tests and applications match on codes, never on message text.
 */
export const ErrorCodes = {
  // STOMP codec and protocol
  ERR_STOMP_FRAME_TOO_LARGE: 'ERR_STOMP_FRAME_TOO_LARGE',
  ERR_STOMP_TOO_MANY_HEADERS: 'ERR_STOMP_TOO_MANY_HEADERS',
  ERR_STOMP_HEADER_TOO_LONG: 'ERR_STOMP_HEADER_TOO_LONG',
  ERR_STOMP_UNKNOWN_COMMAND: 'ERR_STOMP_UNKNOWN_COMMAND',
  ERR_STOMP_MALFORMED_HEADER: 'ERR_STOMP_MALFORMED_HEADER',
  ERR_STOMP_INVALID_ESCAPE: 'ERR_STOMP_INVALID_ESCAPE',
  ERR_STOMP_INVALID_CONTENT_LENGTH: 'ERR_STOMP_INVALID_CONTENT_LENGTH',
  ERR_STOMP_MISSING_NUL: 'ERR_STOMP_MISSING_NUL',
  ERR_STOMP_INVALID_EOL: 'ERR_STOMP_INVALID_EOL',
  ERR_STOMP_BODY_NOT_ALLOWED: 'ERR_STOMP_BODY_NOT_ALLOWED',
  ERR_STOMP_NOT_CONNECTED: 'ERR_STOMP_NOT_CONNECTED',
  ERR_STOMP_ALREADY_CONNECTED: 'ERR_STOMP_ALREADY_CONNECTED',
  ERR_STOMP_UNSUPPORTED_VERSION: 'ERR_STOMP_UNSUPPORTED_VERSION',
  ERR_STOMP_MISSING_HEADER: 'ERR_STOMP_MISSING_HEADER',
  ERR_STOMP_INVALID_HEADER: 'ERR_STOMP_INVALID_HEADER',
  ERR_STOMP_DUPLICATE_SUBSCRIPTION: 'ERR_STOMP_DUPLICATE_SUBSCRIPTION',
  ERR_STOMP_UNKNOWN_SUBSCRIPTION: 'ERR_STOMP_UNKNOWN_SUBSCRIPTION',
  ERR_STOMP_UNKNOWN_ACK: 'ERR_STOMP_UNKNOWN_ACK',
  ERR_STOMP_UNKNOWN_TRANSACTION: 'ERR_STOMP_UNKNOWN_TRANSACTION',
  ERR_STOMP_DUPLICATE_TRANSACTION: 'ERR_STOMP_DUPLICATE_TRANSACTION',
  ERR_STOMP_HEARTBEAT_TIMEOUT: 'ERR_STOMP_HEARTBEAT_TIMEOUT',
  ERR_STOMP_BINARY_NOT_SUPPORTED: 'ERR_STOMP_BINARY_NOT_SUPPORTED',
  // Messaging
  ERR_MESSAGE_REJECTED: 'ERR_MESSAGE_REJECTED',
  ERR_NO_HANDLER: 'ERR_NO_HANDLER',
  ERR_HANDLER_FAILED: 'ERR_HANDLER_FAILED',
  ERR_HANDLER_TIMEOUT: 'ERR_HANDLER_TIMEOUT',
  ERR_DESTINATION_NOT_ALLOWED: 'ERR_DESTINATION_NOT_ALLOWED',
  ERR_INVALID_PATTERN: 'ERR_INVALID_PATTERN',
  ERR_AMBIGUOUS_HANDLER: 'ERR_AMBIGUOUS_HANDLER',
  // Broker
  ERR_BROKER_QUEUE_FULL: 'ERR_BROKER_QUEUE_FULL',
  ERR_BROKER_UNAVAILABLE: 'ERR_BROKER_UNAVAILABLE',
  ERR_BROKER_REFUSED: 'ERR_BROKER_REFUSED',
  // Limits and sessions
  ERR_LIMIT_SEND_BUFFER: 'ERR_LIMIT_SEND_BUFFER',
  ERR_LIMIT_SEND_TIME: 'ERR_LIMIT_SEND_TIME',
  ERR_LIMIT_MESSAGE_SIZE: 'ERR_LIMIT_MESSAGE_SIZE',
  ERR_SESSION_CLOSED: 'ERR_SESSION_CLOSED',
  ERR_LIMIT_RATE: 'ERR_LIMIT_RATE',
  ERR_LIMIT_SUBSCRIPTIONS: 'ERR_LIMIT_SUBSCRIPTIONS',
  ERR_LIMIT_PENDING: 'ERR_LIMIT_PENDING',
  ERR_LIMIT_CONNECTIONS: 'ERR_LIMIT_CONNECTIONS',
  ERR_LIMIT_OUTAGE_BUFFER: 'ERR_LIMIT_OUTAGE_BUFFER',
  ERR_SERVER_DRAINING: 'ERR_SERVER_DRAINING',
  // Security
  ERR_ACCESS_DENIED: 'ERR_ACCESS_DENIED',
  ERR_AUTH_EXPIRED: 'ERR_AUTH_EXPIRED',
  ERR_CSRF: 'ERR_CSRF',
  // Handshake
  ERR_HANDSHAKE_ORIGIN: 'ERR_HANDSHAKE_ORIGIN',
  ERR_HANDSHAKE_REJECTED: 'ERR_HANDSHAKE_REJECTED',
  // Configuration
  ERR_INVALID_OPTION: 'ERR_INVALID_OPTION',
  ERR_RULES_INVALID: 'ERR_RULES_INVALID',
  // Admin view
  ERR_ADMIN_BAD_QUERY: 'ERR_ADMIN_BAD_QUERY',
} as const;

/** One of the stable error codes in {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error Switchboard raises; `code` is stable, `message` is for people. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  /** WebSocket close code or HTTP status the error maps to on the wire, when it has one. */
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchboardError';
    this.code = code;
    this.status = options?.status;
  }
}

/** A STOMP protocol violation: answered with an ERROR frame, then the connection closes. */
export class StompProtocolError extends SwitchboardError {
  constructor(code: ErrorCode, message: string, options?: { status?: number; cause?: unknown }) {
    super(code, message, options);
    this.name = 'StompProtocolError';
  }
}

/** Creates a {@link SwitchboardError}; the one factory every module uses. */
export function createError(code: ErrorCode, message: string, status?: number): SwitchboardError {
  return new SwitchboardError(code, message, status === undefined ? undefined : { status });
}

/** Type guard for errors raised by Switchboard. */
export function isSwitchboardError(err: unknown): err is SwitchboardError {
  return err instanceof SwitchboardError;
}
