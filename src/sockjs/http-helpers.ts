import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Small HTTP pieces of the SockJS service: plain answers, the client bundle, CORS and session headers. */

export const NO_CACHE = 'no-store, no-cache, no-transform, must-revalidate, max-age=0';
export const ONE_YEAR = 31536000;

/** Server and session ids: non-empty, no dots (SockJS protocol). */
export function validIds(parts: readonly string[]): boolean {
  return parts.every((p) => p.length > 0 && !p.includes('.'));
}

export function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain;charset=UTF-8' }).end('Not found\n');
}

export function serverError(res: http.ServerResponse, message: string): void {
  res.writeHead(500, { 'content-type': 'text/plain;charset=UTF-8' }).end(message);
}

/** The sockjs-client browser bundle, when installed, so the iframe page needs no CDN. */
export function loadClientLibrary(): Buffer | undefined {
  try {
    const require = createRequire(import.meta.url);
    let dir = path.dirname(require.resolve('sockjs-client'));
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir, 'dist', 'sockjs.min.js');
      if (existsSync(file)) return readFileSync(file);
      dir = path.dirname(dir);
    }
  } catch {
    // not installed: point clientLibraryUrl at a copy of your own
  }
  return undefined;
}

/** CORS headers SockJS answers with: the origin reflected (with credentials), or `*`. */
export function cors(req: http.IncomingMessage, res: http.ServerResponse): void {
  const origin = req.headers.origin;
  if (origin === undefined) {
    res.setHeader('access-control-allow-origin', '*');
  } else {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
  }
  const requested = req.headers['access-control-request-headers'];
  if (requested) res.setHeader('access-control-allow-headers', requested);
}

/** The answer to a CORS preflight: 204, cached a year. */
export function preflight(req: http.IncomingMessage, res: http.ServerResponse, methods: string): void {
  cors(req, res);
  res.writeHead(204, {
    'cache-control': `public, max-age=${ONE_YEAR}`,
    expires: new Date(Date.now() + ONE_YEAR * 1000).toUTCString(),
    'access-control-max-age': String(ONE_YEAR),
    'access-control-allow-methods': methods,
  });
  res.end();
}

/**
 * Headers of every session request: CORS, no caching, and JSESSIONID when sticky sessions are on.
 * Over HTTPS the cookie is `SameSite=None; Secure; Partitioned`: browsers refuse a default (Lax)
 * cookie in a cross-site request, which every SockJS request of a page on another site is (the
 * iframe's included); over plain HTTP browsers refuse `SameSite=None`, so it stays as it was.
 */
export function sessionHeaders(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  cookieNeeded: boolean,
  secure: boolean,
): void {
  cors(req, res);
  res.setHeader('cache-control', NO_CACHE);
  if (cookieNeeded) {
    const jsessionid = /(?:^|;\s*)JSESSIONID=([^;]*)/.exec(req.headers.cookie ?? '')?.[1] ?? 'dummy';
    const crossSite = secure ? '; SameSite=None; Secure; Partitioned' : '';
    res.setHeader('set-cookie', `JSESSIONID=${jsessionid}; path=/${crossSite}`);
  }
}

/** Reached over HTTPS: TLS on this socket, or (with trustProxy) at the proxy that says so. */
export function isSecure(req: http.IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  return trustProxy && req.headers['x-forwarded-proto'] === 'https';
}
