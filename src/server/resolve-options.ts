import type { SimpleBrokerOptions } from '../broker/simple-broker.js';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import type { MessageConverter } from '../messaging/converters.js';
import { defaultConverter } from '../messaging/converters.js';
import type { RelayConfig, StompServerOptions } from './stomp-server-options.js';

/** The values `createStompServer()` builds from, with their defaults filled in. */
export interface ResolvedOptions {
  limits: Limits;
  separator: '/' | '.';
  /** Application prefixes, each ending with a separator. */
  appPrefixes: string[];
  userDestinationPrefix: string;
  converter: MessageConverter;
  /** The STOMP endpoint's path(s), as given. */
  paths: string | string[];
  /** The path `listen()` names in its URL: the first one. */
  urlPath: string;
  statsLoggingPeriod: number;
  /** The embedded broker's options (used when there is no relay). */
  simpleBroker: Omit<SimpleBrokerOptions, 'outbound' | 'logger'>;
  /** The relay's configuration; undefined: the embedded simple broker. */
  relay: RelayConfig | undefined;
}

const DEFAULT_PATH = '/stomp';

/**
 * Fills in the defaults of the options that are plain values (no object is created here; the
 * user cluster's topic defaults sit with the cluster, in `join-user-cluster.ts`).
 */
export function resolveOptions(options: StompServerOptions): ResolvedOptions {
  const { relay, ...simpleBroker } = options.broker ?? {};
  const paths = options.path ?? DEFAULT_PATH;
  return {
    limits: resolveLimits(options.limits),
    separator: options.pathSeparator ?? '/',
    appPrefixes: normalizePrefixes(options.applicationPrefixes ?? ['/app']),
    userDestinationPrefix: options.userDestinationPrefix ?? '/user/',
    converter: options.converter ?? defaultConverter,
    paths,
    urlPath: Array.isArray(paths) ? (paths[0] ?? DEFAULT_PATH) : paths,
    // As Spring: every 30 minutes.
    statsLoggingPeriod: options.statsLoggingPeriod ?? 30 * 60_000,
    simpleBroker,
    relay,
  };
}

/** '/app' → '/app/' (a prefix always ends with a separator, as in Spring). */
export function normalizePrefixes(prefixes: readonly string[]): string[] {
  return prefixes.map((p) => (p.endsWith('/') || p.endsWith('.') ? p : `${p}/`));
}
