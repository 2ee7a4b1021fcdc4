import { parseArgs } from 'node:util';
import type { BrokerRelayOptions } from '../broker/relay/broker-relay.js';
import type { OverflowPolicy } from '../limits.js';
import type { LogLevel } from '../logger.js';

/** Settings of the standalone server, from flags or environment variables (flags win). */
export interface CliOptions {
  port: number;
  host: string;
  path: string;
  allowedOrigins: string[] | undefined;
  heartbeat: [number, number];
  maxFrameSize: number | undefined;
  sendBufferLimit: number | undefined;
  sendTimeLimit: number | undefined;
  overflow: OverflowPolicy | undefined;
  logLevel: LogLevel;
  sockjs: boolean;
  /** Relay to an external STOMP broker instead of the embedded one (from `--relay`). */
  relay: BrokerRelayOptions | undefined;
  /** PEM files: with both, the server speaks https:// and wss://. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  trustProxy: boolean;
  maxConnections: number | undefined;
  maxConnectionsPerAddress: number | undefined;
  maxFramesPerSecond: number | undefined;
  /** SIGTERM drain: clients are told to go within `drainSpread` ms; exit after `drainTimeout` ms at most. */
  drainSpread: number;
  drainTimeout: number;
  /** Admin view at `adminPath` (on the internal listener) when a token is given. */
  adminToken: string | undefined;
  adminPath: string;
  /** Prometheus metrics at `metricsPath` on the internal listener (when prom-client is installed). */
  metrics: boolean;
  metricsPath: string;
  statsLogPeriod: number;
  /** Port of the internal listener (metrics, admin view); undefined: no internal listener. */
  internalPort: number | undefined;
  internalHost: string;
  /** Also serve the metrics / the admin view on the public port (explicit opt-in). */
  metricsPublic: boolean;
  adminPublic: boolean;
  /** Authorization rules file (JSON); undefined: the demo's rules. */
  rules: string | undefined;
  /** Ms to wait at start for the relay's broker before exiting; 0: start without waiting. */
  relayStartTimeout: number;
}

/** One row per option: flag, environment variable, help text. docs/configuration.md mirrors it. */
export const CLI_FLAGS = {
  port: { env: 'SWITCHBOARD_PORT', help: 'TCP port (default 8080)' },
  host: { env: 'SWITCHBOARD_HOST', help: "Interface to listen on (default '0.0.0.0')" },
  path: { env: 'SWITCHBOARD_PATH', help: "WebSocket path of the STOMP endpoint (default '/stomp')" },
  'allowed-origins': {
    env: 'SWITCHBOARD_ALLOWED_ORIGINS',
    help: "Comma-separated origins allowed to connect, or '*' (default: same origin only)",
  },
  heartbeat: {
    env: 'SWITCHBOARD_HEARTBEAT',
    help: "Server heart-beat 'send,receive' in ms (default '10000,10000')",
  },
  'max-frame-size': {
    env: 'SWITCHBOARD_MAX_FRAME_SIZE',
    help: 'Largest inbound STOMP frame in bytes (default 65536)',
  },
  'send-buffer-limit': {
    env: 'SWITCHBOARD_SEND_BUFFER_LIMIT',
    help: 'Bytes buffered per session before the overflow policy applies (default 524288)',
  },
  'send-time-limit': {
    env: 'SWITCHBOARD_SEND_TIME_LIMIT',
    help: 'Ms a session may stay unable to write before it is closed (default 10000)',
  },
  overflow: {
    env: 'SWITCHBOARD_OVERFLOW',
    help: "Slow-consumer policy: 'terminate' or 'drop-oldest' (default terminate)",
  },
  'log-level': {
    env: 'SWITCHBOARD_LOG_LEVEL',
    help: "debug | info | warn | error | silent (default 'info')",
  },
  sockjs: {
    env: 'SWITCHBOARD_SOCKJS',
    help: "Serve the endpoint over SockJS too: 'true' or 'false' (default true)",
  },
  relay: {
    env: 'SWITCHBOARD_RELAY',
    help: "Relay to a STOMP broker: 'stomp://user:pass@host:61613[,host2:61613][/vhost]' (stomp+ssl:// for TLS; default: embedded broker)",
  },
  'relay-mode': {
    env: 'SWITCHBOARD_RELAY_MODE',
    help: "'shared' (a few broker connections per instance) or 'per-session' (one per client) (default shared)",
  },
  'relay-pool-size': {
    env: 'SWITCHBOARD_RELAY_POOL_SIZE',
    help: 'Broker connections per instance in shared mode (default 2)',
  },
  'relay-client-login': {
    env: 'SWITCHBOARD_RELAY_CLIENT_LOGIN',
    help: "Broker login for every client session (default: the client's own CONNECT login)",
  },
  'relay-client-passcode': {
    env: 'SWITCHBOARD_RELAY_CLIENT_PASSCODE',
    help: 'Passcode that goes with --relay-client-login (prefer the environment variable)',
  },
  'relay-prefixes': {
    env: 'SWITCHBOARD_RELAY_PREFIXES',
    help: "Comma-separated destination prefixes relayed to the broker (default '/topic,/queue')",
  },
  'tls-cert': {
    env: 'SWITCHBOARD_TLS_CERT',
    help: 'PEM certificate (chain) file: serve https:// and wss:// (with --tls-key)',
  },
  'tls-key': { env: 'SWITCHBOARD_TLS_KEY', help: 'PEM private key file that goes with --tls-cert' },
  'trust-proxy': {
    env: 'SWITCHBOARD_TRUST_PROXY',
    help: "Take client addresses from X-Forwarded-For (behind a trusted proxy): 'true' or 'false' (default false)",
  },
  'max-connections': {
    env: 'SWITCHBOARD_MAX_CONNECTIONS',
    help: 'Concurrent connections in total; more get 503 (default 10000)',
  },
  'max-connections-per-address': {
    env: 'SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS',
    help: 'Concurrent connections per client address; more get 429 (default 0 = off)',
  },
  'max-frames-per-second': {
    env: 'SWITCHBOARD_MAX_FRAMES_PER_SECOND',
    help: 'Frames per second one session may send, bursts of twice that (default 50000; 0 = off)',
  },
  'drain-spread': {
    env: 'SWITCHBOARD_DRAIN_SPREAD',
    help: 'On SIGTERM, ms over which clients are told to reconnect elsewhere (default 2000)',
  },
  'drain-timeout': {
    env: 'SWITCHBOARD_DRAIN_TIMEOUT',
    help: 'On SIGTERM, ms after which the server exits whatever is left (default 10000)',
  },
  'admin-token': {
    env: 'SWITCHBOARD_ADMIN_TOKEN',
    help: 'Enables the admin view on the internal listener; its API requires this bearer token (16+ characters; prefer the env var)',
  },
  'admin-path': { env: 'SWITCHBOARD_ADMIN_PATH', help: "Path of the admin view (default '/admin')" },
  metrics: {
    env: 'SWITCHBOARD_METRICS',
    help: "Serve Prometheus metrics on the internal listener when prom-client is installed: 'true' or 'false' (default true)",
  },
  'metrics-path': {
    env: 'SWITCHBOARD_METRICS_PATH',
    help: "Path of the Prometheus metrics (default '/metrics')",
  },
  'stats-log-period': {
    env: 'SWITCHBOARD_STATS_LOG_PERIOD',
    help: 'Ms between one-line stats summaries in the log (default 1800000; 0 = off)',
  },
  'internal-port': {
    env: 'SWITCHBOARD_INTERNAL_PORT',
    help: "Port of the internal listener serving the metrics and the admin view (default 9090; 0 = any free port; 'off' = none)",
  },
  'internal-host': {
    env: 'SWITCHBOARD_INTERNAL_HOST',
    help: "Interface of the internal listener (default '127.0.0.1': this machine only)",
  },
  'metrics-public': {
    env: 'SWITCHBOARD_METRICS_PUBLIC',
    help: "Also serve the metrics on the public port, readable by anyone who reaches it: 'true' or 'false' (default false)",
  },
  'admin-public': {
    env: 'SWITCHBOARD_ADMIN_PUBLIC',
    help: "Also serve the admin view on the public port: 'true' or 'false' (default false)",
  },
  rules: {
    env: 'SWITCHBOARD_RULES',
    help: "Authorization rules file (JSON, see docs/security.md; default: the demo's examples/portfolio/rules.json)",
  },
  'relay-start-timeout': {
    env: 'SWITCHBOARD_RELAY_START_TIMEOUT',
    help: "Ms to wait at start for the relay's broker; still unreachable: exit 5 (default 10000; 0 = start at once, refusing clients until it is up)",
  },
} as const;

type Flag = keyof typeof CLI_FLAGS;

/** Parses argv and env; throws an Error naming the bad option. */
export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(CLI_FLAGS).map((name) => [name, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const get = (flag: Flag): string | undefined => {
    const value = (values as Record<string, string | boolean | undefined>)[flag];
    return typeof value === 'string' ? value : env[CLI_FLAGS[flag].env];
  };
  const int = (flag: Flag): number | undefined => {
    const raw = get(flag);
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${flag} must be a non-negative integer, got '${raw}'`);
    return n;
  };
  const port = (flag: Flag): number | undefined => {
    const raw = get(flag);
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n > 65535)
      throw new Error(`--${flag} must be a port number from 0 to 65535, got '${raw}'`);
    return n;
  };
  const bool = (flag: Flag, fallback: 'true' | 'false'): boolean => {
    const value = get(flag) || fallback;
    if (value !== 'true' && value !== 'false')
      throw new Error(`--${flag} must be 'true' or 'false', got '${value}'`);
    return value === 'true';
  };
  const heartbeatRaw = get('heartbeat') ?? '10000,10000';
  const hb = /^(\d+),(\d+)$/.exec(heartbeatRaw.trim());
  if (!hb) throw new Error(`--heartbeat must be 'send,receive' in ms, got '${heartbeatRaw}'`);
  const overflow = get('overflow');
  if (overflow !== undefined && overflow !== 'terminate' && overflow !== 'drop-oldest') {
    throw new Error(`--overflow must be 'terminate' or 'drop-oldest', got '${overflow}'`);
  }
  const logLevel = get('log-level') ?? 'info';
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new Error(`--log-level must be debug, info, warn, error or silent, got '${logLevel}'`);
  }
  const sockjs = get('sockjs') ?? 'true';
  if (sockjs !== 'true' && sockjs !== 'false')
    throw new Error(`--sockjs must be 'true' or 'false', got '${sockjs}'`);
  const origins = get('allowed-origins');
  const trustProxy = get('trust-proxy') ?? 'false';
  if (trustProxy !== 'true' && trustProxy !== 'false')
    throw new Error(`--trust-proxy must be 'true' or 'false', got '${trustProxy}'`);
  const metrics = get('metrics') ?? 'true';
  if (metrics !== 'true' && metrics !== 'false')
    throw new Error(`--metrics must be 'true' or 'false', got '${metrics}'`);
  const adminToken = get('admin-token') || undefined;
  if (adminToken !== undefined && adminToken.length < 16)
    throw new Error('--admin-token must have at least 16 characters');
  const tlsCert = get('tls-cert') || undefined;
  const tlsKey = get('tls-key') || undefined;
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new Error('--tls-cert and --tls-key go together: give both or neither');
  const internalRaw = get('internal-port');
  const internalPort = internalRaw === 'off' ? undefined : (port('internal-port') ?? 9090);
  const adminPublic = bool('admin-public', 'false');
  if (adminToken !== undefined && internalPort === undefined && !adminPublic)
    throw new Error(
      '--admin-token enables the admin view on the internal listener, which is off (--internal-port off); give it a port, or serve the view on the public port with --admin-public true',
    );
  const relayUrl = get('relay');
  const relay =
    relayUrl === undefined || relayUrl === ''
      ? undefined
      : {
          ...parseRelayUrl(relayUrl),
          mode: relayMode(get('relay-mode')),
          poolSize: int('relay-pool-size'),
          clientLogin: get('relay-client-login'),
          clientPasscode: get('relay-client-passcode'),
          prefixes: list(get('relay-prefixes')),
        };
  return {
    port: port('port') ?? 8080,
    host: get('host') ?? '0.0.0.0',
    path: get('path') ?? '/stomp',
    allowedOrigins: list(origins),
    heartbeat: [Number(hb[1]), Number(hb[2])],
    maxFrameSize: int('max-frame-size'),
    sendBufferLimit: int('send-buffer-limit'),
    sendTimeLimit: int('send-time-limit'),
    overflow,
    logLevel: logLevel as LogLevel,
    sockjs: sockjs === 'true',
    relay,
    tlsCert,
    tlsKey,
    trustProxy: trustProxy === 'true',
    maxConnections: int('max-connections'),
    maxConnectionsPerAddress: int('max-connections-per-address'),
    maxFramesPerSecond: int('max-frames-per-second'),
    drainSpread: int('drain-spread') ?? 2000,
    drainTimeout: int('drain-timeout') ?? 10_000,
    adminToken,
    adminPath: get('admin-path') ?? '/admin',
    metrics: metrics === 'true',
    metricsPath: get('metrics-path') ?? '/metrics',
    statsLogPeriod: int('stats-log-period') ?? 30 * 60_000,
    internalPort,
    internalHost: get('internal-host') || '127.0.0.1',
    metricsPublic: bool('metrics-public', 'false'),
    adminPublic,
    rules: get('rules') || undefined,
    relayStartTimeout: int('relay-start-timeout') ?? 10_000,
  };
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function relayMode(value: string | undefined): 'shared' | 'per-session' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'shared' && value !== 'per-session')
    throw new Error(`--relay-mode must be 'shared' or 'per-session', got '${value.slice(0, 40)}'`);
  return value;
}

/**
 * `stomp://user:pass@host:61613/vhost` → relay options. The path is the virtual host (URL-encoded,
 * so RabbitMQ's default '/' is `%2F` or simply no path); `stomp+ssl:` turns on TLS. Several
 * addresses (`stomp://user:pass@h1:61613,h2:61613`) become `hosts`, tried in turn.
 */
export function parseRelayUrl(text: string): BrokerRelayOptions {
  // URL() takes one host: parse the first, then read the others from the comma list.
  const parts = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*@)?([^/]*)(.*)$/i.exec(text);
  const addresses = parts?.[3]?.includes(',') ? parts[3].split(',') : undefined;
  if (parts !== null && addresses !== undefined) {
    const first = parseRelayUrl(`${parts[1]}${parts[2] ?? ''}${addresses[0]}${parts[4]}`);
    const hosts = addresses.map((address) => {
      const url = parseRelayUrl(`${parts[1]}${address}`);
      return { host: url.host!, port: url.port };
    });
    return { ...first, hosts };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value may hold a password: never echo it.
    throw new Error("--relay must be a URL like 'stomp://user:pass@host:61613'");
  }
  const tls = url.protocol === 'stomp+ssl:' || url.protocol === 'stomps:';
  if (!tls && url.protocol !== 'stomp:' && url.protocol !== 'tcp:')
    throw new Error(`--relay must use stomp:// or stomp+ssl://, got '${url.protocol}//'`);
  if (url.hostname === '') throw new Error('--relay needs a host');
  const vhost = decodeURIComponent(url.pathname.slice(1));
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 61613 : Number(url.port),
    login: url.username === '' ? undefined : decodeURIComponent(url.username),
    passcode: url.password === '' ? undefined : decodeURIComponent(url.password),
    virtualHost: vhost === '' ? undefined : vhost,
    tls: tls || undefined,
  };
}

/** The `--help` text. */
export function helpText(): string {
  const rows = Object.entries(CLI_FLAGS).map(
    ([flag, { env, help }]) => `  --${flag.padEnd(21)} ${help}\n  ${''.padEnd(23)} env ${env}`,
  );
  return `Usage: switchboard [options]\n\nSTOMP over WebSocket server with an embedded broker (or a relay to RabbitMQ).\n\n${rows.join('\n')}\n  --help, -h`;
}
