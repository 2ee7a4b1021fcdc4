import { performance } from 'node:perf_hooks';

/** What {@link ConnectDeadlines} keeps of a session: its place in the queue (-1: not waiting). */
export interface AwaitingConnect {
  deadlineSlot: number;
}

/**
 * Sessions that must CONNECT within `connectTimeout`, watched by one timer for all of them
 * rather than a timer per session (a `Timeout` made, armed and cleared for every connect).
 * Every session waits the same time, so deadlines come in arrival order and the queue is
 * first-in first-out; a session that connects or closes in time leaves a hole, and the queue
 * never holds on to it.
 */
export class ConnectDeadlines<C extends AwaitingConnect> {
  readonly #timeout: number;
  readonly #expired: (waiting: C) => void;
  #waiting: (C | undefined)[] = [];
  /** `performance.now()` deadlines, parallel to `#waiting`. */
  #deadlines: number[] = [];
  #head = 0;
  /** The slot number of `#waiting[0]` (slots stay valid as the queue is compacted). */
  #base = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The deadline the timer was armed for. */
  #armedFor = 0;

  constructor(timeout: number, expired: (waiting: C) => void) {
    this.#timeout = timeout;
    this.#expired = expired;
  }

  /** Sessions waiting now. */
  get size(): number {
    let n = 0;
    for (let i = this.#head; i < this.#waiting.length; i++) if (this.#waiting[i] !== undefined) n++;
    return n;
  }

  /** Starts the clock for `waiting`. */
  add(waiting: C): void {
    waiting.deadlineSlot = this.#base + this.#waiting.length;
    this.#waiting.push(waiting);
    const deadline = performance.now() + this.#timeout;
    this.#deadlines.push(deadline);
    if (this.#timer === undefined) this.#arm(deadline, this.#timeout);
  }

  /** Stops the clock for `waiting` (it connected, or closed). */
  remove(waiting: C): void {
    const slot = waiting.deadlineSlot;
    if (slot < 0) return;
    waiting.deadlineSlot = -1;
    this.#waiting[slot - this.#base] = undefined;
    this.#skipHoles();
  }

  /** Forgets every session and stops the timer. */
  clear(): void {
    for (let i = this.#head; i < this.#waiting.length; i++) {
      const waiting = this.#waiting[i];
      if (waiting !== undefined) waiting.deadlineSlot = -1;
    }
    this.#base += this.#waiting.length;
    this.#waiting = [];
    this.#deadlines = [];
    this.#head = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(deadline: number, delay: number): void {
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#fire, delay);
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    // The timer is trusted for the deadline it was armed for (it may fire a little before the
    // clock reaches it); sessions due within the same millisecond go with it.
    const due = this.#armedFor + 1;
    while (this.#head < this.#waiting.length && this.#deadlines[this.#head]! <= due) {
      const waiting = this.#waiting[this.#head];
      this.#waiting[this.#head++] = undefined;
      if (waiting === undefined) continue;
      waiting.deadlineSlot = -1;
      this.#expired(waiting);
    }
    this.#skipHoles();
    if (this.#head < this.#waiting.length && this.#timer === undefined) {
      const next = this.#deadlines[this.#head]!;
      this.#arm(next, Math.max(1, next - performance.now()));
    }
  };

  /** Moves the head past sessions no longer waiting, and drops the slots behind it. */
  #skipHoles(): void {
    const waiting = this.#waiting;
    let head = this.#head;
    while (head < waiting.length && waiting[head] === undefined) head++;
    if (head > 1024 && head * 2 > waiting.length) {
      waiting.splice(0, head);
      this.#deadlines.splice(0, head);
      this.#base += head;
      head = 0;
    }
    this.#head = head;
  }
}
