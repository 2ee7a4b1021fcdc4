import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Small HTTP pieces of the SockJS service: plain answers, the iframe page, the client bundle. */

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

export function iframePage(libraryUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="${libraryUrl.replace(/"/g, '&quot;')}"></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>`;
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

/** Headers of every session request: CORS, no caching, and JSESSIONID when sticky sessions are on. */
export function sessionHeaders(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  cookieNeeded: boolean,
): void {
  cors(req, res);
  res.setHeader('cache-control', NO_CACHE);
  if (cookieNeeded) {
    const jsessionid = /(?:^|;\s*)JSESSIONID=([^;]*)/.exec(req.headers.cookie ?? '')?.[1] ?? 'dummy';
    res.setHeader('set-cookie', `JSESSIONID=${jsessionid}; path=/`);
  }
}
