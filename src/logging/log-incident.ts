import type { Logger } from '../logger.js';
import { clip, clipMeta } from './clip.js';
import type { IncidentCause, IncidentLevel } from './incident-causes.js';
import { LogThrottle } from './log-throttle.js';

/**
 * Logs a condition a remote peer caused. Through a {@link LogThrottle} (what `createStompServer`
 * hands every module) it is counted, written the first time per (`cause`, `scope`), and its
 * repeats summarised once per interval; through any other logger it is written with its
 * client-chosen strings clipped. `scope` is who caused it: a session id, a client address, a
 * destination.
 */
export function logIncident(
  logger: Logger,
  level: IncidentLevel,
  cause: IncidentCause,
  scope: string,
  message: string,
  meta: Record<string, unknown> = {},
): void {
  if (logger instanceof LogThrottle) logger.incident(level, cause, scope, message, meta);
  else logger[level](clip(message, 300), clipMeta(meta));
}
