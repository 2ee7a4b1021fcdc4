import type http from 'node:http';
import type { TransportName } from '../options.js';
import type { SockJsSession } from '../session.js';

/** The transports whose requests carry messages from the client. */
export type SendingTransportName = Extract<TransportName, 'xhr_send' | 'jsonp_send'>;

/** The transports whose requests receive frames (each request is one poll or one stream). */
export type ReceivingTransportName = Exclude<TransportName, SendingTransportName | 'websocket'>;

/**
 * What the service lends its HTTP transports: its session table, with the admission rules and
 * the client-address check applied. Transports never see the table itself.
 */
export interface TransportSessions {
  /**
   * Calls `use` with the session a receiving request continues (one of this transport, from the
   * client that opened it) or opens (admitted, through the handshake interceptors). Anything
   * else is answered here: 404, or the refusal's status.
   */
  receiving(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string,
    transport: ReceivingTransportName,
    use: (session: SockJsSession) => void,
  ): void;
  /** The session a send request delivers to: undefined when none, or from another client. */
  sending(req: http.IncomingMessage, sessionId: string): SockJsSession | undefined;
  /** Bytes one streaming response may carry before it is ended and reopened. */
  readonly streamBytesLimit: number;
  /** Largest xhr_send / jsonp_send body, bytes. */
  readonly maxRequestBodySize: number;
}

/**
 * One HTTP transport of `<prefix>/<server>/<session>/<name>` (Spring's `TransportHandler`,
 * engine.io's `Transport`). The service checks the method, answers the CORS preflight and sets
 * the session headers; the transport answers the rest. The WebSocket transport arrives as an
 * upgrade instead (see websocket.ts).
 */
export interface Transport {
  readonly name: ReceivingTransportName | SendingTransportName;
  /** The method its requests use; a POST transport also answers the CORS preflight (OPTIONS). */
  readonly method: 'GET' | 'POST';
  handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string,
    url: URL,
    sessions: TransportSessions,
  ): void;
}
