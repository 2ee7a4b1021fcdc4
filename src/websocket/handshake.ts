import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Principal } from '../messaging/message.js';

/** What a handshake interceptor sees of the HTTP upgrade request. */
export interface HandshakeRequest {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly cookies: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly remoteAddress: string | undefined;
  /** Seeds the session's attributes. */
  readonly attributes: Map<string, unknown>;
  /** Sets the session's user (fixed for the session's life). */
  setPrincipal(principal: Principal): void;
  readonly principal: Principal | undefined;
}

/** `true`/`undefined` continues; `false` rejects with 403; `{ reject }` rejects with that status. */
export type HandshakeDecision = boolean | undefined | void | { reject: { status: number; reason?: string } };

/** Runs before (and after) each WebSocket handshake (Spring's `HandshakeInterceptor`). */
export interface HandshakeInterceptor {
  /** Before the session opens: `true` to go on, `false` (403) or `{ reject: { status, reason } }` to refuse; may set attributes and the user. May be async. */
  beforeHandshake(request: HandshakeRequest): HandshakeDecision | Promise<HandshakeDecision>;
  /** After the session opened (for logging and metrics). */
  afterHandshake?(request: HandshakeRequest, error?: unknown): void;
}

/** Origin policy: same-origin unless origins or patterns are configured. */
export interface OriginOptions {
  allowedOrigins?: readonly string[] | undefined;
  allowedOriginPatterns?: readonly string[] | undefined;
}

/**
 * Decides whether a browser origin may connect. A request without `Origin` (non-browser
 * clients) passes, as in Spring; `'*'` allows all; otherwise the origin must equal the
 * request's own host (same origin), be listed, or match a pattern.
 */
export function checkOrigin(
  origin: string | undefined,
  host: string | undefined,
  options: OriginOptions,
  secure = false,
): boolean {
  if (origin === undefined) return true;
  const allowed = options.allowedOrigins ?? [];
  if (allowed.includes('*')) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return false;
  if (allowed.some((a) => normalizeOrigin(a) === normalized)) return true;
  if ((options.allowedOriginPatterns ?? []).some((p) => compileOriginPattern(p).test(normalized)))
    return true;
  if (host === undefined) return false;
  const hostOrigin = normalizeOrigin(`${secure ? 'https' : 'http'}://${host}`);
  const wsAlias = normalized.replace(/^wss:/, 'https:').replace(/^ws:/, 'http:');
  return hostOrigin === normalized || hostOrigin === wsAlias || sameHostPort(normalized, host);
}

/** Same host and port regardless of scheme is what a browser sends for a same-origin page behind TLS termination. */
function sameHostPort(origin: string, host: string): boolean {
  try {
    const o = new URL(origin);
    const h = new URL(`${o.protocol}//${host}`);
    return o.host === h.host;
  } catch {
    return false;
  }
}

/**
 * Normalized origins seen, so a handshake parses no URL for an origin seen before (browsers
 * send one per page; the allowed list is normalized on each check too). Client-chosen, so
 * bounded: cleared when it holds 512.
 */
const normalized = new Map<string, string | undefined>();

function normalizeOrigin(origin: string): string | undefined {
  if (normalized.has(origin)) return normalized.get(origin);
  const value = parseOrigin(origin);
  if (normalized.size >= 512) normalized.clear();
  if (origin.length <= 256) normalized.set(origin, value);
  return value;
}

function parseOrigin(origin: string): string | undefined {
  if (origin === 'null') return undefined;
  try {
    const url = new URL(origin);
    if (url.host === '') return undefined;
    return `${url.protocol}//${url.host}`.toLowerCase();
  } catch {
    return undefined;
  }
}

const patternCache = new Map<string, RegExp>();

/** `https://*.example.com`, `http://localhost:[*]`, `http://localhost:[8080,8081]` → RegExp. */
export function compileOriginPattern(pattern: string): RegExp {
  let compiled = patternCache.get(pattern);
  if (compiled) return compiled;
  let ports = '';
  let base = pattern.toLowerCase();
  const portList = /:\[([^\]]*)\]$/.exec(base);
  if (portList) {
    base = base.slice(0, portList.index);
    const list = portList[1]!.split(',').map((p) => p.trim());
    ports = list.includes('*') ? '(:\\d+)?' : `(:(${list.map((p) => p.replace(/\D/g, '')).join('|')}))`;
  }
  const escaped = base
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('[^/]*');
  compiled = new RegExp(`^${escaped}${ports}$`);
  patternCache.set(pattern, compiled);
  return compiled;
}

/** Picks the first protocol the client offered that the server supports (case-insensitive). */
export function selectProtocol(offered: Iterable<string>, supported: readonly string[]): string | false {
  return protocolSelector(supported)(offered);
}

/** {@link selectProtocol} for one list of supported protocols, lower-cased once, not per handshake. */
export function protocolSelector(
  supported: readonly string[],
): (offered: Iterable<string>) => string | false {
  const lower = supported.map((s) => s.toLowerCase());
  return (offered) => {
    for (const protocol of offered) {
      if (lower.includes(protocol.toLowerCase())) return protocol;
    }
    return false;
  };
}

/** Parses a Cookie header into a map (first occurrence wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in cookies) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

/**
 * The URL of an HTTP request, from its path and `Host` header. A `Host` that is not a valid
 * host (a client may send anything) falls back to `localhost` instead of throwing.
 */
export function requestUrl(path: string | undefined, host: string | undefined): URL {
  try {
    return new URL(path ?? '/', `http://${host ?? 'localhost'}`);
  } catch {
    // an invalid Host header, or a path no base can fix: try without the host
  }
  try {
    return new URL(path ?? '/', 'http://localhost');
  } catch {
    return new URL('http://localhost/');
  }
}

/** The outcome of the handshake interceptors: go ahead with these attributes and user, or refuse. */
export type HandshakeOutcome =
  | {
      ok: true;
      request: HandshakeRequest;
      attributes: Map<string, unknown>;
      principal: Principal | undefined;
    }
  | { ok: false; status: number; reason: string };

/**
 * Runs `interceptors` in order on an HTTP request (a WebSocket upgrade or a SockJS session's
 * first request). `false` refuses with 403, `{ reject }` with its status, a throw with 500 (logged
 * through `logger` as the incident `handshakeInterceptorFailed`, throttled per address).
 */
export async function runHandshakeInterceptors(
  req: IncomingMessage,
  interceptors: readonly HandshakeInterceptor[],
  logger: Logger,
  remoteAddress: string | undefined = req.socket.remoteAddress,
): Promise<HandshakeOutcome> {
  const url = requestUrl(req.url, req.headers.host);
  const attributes = new Map<string, unknown>();
  let principal: Principal | undefined;
  const request: HandshakeRequest = {
    req,
    url,
    headers: req.headers,
    cookies: parseCookies(req.headers.cookie),
    query: url.searchParams,
    remoteAddress,
    attributes,
    setPrincipal: (p) => {
      principal = p;
    },
    get principal() {
      return principal;
    },
  };
  try {
    for (const interceptor of interceptors) {
      const decision: HandshakeDecision = await interceptor.beforeHandshake(request);
      if (decision === false) return { ok: false, status: 403, reason: 'Forbidden' };
      if (typeof decision === 'object' && decision !== null) {
        return { ok: false, status: decision.reject.status, reason: decision.reject.reason ?? 'Refused' };
      }
    }
  } catch (error) {
    logIncident(
      logger,
      'error',
      'handshakeInterceptorFailed',
      remoteAddress ?? 'unknown',
      'Handshake interceptor failed',
      {
        error,
      },
    );
    for (const interceptor of interceptors) interceptor.afterHandshake?.(request, error);
    return { ok: false, status: 500, reason: 'Internal Server Error' };
  }
  return { ok: true, request, attributes, principal };
}
