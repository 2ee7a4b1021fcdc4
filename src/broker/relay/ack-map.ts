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
  /** The client transaction whose ACK or NACK settles it, until that transaction ends. */
  transaction?: string;
}

/**
 * One session's unacknowledged deliveries, by the id the relay gave them. That id is both the
 * MESSAGE's `ack` and its `message-id`, so a STOMP 1.2 client's ACK (`id`) and a 1.0/1.1
 * client's (`message-id` + `subscription`) find the same entry. An ACK or NACK inside a
 * transaction only claims its entries: COMMIT forgets them, ABORT gives them back (the client
 * may settle them again). Bounded: past `max` the oldest is forgotten and `onOverflow` counts it.
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
   * What an ACK or NACK of `id` settles, oldest first: the entry, and in `client` mode every
   * earlier one of the same subscription too. Outside a transaction they are forgotten; inside
   * one (`transaction`) they are claimed by it. Undefined when `id` is unknown or already
   * claimed by an open transaction.
   */
  settle(id: string, transaction?: string): AckEntry[] | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.transaction !== undefined) return undefined;
    const settled: [string, AckEntry][] = [];
    if (entry.cumulative) {
      for (const [key, other] of this.#entries) {
        if (key === id) break;
        if (other.clientSubscription === entry.clientSubscription && other.transaction === undefined)
          settled.push([key, other]);
      }
    }
    settled.push([id, entry]);
    for (const [key, settledEntry] of settled) {
      if (transaction === undefined) this.#entries.delete(key);
      else settledEntry.transaction = transaction;
    }
    return settled.map(([, settledEntry]) => settledEntry);
  }

  /** A transaction committed: what it claimed is settled. */
  commit(transaction: string): void {
    for (const [key, entry] of this.#entries)
      if (entry.transaction === transaction) this.#entries.delete(key);
  }

  /** A transaction aborted: what it claimed can be settled again. */
  abort(transaction: string): void {
    for (const entry of this.#entries.values())
      if (entry.transaction === transaction) entry.transaction = undefined;
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
