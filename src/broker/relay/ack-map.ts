/** What the broker needs to acknowledge one delivery the client may ACK or NACK. */
export interface AckEntry {
  /** The broker's `ack` header (STOMP 1.2), if it sent one. */
  readonly brokerAck: string | undefined;
  /** The broker's `message-id` (STOMP 1.1 brokers acknowledge by it). */
  readonly brokerMessageId: string | undefined;
  /** The broker subscription it came through. */
  readonly subscription: string;
  /** The client subscription it was delivered to. */
  readonly clientSubscription: string;
  /** Whether the client acknowledges cumulatively (`client` mode). */
  readonly cumulative: boolean;
  /** The connection generation it arrived on: after a reconnect the broker forgot it. */
  readonly epoch: number;
}

/**
 * One session's unacknowledged deliveries, by the id the relay gave them. That id is both the
 * MESSAGE's `ack` and its `message-id`, so a STOMP 1.2 client's ACK (`id`) and a 1.0/1.1
 * client's (`message-id` + `subscription`) find the same entry. Bounded: past `max` the oldest
 * is forgotten and `onOverflow` counts it.
 */
export class AckMap {
  readonly #max: number;
  readonly #onOverflow: () => void;
  readonly #entries = new Map<string, AckEntry>();

  constructor(max: number, onOverflow: () => void) {
    this.#max = max;
    this.#onOverflow = onOverflow;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(id: string, entry: AckEntry): void {
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
      this.#onOverflow();
    }
    this.#entries.set(id, entry);
  }

  /**
   * Takes the entry the client acknowledges. In `client` mode an ACK covers every earlier
   * delivery of the same subscription too, so those are forgotten with it.
   */
  take(id: string): AckEntry | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.cumulative) {
      for (const [key, other] of this.#entries) {
        if (key === id) break;
        if (other.clientSubscription === entry.clientSubscription) this.#entries.delete(key);
      }
    }
    this.#entries.delete(id);
    return entry;
  }

  /** Takes a subscription's entries (it ended), oldest first. */
  takeSubscription(clientSubscription: string): AckEntry[] {
    const taken: AckEntry[] = [];
    for (const [key, entry] of this.#entries) {
      if (entry.clientSubscription !== clientSubscription) continue;
      this.#entries.delete(key);
      taken.push(entry);
    }
    return taken;
  }
}
