/** What a client-ack subscription's pending buffer does when it is full. */
export type PendingOverflowPolicy = 'terminate' | 'drop-oldest';

/** What {@link PendingDeliveries.add} did with a message. */
export type PendingOutcome =
  /** It waits at the tail. */
  | 'held'
  /** It waits at the tail; the oldest waiting message was dropped to make room. */
  | 'droppedOldest'
  /** It was not taken: the buffer is full and the policy is 'terminate'. */
  | 'full';

/**
 * Topic messages waiting for client-ack subscriptions whose ack window (`maxUnacked`) is full,
 * as a prefetch limit holds them back in RabbitMQ: a bounded FIFO per subscription, released in
 * order as the subscriber acknowledges. Queue messages never wait here: they stay in their
 * queue, where another consumer may take them.
 */
export class PendingDeliveries<S, M> {
  readonly #max: number;
  readonly #policy: PendingOverflowPolicy;
  readonly #waiting = new Map<S, M[]>();
  #size = 0;

  constructor(max: number, policy: PendingOverflowPolicy) {
    this.#max = max;
    this.#policy = policy;
  }

  /** Messages waiting, all subscriptions together. */
  get size(): number {
    return this.#size;
  }

  /** True when messages wait for `subscription` (a new one must queue behind them). */
  has(subscription: S): boolean {
    return this.#waiting.has(subscription);
  }

  /** Queues a message for `subscription`, applying the overflow policy when its buffer is full. */
  add(subscription: S, message: M): PendingOutcome {
    let waiting = this.#waiting.get(subscription);
    if (waiting === undefined) this.#waiting.set(subscription, (waiting = []));
    let outcome: PendingOutcome = 'held';
    if (waiting.length >= this.#max) {
      if (this.#policy === 'terminate') return 'full';
      waiting.shift();
      this.#size--;
      outcome = 'droppedOldest';
    }
    waiting.push(message);
    this.#size++;
    return outcome;
  }

  /** The oldest message waiting for `subscription`, removed. */
  take(subscription: S): M | undefined {
    const waiting = this.#waiting.get(subscription);
    if (waiting === undefined) return undefined;
    const next = waiting.shift();
    this.#size--;
    if (waiting.length === 0) this.#waiting.delete(subscription);
    return next;
  }

  /** Forgets what waits for `subscription`; returns how many messages that was. */
  discard(subscription: S): number {
    const waiting = this.#waiting.get(subscription);
    if (waiting === undefined) return 0;
    this.#waiting.delete(subscription);
    this.#size -= waiting.length;
    return waiting.length;
  }

  /** Forgets everything. */
  clear(): void {
    this.#waiting.clear();
    this.#size = 0;
  }
}
