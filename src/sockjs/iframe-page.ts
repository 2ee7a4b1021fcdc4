import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Logger } from '../logger.js';
import type { OriginOptions } from '../websocket/handshake.js';
import { iframeFraming } from './frame-ancestors.js';
import { ONE_YEAR } from './http-helpers.js';

/** The iframe page of one SockJS prefix: its bytes, ETag, and who may frame it. */
export interface IframePage {
  body: Buffer;
  etag: string;
  framing: Readonly<Record<string, string>>;
}

/** Builds the page that loads `libraryUrl`, framed per the origin policy (see frame-ancestors.ts). */
export function createIframePage(libraryUrl: string, origins: OriginOptions, logger: Logger): IframePage {
  const body = Buffer.from(iframeHtml(libraryUrl), 'utf8');
  const framing = iframeFraming(origins);
  for (const pattern of framing.inexpressible) {
    logger.warn('SockJS iframe page: origin pattern not expressible as frame-ancestors', { pattern });
  }
  // The framing rule is part of the page: a changed origin policy must not revalidate as unchanged.
  const hash = createHash('md5').update(body).update(JSON.stringify(framing.headers));
  return { body, etag: `"0${hash.digest('hex')}"`, framing: framing.headers };
}

/** Answers GET `<prefix>/iframe*.html`: the page (or 304), with its framing rule either way. */
export function serveIframePage(req: http.IncomingMessage, res: http.ServerResponse, page: IframePage): void {
  if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
  const headers = {
    'cache-control': `public, max-age=${ONE_YEAR}`,
    expires: new Date(Date.now() + ONE_YEAR * 1000).toUTCString(),
    etag: page.etag,
    ...page.framing,
  };
  if (req.headers['if-none-match'] === page.etag) return void res.writeHead(304, headers).end();
  res.writeHead(200, { ...headers, 'content-type': 'text/html;charset=UTF-8' }).end(page.body);
}

function iframeHtml(libraryUrl: string): string {
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
