import type { CompiledPattern } from '../messaging/destinations.js';
import { compilePattern, isPattern } from '../messaging/destinations.js';

export type AckMode = 'auto' | 'client' | 'client-individual';

/** One delivery waiting for ACK/NACK. */
export interface UnackedDelivery<M> {
  readonly ackId: string;
  readonly messageId: string;
  readonly message: M;
}

/** One SUBSCRIBE of one session. */
export interface Subscription<M = unknown> {
  readonly sessionId: string;
  readonly id: string;
  readonly destination: string;
  readonly pattern: CompiledPattern | undefined;
  readonly ackMode: AckMode;
  /** Deliveries not yet acknowledged, oldest first (client ack modes only). */
  readonly unacked: Map<string, UnackedDelivery<M>>;
}

const EMPTY: readonly Subscription<never>[] = Object.freeze([]);

/**
 * Subscriptions by session and by destination. A publish to a destination is one Map lookup:
 * plain destinations are indexed directly, and the result of matching pattern subscriptions is
 * cached per destination (bounded, FIFO eviction) and kept up to date on every subscribe and
 * unsubscribe rather than thrown away.
 */
export class SubscriptionRegistry<M = unknown> {
  readonly #separator: '/' | '.';
  readonly #cacheLimit: number;
  readonly #bySession = new Map<string, Map<string, Subscription<M>>>();
  readonly #exact = new Map<string, Subscription<M>[]>();
  #patterns: Subscription<M>[] = [];
  readonly #cache = new Map<string, Subscription<M>[]>();
  #count = 0;

  constructor(options: { separator?: '/' | '.'; cacheLimit?: number } = {}) {
    this.#separator = options.separator ?? '/';
    this.#cacheLimit = options.cacheLimit ?? 1024;
  }

  get size(): number {
    return this.#count;
  }

  /** Number of distinct subscribed destinations (patterns counted once each). */
  get destinationCount(): number {
    return this.#exact.size + new Set(this.#patterns.map((s) => s.destination)).size;
  }

  sessionSubscriptions(sessionId: string): ReadonlyMap<string, Subscription<M>> | undefined {
    return this.#bySession.get(sessionId);
  }

  get(sessionId: string, id: string): Subscription<M> | undefined {
    return this.#bySession.get(sessionId)?.get(id);
  }

  add(sessionId: string, id: string, destination: string, ackMode: AckMode): Subscription<M> {
    const pattern = isPattern(destination) ? compilePattern(destination, this.#separator) : undefined;
    const subscription: Subscription<M> = {
      sessionId,
      id,
      destination,
      pattern,
      ackMode,
      unacked: new Map(),
    };
    let own = this.#bySession.get(sessionId);
    if (own === undefined) this.#bySession.set(sessionId, (own = new Map<string, Subscription<M>>()));
    own.set(id, subscription);
    this.#count++;
    if (pattern === undefined) {
      this.#exact.set(destination, [...(this.#exact.get(destination) ?? []), subscription]);
      const cached = this.#cache.get(destination);
      if (cached) this.#cache.set(destination, [...cached, subscription]);
    } else {
      this.#patterns = [...this.#patterns, subscription];
      for (const [dest, cached] of this.#cache) {
        if (pattern.match(dest) !== null) this.#cache.set(dest, [...cached, subscription]);
      }
    }
    return subscription;
  }

  remove(subscription: Subscription<M>): void {
    const own = this.#bySession.get(subscription.sessionId);
    if (own?.get(subscription.id) !== subscription) return;
    own.delete(subscription.id);
    if (own.size === 0) this.#bySession.delete(subscription.sessionId);
    this.#count--;
    if (subscription.pattern === undefined) {
      const rest = (this.#exact.get(subscription.destination) ?? []).filter((s) => s !== subscription);
      if (rest.length > 0) this.#exact.set(subscription.destination, rest);
      else this.#exact.delete(subscription.destination);
      const cached = this.#cache.get(subscription.destination);
      if (cached)
        this.#cache.set(
          subscription.destination,
          cached.filter((s) => s !== subscription),
        );
    } else {
      this.#patterns = this.#patterns.filter((s) => s !== subscription);
      for (const [dest, cached] of this.#cache) {
        if (cached.includes(subscription))
          this.#cache.set(
            dest,
            cached.filter((s) => s !== subscription),
          );
      }
    }
  }

  /** All subscriptions of a session (removed from the registry). */
  removeSession(sessionId: string): Subscription<M>[] {
    const own = this.#bySession.get(sessionId);
    if (own === undefined) return [];
    const removed = [...own.values()];
    for (const subscription of removed) this.remove(subscription);
    return removed;
  }

  /** Subscriptions matching `destination`: exact ones first, then patterns, in subscription order. */
  find(destination: string): readonly Subscription<M>[] {
    if (this.#patterns.length === 0) return this.#exact.get(destination) ?? EMPTY;
    const cached = this.#cache.get(destination);
    if (cached) return cached;
    const found = [...(this.#exact.get(destination) ?? [])];
    for (const subscription of this.#patterns) {
      if (subscription.pattern!.match(destination) !== null) found.push(subscription);
    }
    if (this.#cache.size >= this.#cacheLimit) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(destination, found);
    return found;
  }
}
