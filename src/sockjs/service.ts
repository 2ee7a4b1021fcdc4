import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import { clientAddress } from '../security/connection-gate.js';
import type { HandshakeOutcome } from '../websocket/handshake.js';
import { checkOrigin } from '../websocket/handshake.js';
import { rejectUpgrade } from '../websocket/endpoint.js';
import type { IframePage } from './iframe-page.js';
import { createIframePage, serveIframePage } from './iframe-page.js';
import {
  ONE_YEAR,
  isSecure,
  loadClientLibrary,
  notFound,
  preflight,
  sessionHeaders,
  validIds,
} from './http-helpers.js';
import { serveInfo } from './info.js';
import { SessionAdmission } from './session-admission.js';
import { SockJsSession } from './session.js';
import { eventSource } from './transports/eventsource.js';
import { htmlFile } from './transports/htmlfile.js';
import { jsonpPolling } from './transports/jsonp-polling.js';
import { jsonpSend } from './transports/jsonp-send.js';
import type { ReceivingTransportName, Transport, TransportSessions } from './transports/transport.js';
import { WebSocketTransport } from './transports/websocket.js';
import { xhrPolling } from './transports/xhr-polling.js';
import { xhrSend } from './transports/xhr-send.js';
import { xhrStreaming } from './transports/xhr-streaming.js';

export type { SockJsOptions, SockJsServiceOptions, TransportName } from './options.js';
import type { SockJsServiceOptions, TransportName } from './options.js';

const IFRAME = /^\/iframe[0-9a-z_.-]*\.html$/;
/** The HTTP transports by the name in their URLs (a Map: a name like `toString` finds nothing). */
const HTTP_TRANSPORTS: ReadonlyMap<string, Transport> = new Map(
  [xhrPolling, xhrSend, xhrStreaming, eventSource, htmlFile, jsonpPolling, jsonpSend].map((t) => [t.name, t]),
);

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
  readonly #admission: SessionAdmission;
  readonly #websocket: WebSocketTransport;
  readonly #transportSessions: TransportSessions;
  readonly #iframe: IframePage;
  readonly #clientLibrary: Buffer | undefined;
  readonly #dropStats = { dropped: 0 };

  constructor(options: SockJsServiceOptions) {
    this.#o = options;
    this.prefix = options.prefix.replace(/\/+$/, '');
    this.#limits = resolveLimits(options.limits);
    this.#logger = options.logger ?? silentLogger;
    this.#admission = new SessionAdmission(options, this.#logger);
    this.#websocket = new WebSocketTransport(this.#limits.maxWebSocketMessageSize);
    this.#transportSessions = {
      receiving: (req, res, sessionId, transport, use) =>
        this.#receiving(req, res, sessionId, transport, use),
      sending: (req, sessionId) => {
        const session = this.#sessions.get(sessionId);
        return session !== undefined && this.#admission.sameClient(req, session) ? session : undefined;
      },
      streamBytesLimit: options.streamBytesLimit ?? 128 * 1024,
      maxRequestBodySize: options.maxRequestBodySize ?? this.#limits.maxWebSocketMessageSize,
    };
    this.#clientLibrary = loadClientLibrary();
    const libraryUrl = options.clientLibraryUrl ?? `${this.prefix}/sockjs.min.js`;
    this.#iframe = createIframePage(libraryUrl, options, this.#logger);
  }

  /** New sessions refused for maxSessions. */
  get refused(): number {
    return this.#admission.refused;
  }

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
      const address = clientAddress(req, false);
      logIncident(this.#logger, 'error', 'sockjsRequestFailed', address, 'SockJS request failed', { error });
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
    if (req.method !== 'GET') return endUpgrade(socket, '405 Method Not Allowed', 'Allow: GET\r\n');
    if (!this.#enabled('websocket') || !validIds(parts)) return endUpgrade(socket, '404 Not Found');
    if (!checkOrigin(req.headers.origin, req.headers.host, this.#o))
      return endUpgrade(socket, '403 Forbidden');
    const admitted = this.#admission.admit(req, this.sessionCount);
    if ('status' in admitted) {
      rejectUpgrade(socket, admitted.status, admitted.reason);
      return true;
    }
    socket.once('close', admitted.release);
    void this.#admission.handshake(req, admitted.address).then((outcome) => {
      if (!outcome.ok) return void endUpgrade(socket, `${outcome.status} Refused`);
      if (socket.destroyed) return;
      this.#websocket.upgrade(
        req,
        socket,
        head,
        () => this.#webSocketSession(req, parts[1]!, outcome, admitted.address),
        (session) => this.#webSocketSessions.delete(session),
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
    if (rest === '/info') {
      const facts = { cookieNeeded: this.#o.cookieNeeded ?? false, websocket: this.#enabled('websocket') };
      return serveInfo(req, res, facts);
    }
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
    const [, sessionId, name] = parts as [string, string, string];
    if (name === 'websocket') {
      if (!this.#enabled('websocket')) return notFound(res);
      return this.#websocket.handlePlainRequest(req, res);
    }
    const transport = HTTP_TRANSPORTS.get(name);
    if (transport === undefined || !this.#enabled(transport.name)) return notFound(res);
    if (method === 'OPTIONS' && transport.method === 'POST') return preflight(req, res, 'OPTIONS, POST');
    if (method !== transport.method)
      return void res.writeHead(405, { allow: `OPTIONS, ${transport.method}` }).end();
    const secure = isSecure(req, this.#o.gate?.trustProxy ?? false);
    sessionHeaders(req, res, this.#o.cookieNeeded ?? false, secure);
    transport.handle(req, res, sessionId, url, this.#transportSessions);
  }

  /** See {@link TransportSessions.receiving}. */
  #receiving(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    sessionId: string,
    transport: ReceivingTransportName,
    use: (session: SockJsSession) => void,
  ): void {
    const existing = this.#sessions.get(sessionId);
    if (existing !== undefined) {
      // A session stays with the transport and the client that opened it.
      if (existing.transport === transport && this.#admission.sameClient(req, existing)) use(existing);
      else notFound(res);
      return;
    }
    const admitted = this.#admission.admit(req, this.sessionCount);
    if ('status' in admitted) {
      return void res
        .writeHead(admitted.status, { 'content-type': 'text/plain;charset=UTF-8' })
        .end(`${admitted.reason}\n`);
    }
    void this.#admission.handshake(req, admitted.address).then((outcome) => {
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
      use(session);
    });
  }

  /**
   * A WebSocket session lives exactly as long as its socket, so it stays out of the HTTP session
   * table: no other transport can reach it, and its id may be reused as soon as it closes.
   */
  #webSocketSession(
    req: http.IncomingMessage,
    sessionId: string,
    outcome: HandshakeOutcome,
    address: string,
  ): SockJsSession {
    const session = this.#createSession(req, sessionId, 'sockjs-websocket', outcome, { address });
    this.#webSocketSessions.add(session);
    return session;
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

  #enabled(transport: TransportName): boolean {
    if (transport === 'websocket' && this.#o.websocket === false) return false;
    return !(this.#o.disabledTransports ?? []).includes(transport);
  }
}

/** Ends an upgrade request with an empty HTTP response (`status`: code and text); true: handled. */
function endUpgrade(socket: Duplex, status: string, headers = ''): true {
  socket.end(`HTTP/1.1 ${status}\r\n${headers}Connection: close\r\nContent-Length: 0\r\n\r\n`);
  return true;
}
