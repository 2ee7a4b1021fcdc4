/** Options of `Backoff`. */
export interface BackoffOptions {
  /** First delay, ms. Default 500. */
  initialDelay?: number;
  /** Largest delay, ms. Default 5000. */
  maxDelay?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
}

/**
 * Exponential backoff with "equal jitter": each delay is drawn from [d/2, d] where d doubles per
 * attempt up to `maxDelay`, so many instances that lost the same broker do not reconnect in step.
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initial = options.initialDelay ?? 500;
    this.#max = Math.max(options.maxDelay ?? 5000, this.#initial);
    this.#factor = options.factor ?? 2;
    this.#random = random;
  }

  /** The delay before the next attempt; each call counts one attempt. */
  next(): number {
    const ceiling = Math.min(this.#max, this.#initial * this.#factor ** this.#attempt);
    this.#attempt++;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.#random());
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** Back to the first delay (after a success). */
  reset(): void {
    this.#attempt = 0;
  }
}
