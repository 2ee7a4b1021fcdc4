import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import type { ServerOptions } from 'ws';
import { WebSocketServer } from 'ws';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Session, WebSocketHandler } from './handler.js';
import { CloseCodes } from './handler.js';
import type { HandshakeInterceptor, HandshakeRequest } from './handshake.js';
import type { Principal } from '../messaging/message.js';
import { checkOrigin, protocolSelector, runHandshakeInterceptors } from './handshake.js';
import type { ConnectionGate } from '../security/connection-gate.js';
import { clientAddress } from '../security/connection-gate.js';
import type { SessionContext } from './session-shared.js';
import { SessionWebSocket } from './session-shared.js';
import { WebSocketSession } from './session.js';
import type { SessionStats } from './session-stats.js';
import { createSessionStats } from './session-stats.js';
import { HeaderValues } from './header-values.js';

/** How long a close handshake may take before the socket is destroyed, ms. */
const CLOSE_TIMEOUT = 2000;

/** Options of {@link WebSocketEndpoint}. */
export interface WebSocketEndpointOptions {
  /** Path(s) this endpoint answers (exact match, query ignored). */
  path: string | readonly string[];
  handler: WebSocketHandler;
  /** Exact origins allowed (`'*'` for any). Default: same origin only. */
  allowedOrigins?: readonly string[] | undefined;
  /** CORS-style origin patterns (`https://*.example.com`, `http://localhost:[*]`). */
  allowedOriginPatterns?: readonly string[] | undefined;
  handshakeInterceptors?: readonly HandshakeInterceptor[] | undefined;
  limits?: Partial<Limits> | Limits | undefined;
  /** Caps on concurrent connections (shared with other endpoints), and whether to trust X-Forwarded-For. */
  gate?: ConnectionGate | undefined;
  logger?: Logger | undefined;
}

/**
 * One WebSocket endpoint: origin check, handshake interceptors, sub-protocol negotiation,
 * then a `WebSocketSession` handed to the handler. Install with
 * {@link attachWebSocketEndpoints}.
 */
export class WebSocketEndpoint {
  readonly paths: readonly string[];
  readonly stats: SessionStats = createSessionStats();
  readonly #options: WebSocketEndpointOptions;
  readonly #limits: Limits;
  readonly #logger: Logger;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Set<WebSocketSession>();
  readonly #headerValues = new HeaderValues();
  /** The socket (and its client's address) being upgraded by `#upgradeNow`, until ws calls back. */
  #adoptingSocket: Duplex | undefined;
  #adoptingAddress = '';
  /** Shared by every session of this endpoint (one reference per session instead of five). */
  readonly #context: SessionContext<WebSocketSession>;
  #closeWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: WebSocketEndpointOptions) {
    this.#options = options;
    this.paths = typeof options.path === 'string' ? [options.path] : [...options.path];
    this.#limits = resolveLimits(options.limits);
    this.#logger = options.logger ?? silentLogger;
    const supported = options.handler.subProtocols ?? [];
    // `closeTimeout` is not in @types/ws.
    const wsOptions: ServerOptions<typeof SessionWebSocket> & { closeTimeout: number } = {
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload: this.#limits.maxWebSocketMessageSize,
      handleProtocols: protocolSelector(supported),
      WebSocket: SessionWebSocket,
      // A close handshake the client does not answer ends with the socket destroyed.
      closeTimeout: CLOSE_TIMEOUT,
    };
    this.#wss = new WebSocketServer(wsOptions);
    this.#context = {
      handler: options.handler,
      limits: this.#limits,
      stats: this.stats,
      logger: this.#logger,
      onClosed: this.#forget,
      onSocketClosed: this.#releaseSlot,
    };
  }

  /** Live sessions. */
  get sessions(): ReadonlySet<Session> {
    return this.#sessions;
  }

  /** True when `req` is for one of this endpoint's paths. */
  matches(req: IncomingMessage): boolean {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    return this.paths.includes(query < 0 ? url : url.slice(0, query));
  }

  /** Handles an upgrade for this endpoint; returns false (doing nothing) when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!this.matches(req)) return false;
    // No error listener here: until ws takes the socket (it listens for errors itself) only
    // synchronous code runs, and a socket reports errors later. Paths that answer the client or
    // wait (rejectUpgrade, the handshake interceptors) listen for them.
    if (this.#closed) {
      rejectUpgrade(socket, 503, 'Server shutting down');
      return true;
    }
    const secure = (req.socket as Socket & { encrypted?: boolean }).encrypted === true;
    if (!checkOrigin(req.headers.origin, req.headers.host, this.#options, secure)) {
      logIncident(
        this.#logger,
        'info',
        'originRefused',
        clientAddress(req, this.#options.gate?.trustProxy ?? false),
        'WebSocket handshake refused: origin not allowed',
        { origin: req.headers.origin },
      );
      rejectUpgrade(socket, 403, 'Origin not allowed');
      return true;
    }
    const gate = this.#options.gate;
    const address = clientAddress(req, gate?.trustProxy ?? false);
    if (gate !== undefined) {
      const refusal = gate.take(address);
      if (refusal !== undefined) {
        logIncident(
          this.#logger,
          'warn',
          'connectionLimit',
          address,
          'WebSocket handshake refused: connection limit',
          {
            reason: refusal.reason,
            address,
          },
        );
        rejectUpgrade(socket, refusal.status, refusal.reason);
        return true;
      }
    }
    // The slot is held until the connection ends: a session gives it back when its WebSocket
    // closes (after its TCP socket); a refused or failed upgrade gives it back at once.
    const interceptors = this.#options.handshakeInterceptors;
    if (interceptors === undefined || interceptors.length === 0) {
      this.#upgradeNow(req, socket, head, address);
    } else {
      // The TCP socket's end gives the slot back while the interceptors run.
      const release = gate === undefined ? undefined : (): void => gate.give(address);
      if (release !== undefined) socket.on('close', release);
      listenForErrors(socket);
      void this.#intercept(req, socket, head, address, release, interceptors);
    }
    return true;
  }

  /**
   * The upgrade when no interceptor runs: no request object, no URL parsed (session.uri parses
   * it when asked), no promise, no closure. ws calls back synchronously (there is no
   * verifyClient), so the callback finds the socket and address in `#adopting*`.
   */
  #upgradeNow(req: IncomingMessage, socket: Duplex, head: Buffer, address: string): void {
    if (socket.destroyed) {
      this.#options.gate?.give(address);
      return;
    }
    this.#adoptingSocket = socket;
    this.#adoptingAddress = address;
    try {
      this.#wss.handleUpgrade(req, socket, head, this.#adopt);
    } finally {
      if (this.#adoptingSocket === socket) {
        // ws refused the upgrade (and answered the client): no session holds the slot.
        this.#adoptingSocket = undefined;
        this.#options.gate?.give(address);
      }
    }
  }

  readonly #adopt = (ws: WebSocket, req: IncomingMessage): void => {
    const socket = this.#adoptingSocket;
    if (socket === undefined || req.socket !== socket) {
      // Not called back within handleUpgrade (ws does not do that): the slot is already given back.
      ws.terminate();
      return;
    }
    this.#adoptingSocket = undefined;
    // The endpoint's own path string when the URL is just that (no copy kept per session).
    const url = req.url ?? '/';
    const path = this.paths.indexOf(url);
    const uri = path < 0 ? url : this.paths[path]!;
    this.#open(ws, req, socket, this.#adoptingAddress, undefined, uri, undefined, undefined, undefined);
  };

  /** Closes every session (1001 by default) and stops accepting; resolves when all are closed. */
  close(
    code: number = CloseCodes.GOING_AWAY,
    reason = 'Server shutting down',
    timeout = 3000,
  ): Promise<void> {
    this.#closed = true;
    for (const session of this.#sessions) session.close(code, reason);
    if (this.#sessions.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const session of this.#sessions) session.ws.terminate();
        resolve();
      }, timeout);
      timer.unref();
      this.#closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #intercept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    address: string,
    release: (() => void) | undefined,
    interceptors: readonly HandshakeInterceptor[],
  ): Promise<void> {
    const outcome = await runHandshakeInterceptors(req, interceptors, this.#logger, address);
    if (!outcome.ok) return rejectUpgrade(socket, outcome.status, outcome.reason);
    const { request, attributes, principal } = outcome;
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) =>
      this.#open(ws, req, socket, address, release, request.url, attributes, principal, request),
    );
  }

  /** The upgrade succeeded: the session opens. */
  #open(
    ws: WebSocket,
    req: IncomingMessage,
    socket: Duplex,
    address: string,
    release: (() => void) | undefined,
    uri: URL | string,
    attributes: Map<string, unknown> | undefined,
    principal: Principal | undefined,
    request: HandshakeRequest | undefined,
  ): void {
    // From here ws handles the socket's errors (it destroys the socket), and the session the slot.
    if (request !== undefined) socket.off('error', destroyOnError);
    if (release !== undefined) socket.off('close', release);
    const headers = req.headers;
    this.#headerValues.share(headers);
    const session = new WebSocketSession({
      ws,
      socket: socket as Socket,
      uri,
      headers,
      remoteAddress: address,
      attributes,
      principal,
      context: this.#context,
    });
    this.#sessions.add(session);
    if (request !== undefined) {
      for (const interceptor of this.#options.handshakeInterceptors ?? [])
        interceptor.afterHandshake?.(request);
    }
    try {
      this.#options.handler.onOpen?.(session);
    } catch (error) {
      logIncident(this.#logger, 'error', 'handlerFailed', session.id, 'WebSocket handler onOpen failed', {
        error,
      });
      session.close(CloseCodes.SERVER_ERROR, 'Internal error');
    }
  }

  /** A session's WebSocket (and so its TCP socket) closed: its connection slot is free. */
  readonly #releaseSlot = (session: WebSocketSession): void => {
    this.#options.gate?.give(session.remoteAddress!);
  };

  // A field, not a closure made per session: a closure made inside #intercept would keep its
  // context, and with it the upgrade request, alive as long as the session.
  readonly #forget = (session: WebSocketSession): void => {
    this.#sessions.delete(session);
    if (this.#sessions.size === 0 && this.#closeWaiters.length > 0) {
      const waiters = this.#closeWaiters;
      this.#closeWaiters = [];
      for (const w of waiters) w();
    }
  };
}

/** One listener for every upgrading socket (a closure per socket would stay with it). */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Destroys `socket` on error (once, however many routers it passes). */
function listenForErrors(socket: Duplex): void {
  if (socket.listenerCount('error', destroyOnError) === 0) socket.on('error', destroyOnError);
}

/** Writes a plain HTTP error on a socket that asked to upgrade, then closes it. */
export function rejectUpgrade(socket: Duplex, status: number, reason?: string): void {
  if (socket.destroyed) return;
  listenForErrors(socket);
  const text = STATUS_CODES[status] ?? 'Error';
  const body = `${reason ?? text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Anything that can take (or decline, returning false) an HTTP upgrade. */
export interface UpgradeHandler {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/**
 * Installs one 'upgrade' listener on `server` that routes to the first matching endpoint and
 * answers 404 when none matches. Returns a function that removes it.
 */
export function attachWebSocketEndpoints(
  server: HttpServer,
  endpoints: readonly UpgradeHandler[],
): () => void {
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    for (const endpoint of endpoints) {
      if (endpoint.handleUpgrade(req, socket, head)) return;
    }
    rejectUpgrade(socket, 404, 'No WebSocket endpoint at this path');
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
  };
}
