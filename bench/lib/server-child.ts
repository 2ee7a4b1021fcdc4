/** Shared by the benchmark servers: reports the port, answers stats requests over IPC. */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const inspector = new Session();
inspector.connect();

export interface ServerStats {
  cpuMicros: number;
  rss: number;
  heapUsed: number;
}

/** Tells the runner the port, then serves `stats` (optionally after a GC) until `stop`. */
export function serveBenchmark(port: number, stop: () => Promise<void> | void): void {
  process.send!({ type: 'ready', port });
  process.on('message', (message: { type: string; gc?: boolean; file?: string }) => {
    if (message.type === 'stats') {
      // CPU first: a GC asked for here is not charged to the operations being measured.
      const cpu = process.cpuUsage();
      if (message.gc) gc();
      const { rss, heapUsed } = process.memoryUsage();
      process.send!({ type: 'stats', cpuMicros: cpu.user + cpu.system, rss, heapUsed });
    } else if (message.type === 'alloc-start') {
      // Sampled allocations (garbage included), for what a connect allocates (bench/heap-per-session.ts).
      const sampling = {
        samplingInterval: 256,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      };
      inspector.post('HeapProfiler.enable', () =>
        inspector.post('HeapProfiler.startSampling', sampling, () => process.send!({ type: 'alloc-start' })),
      );
    } else if (message.type === 'alloc-stop') {
      inspector.post('HeapProfiler.stopSampling', (error, result) => {
        if (error === null) writeFileSync(message.file!, JSON.stringify(result.profile));
        process.send!({ type: 'alloc-stop' });
      });
    } else if (message.type === 'profile-start') {
      // For finding where a connect's or a delivery's microseconds go (see docs/performance.md, "Lean sessions").
      inspector.post('Profiler.enable', () =>
        inspector.post('Profiler.setSamplingInterval', { interval: 100 }, () =>
          inspector.post('Profiler.start', () => process.send!({ type: 'profile-start' })),
        ),
      );
    } else if (message.type === 'profile-stop') {
      inspector.post('Profiler.stop', (error, result) => {
        if (error === null) writeFileSync(message.file!, JSON.stringify(result.profile));
        process.send!({ type: 'profile-stop' });
      });
    } else if (message.type === 'snapshot') {
      // For finding where a session's bytes go (see bench/heap-per-session.ts).
      gc();
      v8.writeHeapSnapshot(message.file);
      process.send!({ type: 'snapshot' });
    } else if (message.type === 'stop') {
      void Promise.resolve(stop()).finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Minimal STOMP for the bare baselines: command and headers of a text frame. */
export function parseFrame(text: string): { command: string; headers: Map<string, string>; body: string } {
  const end = text.indexOf('\n\n');
  const head = (end < 0 ? text : text.slice(0, end)).replace(/^\n+/, '').split('\n');
  const headers = new Map<string, string>();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !headers.has(line.slice(0, colon)))
      headers.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const nul = text.lastIndexOf('\0');
  return {
    command: head[0] ?? '',
    headers,
    body: end < 0 ? '' : text.slice(end + 2, nul < 0 ? undefined : nul),
  };
}
