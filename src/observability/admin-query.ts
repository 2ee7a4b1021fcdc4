// The admin endpoint's query string: which page of sessions, filtered how, and which chart
// samples the page still lacks. Everything is bounded; anything malformed is a 400 naming it.
import { ErrorCodes, createError } from '../errors.js';
import type { StompSessionInfo } from '../stomp/session-introspection.js';

/** Which sessions `<path>/api` lists: a filter, then one page of what matches. */
export interface AdminSessionQuery {
  /** First matching session listed (0-based). Default 0. */
  offset: number;
  /** Most sessions listed, cut to the view's `maxSessions`. Default 50. */
  limit: number;
  /** Matches id, user, transport or address (substring, any case). */
  q?: string;
  /** Substring of the user name, any case. */
  user?: string;
  /** Substring of the session id, any case. */
  id?: string;
  /** The transport, exactly (`websocket`, `xhr_streaming`...). */
  transport?: string;
  /** Substring of the remote address. */
  address?: string;
}

/** One page of the (filtered) session list. */
export interface AdminSessionPage {
  /** Sessions that match the filter, all of them (the page lists at most `limit`). */
  matched: number;
  offset: number;
  limit: number;
  items: StompSessionInfo[];
}

/** A list cut to its first entries; `total` counts them all. */
export interface AdminList<T> {
  total: number;
  items: T[];
}

/** The most characters a filter may have. */
const MAX_FILTER = 200;
const DEFAULT_LIMIT = 50;
const FILTERS = ['q', 'user', 'id', 'transport', 'address'] as const;
const KNOWN = new Set<string>(['offset', 'limit', 'since', ...FILTERS]);

function bad(message: string): Error {
  return createError(ErrorCodes.ERR_ADMIN_BAD_QUERY, message, 400);
}

function integer(params: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const text = params.get(name);
  if (text === null) return fallback;
  const value = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw bad(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** Parses the query; throws an `ERR_ADMIN_BAD_QUERY` error (status 400) naming what is wrong. */
export function parseAdminQuery(
  params: URLSearchParams,
  maxSessions: number,
): { sessions: AdminSessionQuery; since: number | undefined } {
  for (const name of params.keys()) {
    if (!KNOWN.has(name)) throw bad(`unknown parameter '${name.slice(0, 40)}'`);
  }
  const sessions: AdminSessionQuery = {
    offset: integer(params, 'offset', 0, 1e9, 0),
    // A larger limit than the view allows is cut to it (the answer says which limit applied).
    limit: Math.min(integer(params, 'limit', 1, 1e9, DEFAULT_LIMIT), maxSessions),
  };
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value === null || value === '') continue;
    if (value.length > MAX_FILTER) throw bad(`${name} is longer than ${MAX_FILTER} characters`);
    sessions[name] = value;
  }
  const sinceText = params.get('since');
  const since = sinceText === null ? undefined : Number(sinceText);
  if (since !== undefined && !(sinceText !== '' && Number.isFinite(since)))
    throw bad('since must be a time in ms since the epoch');
  return { sessions, since };
}

const has = (value: string | undefined, part: string): boolean =>
  value !== undefined && value.toLowerCase().includes(part);

/** Filters `sessions` by the query and cuts out its page. */
export function pageSessions(sessions: StompSessionInfo[], query: AdminSessionQuery): AdminSessionPage {
  const q = query.q?.toLowerCase();
  const user = query.user?.toLowerCase();
  const id = query.id?.toLowerCase();
  const address = query.address?.toLowerCase();
  const matches = (s: StompSessionInfo): boolean =>
    (q === undefined || has(s.id, q) || has(s.user, q) || has(s.transport, q) || has(s.remoteAddress, q)) &&
    (user === undefined || has(s.user, user)) &&
    (id === undefined || has(s.id, id)) &&
    (query.transport === undefined || s.transport === query.transport) &&
    (address === undefined || has(s.remoteAddress, address));
  const filtering = [q, user, id, query.transport, address].some((v) => v !== undefined);
  const filtered = filtering ? sessions.filter(matches) : sessions;
  return {
    matched: filtered.length,
    offset: query.offset,
    limit: query.limit,
    items: filtered.slice(query.offset, query.offset + query.limit),
  };
}

/** The first `max` items by `order`, and how many there were. */
export function topOf<T>(items: T[], max: number, order: (a: T, b: T) => number): AdminList<T> {
  return { total: items.length, items: items.sort(order).slice(0, max) };
}
