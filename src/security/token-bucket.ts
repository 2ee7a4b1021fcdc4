/**
 * A token bucket (`rate` tokens per second, holding at most `burst`) held as one number, so a
 * session's rate limits cost two numbers, not two objects: `fullAt`, the time (ms) at which the
 * bucket is full again (0, or any past time: full). Refilled lazily from the clock on each take,
 * so an idle bucket costs nothing.
 *
 * Takes `n` tokens at `now`; returns the new `fullAt`, or -1 (taking none) when the bucket does
 * not hold that many.
 */
export function takeTokens(fullAt: number, n: number, now: number, rate: number, burst: number): number {
  const due = fullAt > now ? fullAt : now;
  // Tokens missing from a full bucket at `now`, and after this take.
  const missing = ((due - now) * rate) / 1000 + n;
  return missing > burst ? -1 : due + (n * 1000) / rate;
}
