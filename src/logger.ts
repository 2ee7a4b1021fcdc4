/**
 * The logger seam. Any object with these four methods works (pino, console wrappers).
 * Switchboard never passes passcodes, tokens or cookies in `meta`.
 */
export interface Logger {
  /** Detail for debugging (off by default in the console logger). */
  debug(message: string, meta?: Record<string, unknown>): void;
  /** Lifecycle: started, stopped, broker up or down, refusals. */
  info(message: string, meta?: Record<string, unknown>): void;
  /** A limit hit, a slow consumer, a delivery that failed. */
  warn(message: string, meta?: Record<string, unknown>): void;
  /** A bug or a failure Switchboard could not handle. */
  error(message: string, meta?: Record<string, unknown>): void;
}

/** The lowest level a logger writes (`silent`: nothing). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger writing one line per entry to stderr, at or above `level` (default 'info'). */
export function createConsoleLogger(level: LogLevel = 'info'): Logger {
  const threshold = ORDER[level];
  const write = (at: Exclude<LogLevel, 'silent'>, message: string, meta?: Record<string, unknown>): void => {
    if (ORDER[at] < threshold) return;
    const suffix = meta && Object.keys(meta).length > 0 ? ` ${safeJson(meta)}` : '';
    process.stderr.write(`${new Date().toISOString()} ${at.toUpperCase()} ${message}${suffix}\n`);
  };
  return {
    debug: (m, meta) => write('debug', m, meta),
    info: (m, meta) => write('info', m, meta),
    warn: (m, meta) => write('warn', m, meta),
    error: (m, meta) => write('error', m, meta),
  };
}

/** A logger that discards everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** Keys whose values never reach a log, whoever passes them (a second line of defence). */
const SECRET_KEY = /passcode|password|secret|token|authorization|cookie/i;

/** `meta` with secret-looking keys masked and errors reduced to name and message. */
export function redact(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    out[key] = SECRET_KEY.test(key)
      ? '[redacted]'
      : value instanceof Error
        ? { name: value.name, message: value.message }
        : value;
  }
  return out;
}

function safeJson(value: Record<string, unknown>): string {
  try {
    return JSON.stringify(redact(value));
  } catch {
    return '[unserializable]';
  }
}

/** The part of a pino logger (or any logger taking `(object, message)`) that the adapter uses. */
export interface PinoLike {
  /** pino's `debug(mergingObject, message)`. */
  debug(obj: object, msg: string): void;
  /** pino's `info(mergingObject, message)`. */
  info(obj: object, msg: string): void;
  /** pino's `warn(mergingObject, message)`. */
  warn(obj: object, msg: string): void;
  /** pino's `error(mergingObject, message)`. */
  error(obj: object, msg: string): void;
}

/**
 * Logs through pino (an optional peer: `npm i pino`), keeping its levels, bindings and
 * transports: `createStompServer({ logger: pinoLogger(pino()) })`. Secret-looking keys are
 * masked as in the console logger.
 */
export function pinoLogger(pino: PinoLike): Logger {
  return {
    debug: (m, meta) => pino.debug(meta ? redact(meta) : {}, m),
    info: (m, meta) => pino.info(meta ? redact(meta) : {}, m),
    warn: (m, meta) => pino.warn(meta ? redact(meta) : {}, m),
    error: (m, meta) => pino.error(meta ? redact(meta) : {}, m),
  };
}
