import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Principal } from '../messaging/message.js';
import type { StompConnection } from './stomp-connection.js';

/**
 * Called when a session's user reaches `expiresAt`: return the same user with a later
 * `expiresAt` (e.g. after checking a refresh token kept in the session attributes) to keep the
 * session, or `undefined` (or throw) to end it.
 */
export type UserRefresher = (request: {
  readonly sessionId: string;
  readonly user: Principal;
  readonly sessionAttributes: Map<string, unknown>;
}) => Principal | undefined | Promise<Principal | undefined>;

/** setTimeout's longest delay; later expiries are checked again when it fires. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Ends the session when its user's `expiresAt` passes: ERROR `ERR_AUTH_EXPIRED` naming the time,
 * then close, unless `refresh` returns the same user with a later expiry.
 */
export function watchExpiry(
  connection: StompConnection,
  refresh: UserRefresher | undefined,
  fail: (connection: StompConnection, error: StompProtocolError) => void,
  logger: Logger,
): void {
  const expiresAt = connection.user?.expiresAt;
  if (expiresAt === undefined) return;
  const timer = setTimeout(
    () => void check(connection, refresh, fail, logger),
    Math.min(MAX_DELAY, Math.max(0, expiresAt - Date.now())),
  );
  timer.unref();
  (connection.timers ??= []).push(timer);
}

async function check(
  connection: StompConnection,
  refresh: UserRefresher | undefined,
  fail: (connection: StompConnection, error: StompProtocolError) => void,
  logger: Logger,
): Promise<void> {
  const user = connection.user;
  if (!connection.isOpen || user?.expiresAt === undefined) return;
  if (user.expiresAt > Date.now()) return watchExpiry(connection, refresh, fail, logger);
  let next: Principal | undefined;
  if (refresh !== undefined) {
    try {
      next = await refresh({
        sessionId: connection.id,
        user,
        sessionAttributes: connection.session.attributes,
      });
    } catch (error) {
      logger.info('User refresh failed; the session ends', { sessionId: connection.id, error });
    }
  }
  if (!connection.isOpen) return;
  if (next !== undefined && next.name === user.name && (next.expiresAt ?? Infinity) > Date.now()) {
    connection.session.principal = next;
    return watchExpiry(connection, refresh, fail, logger);
  }
  fail(
    connection,
    new StompProtocolError(
      ErrorCodes.ERR_AUTH_EXPIRED,
      `Authentication expired at ${new Date(user.expiresAt).toISOString()}; connect again with fresh credentials`,
    ),
  );
}
