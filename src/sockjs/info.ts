import { randomInt } from 'node:crypto';
import type http from 'node:http';
import { NO_CACHE, cors, preflight } from './http-helpers.js';

/** What `<prefix>/info` tells a client before it picks a transport. */
export interface InfoFacts {
  /** Whether the client must keep a JSESSIONID cookie (sticky load balancers). */
  cookieNeeded: boolean;
  /** Whether the WebSocket transport is offered. */
  websocket: boolean;
}

/** Answers `<prefix>/info` (GET, or the CORS preflight): the facts, and fresh entropy, never cached. */
export function serveInfo(req: http.IncomingMessage, res: http.ServerResponse, facts: InfoFacts): void {
  if (req.method === 'OPTIONS') return preflight(req, res, 'OPTIONS, GET');
  if (req.method !== 'GET') return void res.writeHead(405, { allow: 'OPTIONS, GET' }).end();
  cors(req, res);
  const body = JSON.stringify({
    entropy: randomInt(0, 2 ** 32 - 1),
    origins: ['*:*'],
    cookie_needed: facts.cookieNeeded,
    websocket: facts.websocket,
  });
  res
    .writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': NO_CACHE })
    .end(body);
}
