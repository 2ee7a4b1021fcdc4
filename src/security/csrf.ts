import { timingSafeEqual } from 'node:crypto';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { ChannelInterceptor } from '../messaging/channel.js';
import type { Message } from '../messaging/message.js';
import type { HandshakeInterceptor } from '../websocket/handshake.js';

/** CSRF protection of CONNECT when cookies authenticate (the double-submit cookie pattern). */
export interface CsrfOptions {
  /** Cookie holding the token; the page's script reads it. Default 'XSRF-TOKEN'. */
  cookieName?: string;
  /** CONNECT header that must repeat it. Default 'X-XSRF-TOKEN'. */
  headerName?: string;
}

const TOKEN = 'switchboard.csrfToken';

/**
 * Cookies travel with cross-site requests; a page on another site cannot read them. So the
 * CONNECT must repeat the CSRF cookie's value in a header: the handshake keeps the cookie's value,
 * the CONNECT is refused (ERROR, close) unless its header carries the same value. Origin checks
 * stay on; this covers browsers and proxies that do not send `Origin`.
 */
export function csrfProtection(options: CsrfOptions = {}): {
  handshake: HandshakeInterceptor;
  inbound: ChannelInterceptor;
} {
  const cookieName = options.cookieName ?? 'XSRF-TOKEN';
  const headerName = options.headerName ?? 'X-XSRF-TOKEN';
  return {
    handshake: {
      beforeHandshake(request) {
        const token = request.cookies[cookieName];
        if (token !== undefined && token !== '') request.attributes.set(TOKEN, token);
        return true;
      },
    },
    inbound: {
      preSend(message: Message) {
        if (message.headers.type !== 'CONNECT') return message;
        const expected = message.headers.sessionAttributes?.get(TOKEN);
        const headers = message.headers.nativeHeaders;
        const provided = headers[headerName] ?? headers[headerName.toLowerCase()];
        if (typeof expected !== 'string') {
          throw new StompProtocolError(
            ErrorCodes.ERR_CSRF,
            `CSRF check failed: no '${cookieName}' cookie came with the handshake`,
          );
        }
        if (provided === undefined || !sameToken(expected, provided)) {
          throw new StompProtocolError(
            ErrorCodes.ERR_CSRF,
            `CSRF check failed: the CONNECT '${headerName}' header is missing or does not match the '${cookieName}' cookie`,
          );
        }
        return message;
      },
    },
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
