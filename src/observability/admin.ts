import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { StompServer } from '../server/create-stomp-server.js';
import type { StompServerStats } from '../server/server-stats.js';
import type { StompSessionInfo } from '../stomp/protocol-handler.js';
import { ADMIN_PAGE, ADMIN_SCRIPT } from './admin-page.js';

/** Options of {@link createAdminView}. */
export interface AdminViewOptions {
  /**
   * The bearer token the JSON endpoint requires (`Authorization: Bearer <token>`). Required:
   * the admin view shows who is connected. Use a long random value.
   */
  token: string;
  /** URL path of the page; the JSON is at `<path>/api`. Default '/admin'. */
  path?: string;
  /** Most sessions listed in one answer (the counts are always complete). Default 500. */
  maxSessions?: number;
}

/** Per-second rates over the last sampling interval. */
export interface AdminRates {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  connects: number;
  /** Broker deliveries (simple broker) or frames from the broker (relay). */
  deliveries: number;
}

/** What `<path>/api` answers. */
export interface AdminSnapshot {
  at: string;
  stats: StompServerStats;
  rates: AdminRates;
  broker: { kind: 'simple' | 'relay'; available: boolean };
  users: { name: string; sessions: number }[];
  destinations: { destination: string; subscriptions: number }[];
  sessions: StompSessionInfo[];
  /** Sessions not listed because of maxSessions. */
  sessionsOmitted: number;
}

/** The admin view: answers its page and its JSON endpoint; `close()` stops its sampler. */
export interface AdminView {
  /** Answers requests under the admin path; returns false (doing nothing) for other paths. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** The JSON the endpoint serves, for use elsewhere. */
  snapshot(): AdminSnapshot;
  /** Stops the rate sampler. */
  close(): void;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * A live admin view of a server (Socket.IO's admin UI, Spring's stats as a page): sessions,
 * users, subscriptions per destination, rates, and the broker's state. The page is static; its
 * data comes from `<path>/api`, which answers only with the bearer token (401 otherwise).
 * Off unless you create it; the standalone server enables it with `--admin-token`.
 */
export function createAdminView(server: StompServer, options: AdminViewOptions): AdminView {
  if (options.token.length < 16) throw new TypeError('The admin token must have at least 16 characters');
  const base = (options.path ?? '/admin').replace(/\/+$/, '');
  const maxSessions = options.maxSessions ?? 500;
  const expected = Buffer.from(`Bearer ${options.token}`);

  // Rates: a sample a second; the view divides the last two.
  let previous = { at: Date.now(), totals: totalsOf(server.stats()) };
  let rates: AdminRates = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, connects: 0, deliveries: 0 };
  const sampler = setInterval(() => {
    const now = { at: Date.now(), totals: totalsOf(server.stats()) };
    const seconds = Math.max(0.001, (now.at - previous.at) / 1000);
    rates = Object.fromEntries(
      Object.entries(now.totals).map(([k, v]) => [k, (v - previous.totals[k as keyof AdminRates]) / seconds]),
    ) as unknown as AdminRates;
    previous = now;
  }, 1000);
  sampler.unref();

  const snapshot = (): AdminSnapshot => {
    const sessions = server.describeSessions();
    const stats = server.stats();
    return {
      at: new Date().toISOString(),
      stats,
      rates,
      broker: { kind: stats.broker.kind, available: server.broker.available },
      users: server.users.getUsers().map((u) => ({ name: u.name, sessions: u.sessions.size })),
      destinations: [...server.subscriptionsByDestination()]
        .map(([destination, subscriptions]) => ({ destination, subscriptions }))
        .sort((a, b) => b.subscriptions - a.subscriptions || a.destination.localeCompare(b.destination)),
      sessions: sessions.slice(0, maxSessions),
      sessionsOmitted: Math.max(0, sessions.length - maxSessions),
    };
  };

  const authorized = (req: http.IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return {
    snapshot,
    handle(req, res) {
      const path = (req.url ?? '/').split('?', 1)[0]!;
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
          res
            .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
            .end(JSON.stringify(snapshot()));
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

function totalsOf(stats: StompServerStats): AdminRates {
  const b = stats.broker;
  return {
    framesIn: stats.stomp.framesIn,
    framesOut: stats.stomp.framesOut,
    bytesIn: stats.stomp.bytesIn,
    bytesOut: stats.stomp.bytesOut,
    connects: stats.stomp.connect,
    deliveries: b.kind === 'simple' ? b.delivered : b.fromBroker,
  };
}
