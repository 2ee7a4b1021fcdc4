import type { OutageBufferOptions } from './relay-options.js';

/** A frame waiting for its broker connection to come back. */
export interface BufferedFrame<T> {
  /** The pool connection it must go out on. */
  readonly connection: number;
  /** The client session it came from (undefined: the application's own publish). */
  readonly sessionId: string | undefined;
  readonly item: T;
  readonly bytes: number;
  /** `Date.now()` when it was buffered. */
  readonly at: number;
}

/** Which limit a frame did not fit under. */
export type OutageLimit = 'maxMessages' | 'maxBytes';

/**
 * Holds what clients send to broker destinations while a broker connection is away, bounded by
 * count, bytes and age (every limit an option with a safe default). A frame past `maxAge` is
 * handed to `onExpired`; a frame that does not fit is refused, and the caller tells its client.
 * Order is kept: a connection's frames come back out in the order they went in.
 */
export class OutageBuffer<T> {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly maxAge: number;
  readonly #onExpired: (expired: BufferedFrame<T>[]) => void;
  #entries: BufferedFrame<T>[] = [];
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: OutageBufferOptions, onExpired: (expired: BufferedFrame<T>[]) => void) {
    this.maxMessages = options.maxMessages ?? 10_000;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.maxAge = options.maxAge ?? 30_000;
    this.#onExpired = onExpired;
  }

  get size(): number {
    return this.#entries.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Age of the oldest frame, ms (0 when empty). */
  oldestAge(now = Date.now()): number {
    let oldest = now;
    for (const entry of this.#entries) if (entry.at < oldest) oldest = entry.at;
    return now - oldest;
  }

  /** Buffers a frame; returns the limit it would cross instead (and keeps nothing) when it does not fit. */
  push(connection: number, sessionId: string | undefined, item: T, bytes: number): OutageLimit | undefined {
    if (this.#entries.length >= this.maxMessages) return 'maxMessages';
    if (this.#bytes + bytes > this.maxBytes) return 'maxBytes';
    this.#entries.push({ connection, sessionId, item, bytes, at: Date.now() });
    this.#bytes += bytes;
    this.#schedule();
    return undefined;
  }

  /** Puts frames back at the front (frames a lost connection never confirmed), in their order. */
  requeue(
    connection: number,
    sessionId: string | undefined,
    items: readonly { item: T; bytes: number }[],
  ): void {
    const now = Date.now();
    const front = items.map(({ item, bytes }) => ({ connection, sessionId, item, bytes, at: now }));
    for (const entry of front) this.#bytes += entry.bytes;
    this.#entries = [...front, ...this.#entries];
    this.#schedule();
  }

  /** Takes every frame of `connection`, oldest first (its connection is back). */
  take(connection: number): BufferedFrame<T>[] {
    return this.#remove((entry) => entry.connection === connection);
  }

  /** Forgets a session's frames (it closed); returns how many there were. */
  dropSession(sessionId: string): number {
    return this.#remove((entry) => entry.sessionId === sessionId).length;
  }

  /** Forgets everything (the relay stops). */
  clear(): void {
    this.#remove(() => true);
  }

  #remove(predicate: (entry: BufferedFrame<T>) => boolean): BufferedFrame<T>[] {
    const taken: BufferedFrame<T>[] = [];
    const kept: BufferedFrame<T>[] = [];
    for (const entry of this.#entries) (predicate(entry) ? taken : kept).push(entry);
    if (taken.length === 0) return taken;
    this.#entries = kept;
    for (const entry of taken) this.#bytes -= entry.bytes;
    this.#schedule();
    return taken;
  }

  /** One timer, due when the oldest frame expires; none while empty. */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#entries.length === 0) return;
    let oldest = this.#entries[0]!.at;
    for (const entry of this.#entries) if (entry.at < oldest) oldest = entry.at;
    const due = Math.max(0, oldest + this.maxAge - Date.now());
    this.#timer = setTimeout(() => this.#expire(), due + 1);
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const limit = Date.now() - this.maxAge;
    const expired = this.#remove((entry) => entry.at <= limit);
    if (expired.length === 0) this.#schedule();
    else this.#onExpired(expired);
  }
}
