import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Principal } from '../messaging/message.js';
import type { HandshakeInterceptor, HandshakeRequest } from '../websocket/handshake.js';

/**
 * Authenticates the HTTP request that opens a session (a WebSocket upgrade, or a SockJS
 * session's first request): it sees cookies, query and headers. Return the user, `undefined`
 * to let the session stay anonymous, or throw to refuse it: 401, or the error's `status`
 * (e.g. 403) when it has one.
 */
export type HandshakeAuthenticator = (
  request: HandshakeRequest,
) => Principal | undefined | Promise<Principal | undefined>;

/** Runs a {@link HandshakeAuthenticator} as the first handshake interceptor. */
export function handshakeAuthenticatorInterceptor(
  authenticate: HandshakeAuthenticator,
  logger: Logger,
): HandshakeInterceptor {
  return {
    async beforeHandshake(request) {
      let user: Principal | undefined;
      try {
        user = await authenticate(request);
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        const code = status === 403 ? 403 : 401;
        // The reason stays generic: why a credential failed is for the logs, not the client.
        logIncident(
          logger,
          'info',
          'handshakeRefused',
          request.remoteAddress ?? '',
          'Handshake refused by the authenticator',
          {
            status: code,
            reason: error instanceof Error ? error.message : String(error),
            remoteAddress: request.remoteAddress,
          },
        );
        return { reject: { status: code, reason: code === 403 ? 'Forbidden' : 'Unauthorized' } };
      }
      if (user !== undefined) request.setPrincipal(user);
      return true;
    },
  };
}
