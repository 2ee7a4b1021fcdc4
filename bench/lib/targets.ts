/**
 * The three cost ratios of issue 13 ("lean sessions"), each against its bare `ws` baseline
 * measured in the same run: memory per idle session, server CPU per connect (handshake +
 * CONNECT → CONNECTED), server CPU per fan-out delivery (against the corked ceiling).
 */

/** What the ratios need of a storm row (bench/run.ts). */
export interface StormFigures {
  server: string;
  connections: number;
  cpuMicrosPerConnect: number;
  steadyCpuMicrosPerConnect: number;
  kibPerConnection: number;
  heapKibPerConnection: number;
}

/** What the ratios need of a fan-out row (bench/run.ts). */
export interface FanoutFigures {
  server: string;
  subscribers: number;
  cpuMicrosPerDelivery: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Collapses repeated runs into one row per key: every numeric field becomes the median of the
 * runs, other fields are taken from the first run.
 */
export function medianRows<T extends object>(rows: readonly T[], key: (row: T) => string): T[] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [row]);
    else group.push(row);
  }
  return [...groups.values()].map((group) => {
    const out = { ...group[0]! };
    for (const field of Object.keys(out) as (keyof T)[]) {
      if (typeof out[field] === 'number') {
        out[field] = median(group.map((r) => r[field] as number)) as T[keyof T];
      }
    }
    return out;
  });
}

/** One ratio: Switchboard's figure over the baseline's, and the most it may be. */
export interface Target {
  label: string;
  switchboard: number;
  baseline: number;
  unit: string;
  limit: number;
}

/**
 * Prints the ratios with their targets; returns false when one is over its target. `runs`
 * says how many runs each figure is the median of (storm, fan-out).
 */
export function printTargets(
  targets: readonly Target[],
  machine: string,
  runs: { storm: number; fanout: number },
): boolean {
  const medians = (n: number): string => (n > 1 ? `medians of ${n} runs` : 'one run');
  console.log(
    `Issue 13 targets (Switchboard / bare ws, same run; storm: ${medians(runs.storm)}, fan-out: ${medians(runs.fanout)}; ${machine})\n`,
  );
  console.log('| cost | Switchboard | bare ws | ratio | target | |');
  console.log('|---|---:|---:|---:|---:|---|');
  let met = true;
  for (const t of targets) {
    const ratio = t.switchboard / t.baseline;
    const ok = ratio <= t.limit;
    met &&= ok;
    const digits = t.switchboard < 10 ? 3 : 1;
    console.log(
      `| ${t.label} | ${t.switchboard.toFixed(digits)} ${t.unit} | ${t.baseline.toFixed(digits)} ${t.unit} | ` +
        `**${ratio.toFixed(2)}×** | ≤ ${t.limit.toFixed(2)}× | ${ok ? 'met' : 'NOT MET'} |`,
    );
  }
  console.log('');
  return met;
}

/** The issue-13 ratios this run can give (each needs Switchboard and its baseline). */
export function issueTargets(
  stormRows: readonly StormFigures[],
  fanoutRows: readonly FanoutFigures[],
): Target[] {
  const targets: Target[] = [];
  const sb = stormRows.find((r) => r.server === 'switchboard');
  const bare = stormRows.find((r) => r.server === 'ws-corked');
  if (sb && bare) {
    targets.push(
      {
        label: `memory per idle session (RSS, ${sb.connections} sessions)`,
        switchboard: sb.kibPerConnection,
        baseline: bare.kibPerConnection,
        unit: 'KiB',
        limit: 1.1,
      },
      {
        label: 'server CPU per connect (handshake + CONNECT), whole storm',
        switchboard: sb.cpuMicrosPerConnect,
        baseline: bare.cpuMicrosPerConnect,
        unit: 'µs',
        limit: 1.3,
      },
      {
        label: 'server CPU per connect, second half of the storm (JIT warm)',
        switchboard: sb.steadyCpuMicrosPerConnect,
        baseline: bare.steadyCpuMicrosPerConnect,
        unit: 'µs',
        limit: 1.3,
      },
    );
  }
  for (const row of fanoutRows.filter((r) => r.server === 'switchboard')) {
    const corked = fanoutRows.find((r) => r.server === 'ws-corked' && r.subscribers === row.subscribers);
    if (corked === undefined) continue;
    targets.push({
      label: `server CPU per delivery (${row.subscribers} subscribers; baseline: corked)`,
      switchboard: row.cpuMicrosPerDelivery,
      baseline: corked.cpuMicrosPerDelivery,
      unit: 'µs',
      limit: 1.25,
    });
  }
  return targets;
}

/**
 * Beside the RSS ratio (the target), the JS heap the sessions' objects hold: RSS adds V8's young
 * generation and its page pools, sized by the storm's allocation rate, which move RSS per session
 * by about ±1 KiB between runs (see docs/performance.md).
 */
export function printMemoryDetail(stormRows: readonly StormFigures[]): void {
  const sb = stormRows.find((r) => r.server === 'switchboard');
  const bare = stormRows.find((r) => r.server === 'ws-corked');
  if (sb === undefined || bare === undefined) return;
  const [a, b] = [sb.heapKibPerConnection, bare.heapKibPerConnection];
  console.log(
    `JS heap per idle session (what the sessions' objects hold; RSS adds V8's young generation and page pools): ` +
      `${a.toFixed(2)} / ${b.toFixed(2)} KiB = ${(a / b).toFixed(2)}×\n`,
  );
}
