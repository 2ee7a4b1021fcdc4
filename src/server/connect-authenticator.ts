import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { ChannelInterceptor } from '../messaging/channel.js';
import type { Message, Principal } from '../messaging/message.js';
import { withHeaders } from '../messaging/message.js';
import type { StompHeaders } from '../stomp/frame.js';

/** What a CONNECT authenticator sees. `passcode` is never logged by Switchboard. */
export interface ConnectRequest {
  readonly sessionId: string;
  /** The `login` header, if any. */
  readonly login: string | undefined;
  /** The `passcode` header, if any. */
  readonly passcode: string | undefined;
  /** All CONNECT headers (e.g. `Authorization`). */
  readonly headers: StompHeaders;
  /** The user set at the handshake, if any. */
  readonly user: Principal | undefined;
  readonly sessionAttributes: Map<string, unknown>;
}

/**
 * Decides who a CONNECT is: return a Principal (the session's user from now on), `undefined`
 * to keep the handshake user (or stay anonymous), or throw to refuse the CONNECT with an ERROR.
 */
export type ConnectAuthenticator = (
  request: ConnectRequest,
) => Principal | undefined | Promise<Principal | undefined>;

/** Runs the authenticator on CONNECT frames, first in the inbound chain. */
export function connectAuthenticatorInterceptor(authenticate: ConnectAuthenticator): ChannelInterceptor {
  return {
    preSend(message: Message) {
      if (message.headers.type !== 'CONNECT') return message;
      const headers = message.headers.nativeHeaders;
      const request: ConnectRequest = {
        sessionId: message.headers.sessionId!,
        login: headers.login,
        passcode: headers.passcode,
        headers,
        user: message.headers.user,
        sessionAttributes: message.headers.sessionAttributes ?? new Map<string, unknown>(),
      };
      const apply = (user: Principal | undefined): Message =>
        user === undefined ? message : withHeaders(message, { user });
      let result: Principal | undefined | Promise<Principal | undefined>;
      try {
        result = authenticate(request);
      } catch (error) {
        throw refused(error);
      }
      if (result instanceof Promise)
        return result.then(apply, (error: unknown) => Promise.reject(refused(error)));
      return apply(result);
    },
  };
}

function refused(error: unknown): StompProtocolError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StompProtocolError(ErrorCodes.ERR_MESSAGE_REJECTED, `Authentication failed: ${reason}`, {
    cause: error,
  });
}
