// What the admin charts draw: a sample a second of the server's rates, kept in a bounded ring
// on the server so a reloaded page shows the last minutes at once.
import type { StompServerStats } from '../server/server-stats.js';

/** Per-second rates over the last sampling interval. */
export interface AdminRates {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  connects: number;
  /** Broker deliveries (simple broker) or frames from the broker (relay). */
  deliveries: number;
  /** Messages dropped, whatever the reason: send buffers under drop-oldest, the simple broker's limits. */
  dropped: number;
  /** Sessions closed for not reading: send buffer or send time over its limit (close 4500). */
  slowConsumersClosed: number;
}

/** One point of the admin charts: the rates of one second, and the sessions open at its end. */
export interface AdminSample extends AdminRates {
  /** When the sample was taken, ms since the epoch. */
  at: number;
  sessions: number;
}

/**
 * Messages dropped so far, every reason in one number (the chart reads only this): `stats().messagesDropped.total`,
 * the broker's, send buffers' and user routing drops together.
 */
export function droppedTotal(stats: StompServerStats): number {
  return stats.messagesDropped.total;
}

/** The counters the rates are computed from, read from one stats() snapshot. */
export function totalsOf(stats: StompServerStats): AdminRates {
  const b = stats.broker;
  return {
    framesIn: stats.stomp.framesIn,
    framesOut: stats.stomp.framesOut,
    bytesIn: stats.stomp.bytesIn,
    bytesOut: stats.stomp.bytesOut,
    connects: stats.stomp.connect,
    deliveries: b.kind === 'simple' ? b.delivered : b.fromBroker,
    dropped: droppedTotal(stats),
    slowConsumersClosed: stats.websocket.limitExceeded,
  };
}

/** Per-second rates between two totals taken `seconds` apart. */
export function ratesBetween(before: AdminRates, after: AdminRates, seconds: number): AdminRates {
  const rate = (key: keyof AdminRates): number => Math.max(0, after[key] - before[key]) / seconds;
  return {
    framesIn: rate('framesIn'),
    framesOut: rate('framesOut'),
    bytesIn: rate('bytesIn'),
    bytesOut: rate('bytesOut'),
    connects: rate('connects'),
    deliveries: rate('deliveries'),
    dropped: rate('dropped'),
    slowConsumersClosed: rate('slowConsumersClosed'),
  };
}

/** The last `capacity` samples, oldest overwritten first: memory stays bounded. */
export class SampleHistory {
  readonly capacity: number;
  readonly #ring: (AdminSample | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#ring = new Array<AdminSample | undefined>(capacity);
  }

  push(sample: AdminSample): void {
    this.#ring[this.#next] = sample;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  /** The newest sample, if any. */
  get latest(): AdminSample | undefined {
    return this.#size === 0 ? undefined : this.#ring[(this.#next - 1 + this.capacity) % this.capacity];
  }

  /** Samples taken after `at` (all of them by default), oldest first. */
  since(at = -Infinity): AdminSample[] {
    const out: AdminSample[] = [];
    for (let i = this.#size; i > 0; i--) {
      const sample = this.#ring[(this.#next - i + this.capacity) % this.capacity]!;
      if (sample.at > at) out.push(sample);
    }
    return out;
  }
}
