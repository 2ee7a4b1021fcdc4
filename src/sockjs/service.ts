import { randomInt } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Refusal } from '../security/connection-gate.js';
import { clientAddress } from '../security/connection-gate.js';
import type { HandshakeOutcome } from '../websocket/handshake.js';
import { checkOrigin, runHandshakeInterceptors } from '../websocket/handshake.js';
import { rejectUpgrade } from '../websocket/endpoint.js';
import { decodeMessages } from './frames.js';
import { acceptMessages } from './send-request.js';
import type { IframePage } from './iframe-page.js';
import { createIframePage, serveIframePage } from './iframe-page.js';
import {
  NO_CACHE,
  ONE_YEAR,
  cors,
  isSecure,
  loadClientLibrary,
  notFound,
  preflight,
  serverError,
  sessionHeaders,
  validIds,
} from './http-helpers.js';
import type { HttpTransportName } from './http-receiver.js';
import { HTTP_FORMATS, HttpReceiver } from './http-receiver.js';
import type { Receiver } from './session.js';
import { SockJsSession } from './session.js';

export type { SockJsOptions, SockJsServiceOptions, TransportName } from './options.js';
import type { SockJsServiceOptions, TransportName } from './options.js';

const CALLBACK = /^[a-zA-Z0-9_.-]+$/;
const IFRAME = /^\/iframe[0-9a-z_.-]*\.html$/;
const RECEIVING: Record<string, HttpTransportName> = {
  xhr: 'xhr',
  xhr_streaming: 'xhr_streaming',
  eventsource: 'eventsource',
  htmlfile: 'htmlfile',
  jsonp: 'jsonp',
};

/**
 * The SockJS protocol server for one prefix: greeting, `/info`, the iframe page, and
 * `/<server>/<session>/<transport>` for every transport, each switchable off. Sessions speak
 * the same {@link WebSocketHandler} seam as plain WebSocket ones.
 */
export class SockJsService {
  readonly prefix: string;
  readonly #o: SockJsServiceOptions;
  readonly #limits: Limits;
  readonly #logger: Logger;
  readonly #sessions = new Map<string, SockJsSession>();
  readonly #webSocketSessions = new Set<SockJsSession>();
  readonly #wss: WebSocketServer;
  readonly #iframe: IframePage;
  readonly #clientLibrary: Buffer | undefined;
  readonly #dropStats = { dropped: 0 };

  constructor(options: SockJsServiceOptions) {
    this.#o = options;
    this.prefix = options.prefix.replace(/\/+$/, '');
    this.#limits = resolveLimits(options.limits);
    this.#logger = options.logger ?? silentLogger;
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload: this.#limits.maxWebSocketMessageSize,
    });
    this.#clientLibrary = loadClientLibrary();
    const libraryUrl = options.clientLibraryUrl ?? `${this.prefix}/sockjs.min.js`;
    this.#iframe = createIframePage(libraryUrl, options, this.#logger);
  }

  /** New sessions refused for maxSessions. */
  refused = 0;

  /** Messages its sessions dropped (binary, or by the overflow policy) since start. */
  get dropped(): number {
    return this.#dropStats.dropped;
  }

  /** Live SockJS sessions. */
  get sessionCount(): number {
    return this.#sessions.size + this.#webSocketSessions.size;
  }

  /** Handles a request under the prefix; returns false (doing nothing) for other paths. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== this.prefix && !url.pathname.startsWith(`${this.prefix}/`)) return false;
    const rest = url.pathname.slice(this.prefix.length);
    res.on('error', () => {});
    if (!checkOrigin(req.headers.origin, req.headers.host, this.#o)) {
      res.writeHead(403, { 'content-type': 'text/plain;charset=UTF-8' }).end('Origin not allowed\n');
      return true;
    }
    try {
      this.#route(req, res, rest, url);
    } catch (error) {
      logIncident(
        this.#logger,
        'error',
        'sockjsRequestFailed',
        clientAddress(req, false),
        'SockJS request failed',
        {
          error,
        },
      );
      if (!res.headersSent) res.writeHead(500).end();
    }
    return true;
  }

  /** Handles a WebSocket upgrade under the prefix (`/<server>/<session>/websocket`). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!pathname.startsWith(`${this.prefix}/`)) return false;
    const parts = pathname.slice(this.prefix.length + 1).split('/');
    if (parts.length !== 3 || parts[2] !== 'websocket') return false;
    socket.on('error', () => socket.destroy());
    if (req.method !== 'GET') {
      socket.end(
        'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return true;
    }
    if (!this.#enabled('websocket') || !validIds(parts)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    if (!checkOrigin(req.headers.origin, req.headers.host, this.#o)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    const admitted = this.#admit(req);
    if ('status' in admitted) {
      rejectUpgrade(socket, admitted.status, admitted.reason);
      return true;
    }
    socket.once('close', admitted.release);
    void this.#handshake(req, admitted.address).then((outcome) => {
      if (!outcome.ok) {
        socket.end(`HTTP/1.1 ${outcome.status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      if (socket.destroyed) return;
      this.#wss.handleUpgrade(req, socket, head, (ws) =>
        this.#webSocketSession(req, ws, parts[1]!, outcome, admitted.address),
      );
    });
    return true;
  }

  /** Closes every session (server shutdown). */
  close(code = 1001, reason = 'Server shutting down'): void {
    for (const session of [...this.#sessions.values(), ...this.#webSocketSessions]) {
      session.close(code, reason);
      session.dispose();
    }
    this.#sessions.clear();
    this.#webSocketSessions.clear();
  }

  #route(req: http.IncomingMessage, res: http.ServerResponse, rest: string, url: URL): void {
    const method = req.method ?? 'GET';
    if (rest === '' || rest === '/') {
      if (method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
      res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' }).end('Welcome to SockJS!\n');
      return;
    }
    if (rest === '/info') return this.#info(req, res);
    if (IFRAME.test(rest)) return serveIframePage(req, res, this.#iframe);
    if (rest === '/sockjs.min.js' && this.#clientLibrary !== undefined) {
      res.writeHead(200, {
        'content-type': 'application/javascript;charset=UTF-8',
        'cache-control': `public, max-age=${ONE_YEAR}`,
      });
      res.end(this.#clientLibrary);
      return;
    }
    if (rest === '/websocket') {
      // A raw WebSocket request that arrived without Upgrade.
      res
        .writeHead(400, { 'content-type': 'text/plain;charset=UTF-8' })
        .end('Can "Upgrade" only to "WebSocket".');
      return;
    }
    const parts = rest.slice(1).split('/');
    if (parts.length !== 3 || !validIds(parts)) return notFound(res);
    const [, sessionId, transport] = parts as [string, string, string];
    if (transport === 'websocket') {
      if (!this.#enabled('websocket')) return notFound(res);
      if (method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
      res.writeHead(400, { 'content-type': 'text/plain;charset=UTF-8' }).end('Not a valid websocket request');
      return;
    }
    const receiving = RECEIVING[transport];
    const sending = transport === 'xhr_send' || transport === 'jsonp_send';
    if ((receiving === undefined && !sending) || !this.#enabled(transport as TransportName))
      return notFound(res);
    const allowed =
      transport === 'xhr' || transport === 'xhr_send' || transport === 'xhr_streaming'
        ? 'POST'
        : transport === 'jsonp_send'
          ? 'POST'
          : 'GET';
    if (method === 'OPTIONS' && allowed === 'POST') return preflight(req, res, 'OPTIONS, POST');
    if (method !== allowed) return void res.writeHead(405, { allow: `OPTIONS, ${allowed}` }).end();
    const secure = isSecure(req, this.#o.gate?.trustProxy ?? false);
    sessionHeaders(req, res, this.#o.cookieNeeded ?? false, secure);
    if (receiving !== undefined) return this.#receive(req, res, sessionId, receiving, url);
    return this.#send(req, res, sessionId, transport === 'jsonp_send');
  }

  #info(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'OPTIONS') return preflight(req, res, 'OPTIONS, GET');
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'OPTIONS, GET' }).end();
    cors(req, res);
    const body = JSON.stringify({
      entropy: randomInt(0, 2 ** 32 - 1),
      origins: ['*:*'],
      cookie_needed: this.#o.cookieNeeded ?? false,
      websocket: this.#enabled('websocket'),
    });
    res
      .writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': NO_CACHE })
      .end(body);
  }

  #receive(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string,
    transport: HttpTransportName,
    url: URL,
  ): void {
    let callback: string | undefined;
    if (transport === 'htmlfile' || transport === 'jsonp') {
      callback = url.searchParams.get('c') ?? url.searchParams.get('callback') ?? undefined;
      if (callback === undefined || callback === '') return serverError(res, '"callback" parameter required');
      if (!CALLBACK.test(callback)) return serverError(res, 'invalid "callback" parameter');
    }
    const existing = this.#sessions.get(sessionId);
    if (existing !== undefined && (existing.transport !== transport || !this.#sameClient(req, existing)))
      return notFound(res);
    if (existing !== undefined) return this.#attach(req, res, existing, transport, callback);
    const admitted = this.#admit(req);
    if ('status' in admitted) {
      return void res
        .writeHead(admitted.status, { 'content-type': 'text/plain;charset=UTF-8' })
        .end(`${admitted.reason}\n`);
    }
    void this.#handshake(req, admitted.address).then((outcome) => {
      if (!outcome.ok) {
        admitted.release();
        return void res
          .writeHead(outcome.status, { 'content-type': 'text/plain;charset=UTF-8' })
          .end(outcome.reason);
      }
      if (res.destroyed) return admitted.release();
      // Another request may have created the session while the interceptors ran.
      let session = this.#sessions.get(sessionId);
      if (session !== undefined) admitted.release();
      else session = this.#createSession(req, sessionId, transport, outcome, admitted);
      if (session.transport !== transport) return notFound(res);
      this.#attach(req, res, session, transport, callback);
    });
  }

  #attach(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    session: SockJsSession,
    transport: HttpTransportName,
    callback: string | undefined,
  ): void {
    const format = HTTP_FORMATS[transport];
    res.writeHead(200, { 'content-type': format.contentType });
    res.flushHeaders(); // the client learns at once that its request is the receiver
    req.socket.setNoDelay(true);
    const receiver = new HttpReceiver(res, format, callback, this.#o.streamBytesLimit ?? 128 * 1024);
    res.on('close', () => {
      if (receiver.ended) session.detached(receiver);
      else session.interrupted(receiver);
    });
    session.attach(receiver);
  }

  #send(req: http.IncomingMessage, res: http.ServerResponse, sessionId: string, jsonp: boolean): void {
    const session = this.#sessions.get(sessionId);
    if (session === undefined || !this.#sameClient(req, session)) return notFound(res);
    const limit = this.#o.maxRequestBodySize ?? this.#limits.maxWebSocketMessageSize;
    acceptMessages(req, res, limit, jsonp, (messages) => session.receive(messages));
  }

  /**
   * A WebSocket session lives exactly as long as its socket, so it stays out of the HTTP session
   * table: no other transport can reach it, and its id may be reused as soon as it closes.
   */
  #webSocketSession(
    req: http.IncomingMessage,
    ws: WebSocket,
    sessionId: string,
    outcome: HandshakeOutcome,
    address: string,
  ): void {
    const session = this.#createSession(req, sessionId, 'sockjs-websocket', outcome, { address });
    this.#webSocketSessions.add(session);
    const socket = req.socket;
    const receiver: Receiver = {
      sendFrame: (frame) => {
        ws.send(frame);
        return true;
      },
      end: () => ws.close(),
      get bufferedAmount() {
        return socket.writableLength;
      },
    };
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text === '') return;
      const messages = decodeMessages(text);
      if (typeof messages === 'string') {
        ws.terminate();
        return;
      }
      session.receive(messages);
    });
    ws.on('close', () => {
      session.interrupted(receiver);
      session.close();
      session.dispose();
      this.#webSocketSessions.delete(session);
    });
    ws.on('error', () => {});
    session.attach(receiver);
  }

  #createSession(
    req: http.IncomingMessage,
    sessionId: string,
    transport: SockJsSession['transport'],
    outcome: HandshakeOutcome,
    /** HTTP sessions live in the session table and give back their admission when forgotten. */
    admission: { address: string; release?: () => void },
  ): SockJsSession {
    const session = new SockJsSession({
      sockJsId: sessionId,
      transport,
      handler: this.#o.handler,
      uri: new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`),
      headers: req.headers,
      remoteAddress: admission.address,
      attributes: outcome.ok ? outcome.attributes : new Map<string, unknown>(),
      principal: outcome.ok ? outcome.principal : undefined,
      limits: this.#limits,
      heartbeatDelay: this.#o.heartbeatDelay ?? 25_000,
      disconnectDelay: this.#o.disconnectDelay ?? 5_000,
      maxQueuedMessages: this.#o.httpMessageCacheSize ?? 100,
      logger: this.#logger,
      stats: this.#dropStats,
      onExpired: (s) => {
        if (this.#sessions.get(sessionId) === s) this.#sessions.delete(sessionId);
        admission.release?.();
      },
    });
    if (admission.release !== undefined) this.#sessions.set(sessionId, session);
    return session;
  }

  /**
   * A new session may start unless this prefix has maxSessions already or the connection gate
   * refuses (503 when full, 429 for one address with too many). Logged at WARN.
   */
  #admit(req: http.IncomingMessage): { address: string; release: () => void } | Refusal {
    const gate = this.#o.gate;
    const address = clientAddress(req, gate?.trustProxy ?? false);
    const max = this.#o.maxSessions ?? 10_000;
    let refusal: Refusal | undefined;
    let release: () => void = () => {};
    if (this.sessionCount >= max) {
      this.refused++;
      refusal = { status: 503, reason: `SockJS sessions full: maxSessions (${max}) reached` };
    } else if (gate !== undefined) {
      const acquired = gate.acquire(address);
      if (typeof acquired === 'function') release = acquired;
      else refusal = acquired;
    }
    if (refusal === undefined) return { address, release };
    logIncident(
      this.#logger,
      'warn',
      'connectionLimit',
      address,
      'SockJS session refused: connection limit',
      {
        reason: refusal.reason,
        address,
      },
    );
    return refusal;
  }

  #sameClient(req: http.IncomingMessage, session: SockJsSession): boolean {
    if (this.#o.sessionAddressCheck === false) return true;
    const same = clientAddress(req, this.#o.gate?.trustProxy ?? false) === session.remoteAddress;
    if (!same)
      logIncident(
        this.#logger,
        'warn',
        'sockjsAddressMismatch',
        session.id,
        'SockJS request for a session from another address refused',
        { sessionId: session.id },
      );
    return same;
  }

  #handshake(req: http.IncomingMessage, address: string): Promise<HandshakeOutcome> {
    return runHandshakeInterceptors(
      req,
      this.#o.handshakeInterceptors ?? [],
      (error) =>
        logIncident(
          this.#logger,
          'error',
          'handshakeInterceptorFailed',
          address,
          'Handshake interceptor failed',
          {
            error,
          },
        ),
      address,
    );
  }

  #enabled(transport: TransportName): boolean {
    if (transport === 'websocket' && this.#o.websocket === false) return false;
    return !(this.#o.disabledTransports ?? []).includes(transport);
  }
}
