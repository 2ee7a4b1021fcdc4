import type { Logger } from '../logger.js';
import { clip, clipMeta } from './clip.js';
import type { IncidentCause, IncidentLevel } from './incident-causes.js';
import { INCIDENT_CAUSES } from './incident-causes.js';

/** Options of {@link LogThrottle}. */
export interface LogThrottleOptions {
  /** How often repeats are summarised, ms. Default 60000. */
  interval?: number;
  /**
   * (cause, scope) pairs tracked at once. Past it, incidents from new scopes are not written
   * but folded into one summary line per cause. Default 100.
   */
  maxKeys?: number;
  /** Longest client-chosen string (a meta value) in a line, characters. Default 100. */
  maxValueLength?: number;
}

/** Counters of a {@link LogThrottle}. */
export interface IncidentStats {
  /** Incidents since start, by cause (every one counted, written or summarised). */
  byCause: Record<IncidentCause, number>;
  /** Incidents summarised instead of written as a line of their own. */
  logLinesSuppressed: number;
}

interface Tracked {
  readonly level: IncidentLevel;
  readonly cause: IncidentCause;
  readonly scope: string;
  readonly message: string;
  repeats: number;
}

/** How long an incident's message (it may quote a client) may be, characters. */
const MAX_MESSAGE = 300;

/**
 * A {@link Logger} that keeps a log readable, and its size bounded, whatever clients do. Its
 * four methods write through (client-chosen strings in `meta` clipped, see `clip`);
 * {@link LogThrottle.incident} writes a peer-caused condition the first time per (cause,
 * scope), then counts its repeats and writes one summary line per interval ("… repeated 812
 * times in the last 60 s"). At most `maxKeys` pairs are tracked; incidents past that fold into
 * one summary per cause. A pair idle for a whole interval is forgotten. So per interval the
 * incidents write at most `2 × maxKeys` lines plus one per cause, each line bounded.
 */
export class LogThrottle implements Logger {
  readonly #logger: Logger;
  readonly #interval: number;
  readonly #maxKeys: number;
  readonly #maxValue: number;
  readonly #tracked = new Map<string, Tracked>();
  /** Incidents from scopes past maxKeys, per cause, this interval. */
  readonly #folded = new Map<IncidentCause, Omit<Tracked, 'scope'>>();
  readonly #byCause = Object.fromEntries(INCIDENT_CAUSES.map((c) => [c, 0])) as Record<IncidentCause, number>;
  #suppressed = 0;
  #timer: NodeJS.Timeout | undefined;
  #since = 0;

  constructor(logger: Logger, options: LogThrottleOptions = {}) {
    this.#logger = logger;
    this.#interval = positive(options.interval ?? 60_000, 'interval');
    this.#maxKeys = positive(options.maxKeys ?? 100, 'maxKeys');
    this.#maxValue = positive(options.maxValueLength ?? 100, 'maxValueLength');
  }

  /** Writes through to the wrapped logger, meta clipped. */
  debug(message: string, meta?: Record<string, unknown>): void {
    this.#write('debug', message, meta);
  }

  /** Writes through to the wrapped logger, meta clipped. */
  info(message: string, meta?: Record<string, unknown>): void {
    this.#write('info', message, meta);
  }

  /** Writes through to the wrapped logger, meta clipped. */
  warn(message: string, meta?: Record<string, unknown>): void {
    this.#write('warn', message, meta);
  }

  /** Writes through to the wrapped logger, meta clipped. */
  error(message: string, meta?: Record<string, unknown>): void {
    this.#write('error', message, meta);
  }

  /** Counts an incident; writes it if it is the first of its (cause, scope) pair in a while. */
  incident(
    level: IncidentLevel,
    cause: IncidentCause,
    scope: string,
    message: string,
    meta: Record<string, unknown> = {},
  ): void {
    this.#byCause[cause]++;
    // The scope may be client-chosen (a destination): clipped, it bounds the key's size too.
    const key = `${cause} ${clip(scope, this.#maxValue)}`;
    const tracked = this.#tracked.get(key);
    if (tracked !== undefined) {
      tracked.repeats++;
      this.#suppressed++;
      return;
    }
    this.#start();
    if (this.#tracked.size >= this.#maxKeys) {
      const folded = this.#folded.get(cause);
      if (folded === undefined)
        this.#folded.set(cause, { level, cause, message: clip(message, MAX_MESSAGE), repeats: 1 });
      else folded.repeats++;
      this.#suppressed++;
      return;
    }
    const line = clip(message, MAX_MESSAGE);
    this.#tracked.set(key, { level, cause, scope: key.slice(cause.length + 1), message: line, repeats: 0 });
    this.#write(level, line, { ...meta, cause });
  }

  /** The counters: incidents by cause, lines summarised. */
  get stats(): IncidentStats {
    return { byCause: { ...this.#byCause }, logLinesSuppressed: this.#suppressed };
  }

  /**
   * Writes the summaries due now and starts a new interval: pairs that repeated get one line
   * each and stay tracked; pairs that did not are forgotten.
   */
  flush(): void {
    const seconds = Math.max(1, Math.round((Date.now() - this.#since) / 1000));
    this.#since = Date.now();
    for (const [key, t] of this.#tracked) {
      if (t.repeats === 0) {
        this.#tracked.delete(key);
        continue;
      }
      this.#write(t.level, `${t.message} (repeated ${t.repeats} times in the last ${seconds} s)`, {
        cause: t.cause,
        scope: t.scope,
        repeats: t.repeats,
      });
      t.repeats = 0;
    }
    for (const f of this.#folded.values()) {
      this.#write(
        f.level,
        `${f.message} (${f.repeats} more times in the last ${seconds} s from sources past maxKeys ${this.#maxKeys})`,
        { cause: f.cause, repeats: f.repeats },
      );
    }
    this.#folded.clear();
    if (this.#tracked.size === 0) this.#stop();
  }

  /** Writes what is due and stops the timer (the server calls it on close). */
  close(): void {
    this.flush();
    this.#stop();
  }

  #start(): void {
    if (this.#timer !== undefined) return;
    this.#since = Date.now();
    this.#timer = setInterval(() => this.flush(), this.#interval);
    this.#timer.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Messages are Switchboard's own (an incident's is clipped when it is taken); meta is clipped here. */
  #write(level: IncidentLevel, message: string, meta: Record<string, unknown> | undefined): void {
    if (meta === undefined) this.#logger[level](message);
    else this.#logger[level](message, clipMeta(meta, this.#maxValue));
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`Invalid logThrottle.${name}: ${String(value)} (expected a positive number)`);
  return value;
}
