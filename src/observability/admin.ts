import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { ErrorCodes, createError, isSwitchboardError } from '../errors.js';
import type { StompServer } from '../server/stomp-server.js';
import type { StompServerStats } from '../server/server-stats.js';
import type { AdminRates, AdminSample } from './admin-history.js';
import { SampleHistory, ratesBetween, totalsOf } from './admin-history.js';
import { ADMIN_PAGE } from './admin-page.js';
import type { AdminList, AdminSessionPage } from './admin-query.js';
import { pageSessions, parseAdminQuery, topOf } from './admin-query.js';
import { ADMIN_SCRIPT } from './admin-script.js';

/** Options of {@link createAdminView}. */
export interface AdminViewOptions {
  /**
   * The bearer token the JSON endpoint requires (`Authorization: Bearer <token>`). Required:
   * the admin view shows who is connected. Use a long random value.
   */
  token: string;
  /** URL path of the page; the JSON is at `<path>/api`. Default '/admin'. */
  path?: string;
  /** Most sessions in one page of the list (the counts are always complete). Default 500. */
  maxSessions?: number;
  /** Most users and most destinations listed, the busiest first (the totals are complete). Default 100. */
  maxListed?: number;
  /** Seconds of one-a-second samples kept for the charts, 1 to 3600. Default 300 (five minutes). */
  historySeconds?: number;
}

/**
 * What `<path>/api` answers. Query parameters: `offset` and `limit` page the sessions; `q` (any
 * of id, user, transport, address), `user`, `id`, `transport` and `address` filter them; `since`
 * (ms since the epoch) leaves out the chart samples the caller already has.
 */
export interface AdminSnapshot {
  at: string;
  stats: StompServerStats;
  /** The rates of the last second. */
  rates: AdminRates;
  /** The samples the charts draw, oldest first, and how many seconds the view keeps. */
  history: { seconds: number; samples: AdminSample[] };
  broker: { kind: 'simple' | 'relay'; available: boolean };
  /** Users, most sessions first. */
  users: AdminList<{ name: string; sessions: number }>;
  /** Destinations, most subscriptions first. */
  destinations: AdminList<{ destination: string; subscriptions: number }>;
  /** One page of the sessions that match the query's filter. */
  sessions: AdminSessionPage;
}

/** The admin view: answers its page and its JSON endpoint; `close()` stops its sampler. */
export interface AdminView {
  /** Answers requests under the admin path; returns false (doing nothing) for other paths. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /**
   * The JSON the endpoint serves, for use elsewhere; `query` as the endpoint's query string.
   * Throws an `ERR_ADMIN_BAD_QUERY` error for a malformed query.
   */
  snapshot(query?: URLSearchParams): AdminSnapshot;
  /** Stops the rate sampler. */
  close(): void;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const NO_RATES: AdminRates = {
  framesIn: 0,
  framesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  connects: 0,
  deliveries: 0,
  dropped: 0,
  slowConsumersClosed: 0,
};

/**
 * A live admin view of a server (Socket.IO's admin UI, Spring's stats as a page): charts of the
 * last minutes, sessions (paged and filtered), users, subscriptions per destination, rates, and
 * the broker's state. The page is static; its data comes from `<path>/api`, which answers only
 * with the bearer token (401 otherwise). Off unless you create it; the standalone server enables
 * it with `--admin-token`.
 */
export function createAdminView(server: StompServer, options: AdminViewOptions): AdminView {
  if (options.token.length < 16) throw new TypeError('The admin token must have at least 16 characters');
  const base = (options.path ?? '/admin').replace(/\/+$/, '');
  const maxSessions = options.maxSessions ?? 500;
  const maxListed = options.maxListed ?? 100;
  const historySeconds = options.historySeconds ?? 300;
  if (!(Number.isInteger(historySeconds) && historySeconds >= 1 && historySeconds <= 3600))
    throw createError(ErrorCodes.ERR_INVALID_OPTION, 'historySeconds must be an integer from 1 to 3600');
  const expected = Buffer.from(`Bearer ${options.token}`);

  // A sample a second: the rates since the previous one, kept for the charts.
  const history = new SampleHistory(historySeconds);
  let previous = { at: Date.now(), totals: totalsOf(server.stats()) };
  const sampler = setInterval(() => {
    const stats = server.stats();
    const now = { at: Date.now(), totals: totalsOf(stats) };
    const seconds = Math.max(0.001, (now.at - previous.at) / 1000);
    history.push({
      at: now.at,
      sessions: stats.sessions,
      ...ratesBetween(previous.totals, now.totals, seconds),
    });
    previous = now;
  }, 1000);
  sampler.unref();

  const snapshot = (query = new URLSearchParams()): AdminSnapshot => {
    const { sessions: sessionQuery, since } = parseAdminQuery(query, maxSessions);
    const stats = server.stats();
    const { at: _at, sessions: _sessions, ...rates } = history.latest ?? { at: 0, sessions: 0, ...NO_RATES };
    return {
      at: new Date().toISOString(),
      stats,
      rates,
      history: { seconds: historySeconds, samples: history.since(since) },
      broker: { kind: stats.broker.kind, available: server.broker.available },
      users: topOf(
        server.users.getUsers().map((u) => ({ name: u.name, sessions: u.sessions.size })),
        maxListed,
        (a, b) => b.sessions - a.sessions || a.name.localeCompare(b.name),
      ),
      destinations: topOf(
        [...server.subscriptionsByDestination()].map(([destination, subscriptions]) => ({
          destination,
          subscriptions,
        })),
        maxListed,
        (a, b) => b.subscriptions - a.subscriptions || a.destination.localeCompare(b.destination),
      ),
      sessions: pageSessions(server.describeSessions(), sessionQuery),
    };
  };

  const authorized = (req: http.IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return {
    snapshot,
    handle(req, res) {
      const url = req.url ?? '/';
      const mark = url.indexOf('?');
      const path = mark === -1 ? url : url.slice(0, mark);
      const search = mark === -1 ? '' : url.slice(mark + 1);
      if (path !== base && !path.startsWith(`${base}/`)) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return true;
      }
      if (path === base || path === `${base}/`) {
        res
          .writeHead(200, {
            ...SECURITY_HEADERS,
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy':
              "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'",
          })
          .end(ADMIN_PAGE.replace('%SCRIPT%', `${base}/admin.js`));
      } else if (path === `${base}/admin.js`) {
        res
          .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' })
          .end(ADMIN_SCRIPT);
      } else if (path === `${base}/api`) {
        if (!authorized(req)) {
          res
            .writeHead(401, {
              ...SECURITY_HEADERS,
              'content-type': 'application/json',
              'www-authenticate': 'Bearer',
            })
            .end('{"error":"unauthorized: send Authorization: Bearer <admin token>"}');
        } else {
          answerSnapshot(res, () => snapshot(new URLSearchParams(search)));
        }
      } else {
        res.writeHead(404, SECURITY_HEADERS).end();
      }
      return true;
    },
    close() {
      clearInterval(sampler);
    },
  };
}

/** 200 with the snapshot, or 400 naming what is wrong with the query. */
function answerSnapshot(res: http.ServerResponse, take: () => AdminSnapshot): void {
  let body: string;
  try {
    body = JSON.stringify(take());
  } catch (error) {
    if (!isSwitchboardError(error) || error.code !== ErrorCodes.ERR_ADMIN_BAD_QUERY) throw error;
    res
      .writeHead(400, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
      .end(JSON.stringify({ error: error.message, code: error.code }));
    return;
  }
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' }).end(body);
}
