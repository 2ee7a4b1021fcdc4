/**
 * A token bucket: `rate` tokens per second, holding at most `burst`. Refilled lazily from the
 * clock on each take, so an idle bucket costs nothing.
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  #tokens: number;
  #last: number;

  constructor(rate: number, burst: number = 2 * rate, now: number = Date.now()) {
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes `n` tokens; false (taking none) when the bucket does not hold that many. */
  take(n: number, now: number = Date.now()): boolean {
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.rate) / 1000);
      this.#last = now;
    }
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}
