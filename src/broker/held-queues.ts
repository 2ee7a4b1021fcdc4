/** What a full queue does with a new publish. */
export type QueueOverflowPolicy = 'drop-oldest' | 'reject';

/** Messages of one queue destination that no subscriber could take yet, oldest first. */
export interface HeldQueue<M> {
  readonly held: M[];
  /** Where round-robin dispatch starts next, among the destination's subscriptions. */
  next: number;
}

/** What {@link HeldQueues.push} did with a new message. */
export type HoldOutcome<M> =
  | { readonly kind: 'held' }
  /** Held; to make room, these (oldest) messages were dropped. */
  | { readonly kind: 'droppedOldest'; readonly dropped: readonly M[] }
  /** Not held: the queue is at maxQueueDepth and the policy is 'reject'. */
  | { readonly kind: 'rejected' };

/**
 * The queues of the simple broker, per destination, each bounded by `maxQueueDepth` for new
 * publishes. Requeued messages (NACKed, or from a subscriber that left) go back at the head
 * whatever the depth: they were accepted once, and the bound applies to what comes next.
 */
export class HeldQueues<M> {
  readonly #maxDepth: number;
  readonly #policy: QueueOverflowPolicy;
  readonly #queues = new Map<string, HeldQueue<M>>();

  constructor(maxDepth: number, policy: QueueOverflowPolicy) {
    this.#maxDepth = maxDepth;
    this.#policy = policy;
  }

  /** Number of destinations with a queue. */
  get size(): number {
    return this.#queues.size;
  }

  /** Messages held, all queues together. */
  get heldCount(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.held.length;
    return n;
  }

  get(destination: string): HeldQueue<M> | undefined {
    return this.#queues.get(destination);
  }

  /** The destination's queue, created empty when there is none. */
  open(destination: string): HeldQueue<M> {
    let queue = this.#queues.get(destination);
    if (queue === undefined) this.#queues.set(destination, (queue = { held: [], next: 0 }));
    return queue;
  }

  /** Removes a destination's queue; returns the messages it still held. */
  delete(destination: string): readonly M[] {
    const queue = this.#queues.get(destination);
    this.#queues.delete(destination);
    return queue?.held ?? [];
  }

  destinations(): IterableIterator<string> {
    return this.#queues.keys();
  }

  clear(): void {
    this.#queues.clear();
  }

  /** Holds a newly published message at the tail, applying the overflow policy at maxQueueDepth. */
  push(queue: HeldQueue<M>, message: M): HoldOutcome<M> {
    if (queue.held.length < this.#maxDepth) {
      queue.held.push(message);
      return { kind: 'held' };
    }
    if (this.#policy === 'reject') return { kind: 'rejected' };
    const dropped = queue.held.splice(0, queue.held.length - this.#maxDepth + 1);
    queue.held.push(message);
    return { kind: 'droppedOldest', dropped };
  }

  /** Puts a requeued message back at the head (it was accepted once: no depth check). */
  unshift(queue: HeldQueue<M>, message: M): void {
    queue.held.unshift(message);
  }
}
