/**
 * How a STOMP session fails: an ERROR frame naming the problem, then the close, with the cause
 * counted and the incident logged (throttled). Protocol errors, rate limits, the connect and
 * heart-beat timeouts and an expired login end here; a slow handler is only logged.
 */
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { StompFrame } from './frame.js';
import { toOutbound } from './outbound-encoder.js';
import { failureAnswer } from './error-frames.js';
import { closeConnection } from './client-frames.js';
import type { StompProtocolStats } from './protocol-stats.js';
import { causeOfError } from './protocol-stats.js';
import type { StompConnection } from './stomp-connection.js';

/** One per protocol handler; its arrow members serve every session (no closure per session). */
export class SessionFailures {
  readonly #stats: StompProtocolStats;
  readonly #logger: Logger;
  readonly #connectTimeout: number;
  readonly #handlerTimeout: number;

  constructor(stats: StompProtocolStats, logger: Logger, connectTimeout: number, handlerTimeout: number) {
    this.#stats = stats;
    this.#logger = logger;
    this.#connectTimeout = connectTimeout;
    this.#handlerTimeout = handlerTimeout;
  }

  /** Answers a failed frame (or undecodable bytes) with an ERROR frame, then closes. */
  readonly fail = (connection: StompConnection, frame: StompFrame | undefined, error: unknown): void => {
    if (!connection.isOpen) return;
    this.#stats.errors++;
    const answer = failureAnswer(error, frame);
    connection.closeCause ??= causeOfError(answer.code);
    if (!answer.known) {
      logIncident(this.#logger, 'error', 'handlerFailed', connection.id, answer.summary, {
        sessionId: connection.id,
        error,
      });
    } else {
      logIncident(this.#logger, 'debug', 'protocolError', connection.id, 'STOMP error', {
        sessionId: connection.id,
        code: answer.code,
        message: answer.summary,
      });
    }
    // Before CONNECTED the client knows no version, so it reads headers unescaped (as 1.0).
    const version = connection.state === 'connected' ? connection.version : '1.0';
    connection.write(toOutbound(answer.frame, version));
    closeConnection(connection, answer.closeCode, answer.summary);
  };

  /** The session passed `limit` (a rate limit, named with its value). */
  rateLimited(connection: StompConnection, limit: string): void {
    this.#stats.rateLimited++;
    logIncident(this.#logger, 'warn', 'rateLimited', connection.id, 'Session closed: rate limit exceeded', {
      sessionId: connection.id,
      limit,
    });
    this.fail(
      connection,
      undefined,
      new StompProtocolError(ErrorCodes.ERR_LIMIT_RATE, `Rate limit exceeded: ${limit}`),
    );
  }

  /** The connect timer fired: a session still without CONNECT fails. */
  readonly connectTimedOut = (connection: StompConnection): void => {
    if (connection.state !== 'new') return;
    connection.closeCause = 'connectTimeout';
    this.fail(
      connection,
      undefined,
      new StompProtocolError(
        ErrorCodes.ERR_STOMP_NOT_CONNECTED,
        `No CONNECT frame received within connectTimeout (${this.#connectTimeout} ms)`,
      ),
    );
  };

  readonly heartbeatTimedOut = (connection: StompConnection, error: StompProtocolError): void => {
    this.#stats.heartbeatTimeouts++;
    this.fail(connection, undefined, error);
  };

  readonly expired = (connection: StompConnection, error: StompProtocolError): void => {
    logIncident(
      this.#logger,
      'info',
      'authExpired',
      connection.id,
      'Session closed: authentication expired',
      {
        sessionId: connection.id,
        user: connection.user?.name,
      },
    );
    this.fail(connection, undefined, error);
  };

  /** A handler did not settle within handlerTimeout: logged; the session's queue moves on. */
  readonly handlerTimedOut = (connection: StompConnection, frame: StompFrame): void => {
    logIncident(
      this.#logger,
      'warn',
      'handlerTimeout',
      connection.id,
      'Handler did not finish in time; the session queue moves on',
      {
        sessionId: connection.id,
        command: frame.command,
        destination: frame.headers.destination,
        handlerTimeout: this.#handlerTimeout,
      },
    );
  };
}
