/** The load generators' shared measurement window: warm up, measure, report percentiles. */
import { performance } from 'node:perf_hooks';

/**
 * Waits `warmupMs`, tells the runner the window opens, calls `setMeasuring(true)` for
 * `measureMs`, closes the window, and returns the elapsed seconds and a percentile function
 * over `latencies` (sorted in place).
 */
export async function measureWindow(
  warmupMs: number,
  measureMs: number,
  setMeasuring: (on: boolean) => void,
  latencies: number[],
): Promise<{ seconds: number; percentile: (p: number) => number }> {
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  process.send!({ type: 'measure-start' });
  setMeasuring(true);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, measureMs));
  setMeasuring(false);
  const seconds = (performance.now() - started) / 1000;
  process.send!({ type: 'measure-end' });
  latencies.sort((a, b) => a - b);
  const percentile = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { seconds, percentile };
}
