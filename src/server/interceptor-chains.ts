import type { Logger } from '../logger.js';
import type { ChannelInterceptor } from '../messaging/channel.js';
import { authorizationInterceptor } from '../security/authorization.js';
import { csrfProtection } from '../security/csrf.js';
import { handshakeAuthenticatorInterceptor } from '../security/handshake-authenticator.js';
import type { HandshakeInterceptor } from '../websocket/handshake.js';
import { connectAuthenticatorInterceptor } from './connect-authenticator.js';
import type { StompServerOptions } from './stomp-server-options.js';

/** The interceptors of the client inbound channel and of the WebSocket/SockJS handshake. */
export interface InterceptorChains {
  clientInbound: ChannelInterceptor[];
  handshake: HandshakeInterceptor[];
}

/**
 * The security options as interceptors, ahead of the application's own: the CSRF check, then
 * who the user is, then what they may do. The CSRF protection has a part in each chain.
 */
export function interceptorChains(
  options: Pick<
    StompServerOptions,
    | 'csrf'
    | 'authenticate'
    | 'authorization'
    | 'inboundInterceptors'
    | 'authenticateHandshake'
    | 'handshakeInterceptors'
  >,
  separator: '/' | '.',
  logger: Logger,
): InterceptorChains {
  const csrf = options.csrf ? csrfProtection(options.csrf === true ? {} : options.csrf) : undefined;
  return {
    clientInbound: [
      ...(csrf ? [csrf.inbound] : []),
      ...(options.authenticate ? [connectAuthenticatorInterceptor(options.authenticate)] : []),
      ...(options.authorization
        ? [authorizationInterceptor(options.authorization, { separator, logger })]
        : []),
      ...(options.inboundInterceptors ?? []),
    ],
    handshake: [
      ...(csrf ? [csrf.handshake] : []),
      ...(options.authenticateHandshake
        ? [handshakeAuthenticatorInterceptor(options.authenticateHandshake, logger)]
        : []),
      ...(options.handshakeInterceptors ?? []),
    ],
  };
}
