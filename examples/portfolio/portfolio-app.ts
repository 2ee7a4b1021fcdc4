import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAuthorizationRules } from '../../src/index.js';
import type { AuthorizationRule, HandshakeInterceptor, StompServer } from '../../src/index.js';
import { PortfolioController } from './portfolio-controller.js';
import { DEMO_USERS, PortfolioService, QuoteBook } from './portfolio-service.js';

const COOKIE = 'portfolio_session';

/** The portfolio demo: login pages and static files, the STOMP handshake check, the controller and the quote feed. */
export interface PortfolioDemo {
  /** Serves `/`, the page's files, `/login`, `/logout`, `/me` and the stompjs bundle. */
  readonly requestListener: http.RequestListener;
  /** Puts the logged-in user (from the session cookie) on the STOMP session. */
  readonly handshakeInterceptor: HandshakeInterceptor;
  /**
   * The demo's authorization (from `rules.json`): logged-in sessions only, SUBSCRIBE to the
   * prices, the positions and the user's own queues, SEND to `/app/trade`; everything else denied.
   */
  readonly authorization: readonly AuthorizationRule[];
  /** Registers the controller and starts pushing quotes; returns a function that stops the feed. */
  install(server: StompServer): () => void;
}

export function portfolioDemo(options: { quoteInterval?: number } = {}): PortfolioDemo {
  const quotes = new QuoteBook();
  const portfolios = new PortfolioService(quotes);
  const logins = new Map<string, string>(); // session token → user
  const files = loadFiles();
  const rulesFile = path.join(sourceDir(), 'rules.json');
  const authorization = parseAuthorizationRules(readFileSync(rulesFile, 'utf8'), rulesFile);

  const userOf = (cookieHeader: string | undefined): string | undefined => {
    const token = /(?:^|;\s*)portfolio_session=([A-Za-z0-9_-]+)/.exec(cookieHeader ?? '')?.[1];
    return token === undefined ? undefined : logins.get(token);
  };

  const requestListener: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/login') {
      readForm(req).then(
        (form) => {
          const user = form.get('username') ?? '';
          if (DEMO_USERS[user] === undefined || DEMO_USERS[user] !== form.get('password')) {
            res.writeHead(303, { location: '/?error=login' }).end();
            return;
          }
          const token = randomBytes(18).toString('base64url');
          logins.set(token, user);
          res
            .writeHead(303, {
              location: '/',
              'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
            })
            .end();
        },
        () => res.writeHead(400).end(),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/logout') {
      const token = /(?:^|;\s*)portfolio_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (token !== undefined) logins.delete(token);
      res.writeHead(303, { location: '/', 'set-cookie': `${COOKIE}=; Max-Age=0; Path=/` }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD, POST' }).end();
      return;
    }
    if (url.pathname === '/me') {
      const body = JSON.stringify({
        user: userOf(req.headers.cookie) ?? null,
        users: Object.keys(DEMO_USERS),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
      return;
    }
    const file = files.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    res
      .writeHead(200, {
        'content-type': file.type,
        'content-length': file.body.length,
        'x-content-type-options': 'nosniff',
      })
      .end(file.body);
  };

  return {
    requestListener,
    authorization,
    handshakeInterceptor: {
      beforeHandshake(request) {
        const user = userOf(request.headers.cookie);
        if (user !== undefined) request.setPrincipal({ name: user });
        return true;
      },
    },
    install(server) {
      server.handlers.register(new PortfolioController(portfolios));
      const timer = setInterval(() => {
        for (const quote of quotes.tick())
          void server.template.convertAndSend(`/topic/price.stock.${quote.ticker}`, quote);
      }, options.quoteInterval ?? 1000);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

interface StaticFile {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The page's files, and the stompjs browser bundle from node_modules (served locally, never from a CDN). */
/** The demo's source folder (public/ and rules.json): beside this file, or in the source tree from dist/. */
function sourceDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return existsSync(path.join(here, 'rules.json')) ? here : path.resolve(here, '../../../examples/portfolio');
}

function loadFiles(): Map<string, StaticFile> {
  const dir = path.join(sourceDir(), 'public');
  const files = new Map<string, StaticFile>();
  if (existsSync(dir)) {
    for (const name of ['index.html', 'app.js', 'style.css']) {
      files.set(`/${name}`, { type: TYPES[path.extname(name)]!, body: readFileSync(path.join(dir, name)) });
    }
  }
  const require = createRequire(import.meta.url);
  let pkg = path.dirname(require.resolve('@stomp/stompjs'));
  for (let i = 0; i < 4 && !existsSync(path.join(pkg, 'bundles')); i++) pkg = path.dirname(pkg);
  const bundle = path.join(pkg, 'bundles', 'stomp.umd.min.js');
  if (existsSync(bundle))
    files.set('/lib/stomp.umd.min.js', { type: TYPES['.js']!, body: readFileSync(bundle) });
  return files;
}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 4096) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}
