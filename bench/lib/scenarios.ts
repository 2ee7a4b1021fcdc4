/**
 * The measured scenarios, each against fresh servers: fan-out (deliveries/s, latency, CPU) and
 * the connection storm (connects/s, memory per connection). A server is a {@link ServerSpec}:
 * a process the runner starts (one or several instances), or an external one (RabbitMQ).
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nextMessage } from './ipc.js';
import type { Stats } from './processes.js';
import { rabbitStats, spawn, stats, stop } from './processes.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** A server under test. */
export interface ServerSpec {
  label: string;
  /** A server process the runner starts; absent for an external server (RabbitMQ Web-STOMP). */
  file?: string;
  args: string[];
  /** Processes started (subscribers are split between them; the publisher uses the first). Default 1. */
  instances?: number;
  /** The external server's port. */
  port?: number;
  /** Environment of the load generator (path, CONNECT headers, topic). */
  env?: () => Record<string, string>;
  /** RabbitMQ carries the traffic: its CPU is measured too. */
  rabbit?: boolean;
}

/** Started servers: their processes (none for an external server) and ports. */
export interface Started {
  children: ChildProcess[];
  ports: number[];
}

export async function startServers(spec: ServerSpec): Promise<Started> {
  if (spec.file === undefined) return { children: [], ports: [spec.port!] };
  const children = Array.from({ length: spec.instances ?? 1 }, () => spawn(spec.file!, spec.args));
  const ports = await Promise.all(
    children.map(async (child) => (await nextMessage<{ port: number }>(child, 'ready')).port),
  );
  return { children, ports };
}

export async function stopServers(started: Started): Promise<void> {
  await Promise.all(started.children.map(stop));
}

/** CPU, RSS and heap summed over the started processes (RabbitMQ's for an external server). */
async function serverStats(started: Started, gc = false): Promise<Stats> {
  if (started.children.length === 0) return rabbitStats();
  const all = await Promise.all(started.children.map((child) => stats(child, gc)));
  return all.reduce((a, b) => ({
    cpuMicros: a.cpuMicros + b.cpuMicros,
    rss: a.rss + b.rss,
    heapUsed: a.heapUsed + b.heapUsed,
  }));
}

/**
 * Runs one load generator against fresh servers: reads their CPU and RSS when the generator
 * opens and closes its measurement window, and returns the generator's result.
 */
export async function measured<R>(
  spec: ServerSpec,
  loadFile: string,
  loadArgs: (ports: string) => string[],
): Promise<{ result: R; cpuMicros: number; rss: number; rabbitCpuMicros?: number }> {
  const started = await startServers(spec);
  const external = started.children.length === 0;
  try {
    const load = spawn(here(loadFile), loadArgs(started.ports.join(',')), spec.env?.());
    const opened = nextMessage(load, 'measure-start');
    const ended = nextMessage(load, 'measure-end');
    const result = nextMessage<R>(load, 'result');
    await opened;
    const before = external ? { cpuMicros: 0, rss: 0, heapUsed: 0 } : await serverStats(started);
    const rabbitBefore = spec.rabbit ? rabbitStats() : undefined;
    await ended;
    const after = external ? { cpuMicros: 0, rss: 0, heapUsed: 0 } : await serverStats(started);
    const rabbitAfter = spec.rabbit ? rabbitStats() : undefined;
    return {
      result: await result,
      cpuMicros: after.cpuMicros - before.cpuMicros,
      rss: external ? rabbitAfter!.rss : after.rss,
      ...(rabbitBefore && { rabbitCpuMicros: rabbitAfter!.cpuMicros - rabbitBefore.cpuMicros }),
    };
  } finally {
    await stopServers(started);
  }
}

export interface FanoutRow {
  server: string;
  subscribers: number;
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerDelivery: number;
  /** RabbitMQ's CPU per delivery, for rows where it carries the traffic. */
  rabbitCpuMicrosPerDelivery?: number;
  rssMiB: number;
}

/** Fan-out to `subscribers` on one topic (split between the instances), `window` messages in flight. */
export async function fanout(
  name: string,
  spec: ServerSpec,
  subscribers: number,
  seconds: number,
  window: number,
  transport: 'websocket' | 'xhr-streaming' = 'websocket',
): Promise<FanoutRow> {
  const {
    result: r,
    cpuMicros,
    rss,
    rabbitCpuMicros,
  } = await measured<{
    deliveries: number;
    deliveriesPerSecond: number;
    p50: number;
    p99: number;
  }>(spec, '../load/fanout.ts', (ports) => [
    ports,
    String(subscribers),
    '2000',
    String(seconds * 1000),
    String(window),
    transport,
  ]);
  return {
    server: transport === 'websocket' ? name : `${name}-${transport}`,
    subscribers,
    deliveriesPerSecond: r.deliveriesPerSecond,
    p50: r.p50,
    p99: r.p99,
    cpuMicrosPerDelivery: cpuMicros / Math.max(1, r.deliveries),
    ...(rabbitCpuMicros !== undefined && {
      rabbitCpuMicrosPerDelivery: rabbitCpuMicros / Math.max(1, r.deliveries),
    }),
    rssMiB: rss / 1048576,
  };
}

export interface StormRow {
  server: string;
  connections: number;
  connectsPerSecond: number;
  /** Server CPU (user + system) per connection: the WebSocket handshake plus CONNECT → CONNECTED. */
  cpuMicrosPerConnect: number;
  /** The same over the second half of the storm only: once the JIT has compiled the connect path. */
  steadyCpuMicrosPerConnect: number;
  /** RSS growth per idle connection, after a GC. */
  kibPerConnection: number;
  /** JS heap growth per idle connection, after a GC. */
  heapKibPerConnection: number;
}

/** What a storm's caller may measure while the connections are held. */
export interface Held {
  started: Started;
  /** The load generator's process id (its sockets are the clients'). */
  loadPid: number;
}

/**
 * `count` connections, 200 at a time (each also subscribing to `BENCH_SUBSCRIBE` when the spec's
 * environment names one); memory is read once they are all held, and `whileHeld` may measure more.
 */
export async function storm<T = undefined>(
  name: string,
  spec: ServerSpec,
  count: number,
  whileHeld?: (held: Held) => T | Promise<T>,
): Promise<StormRow & { held?: T }> {
  const started = await startServers(spec);
  try {
    const idle = await serverStats(started, true);
    const start = await serverStats(started);
    const load = spawn(
      here('../load/storm.ts'),
      [started.ports.join(','), String(count), '200'],
      spec.env?.(),
    );
    const result = nextMessage<{ connections: number; connectsPerSecond: number }>(load, 'result');
    // The storm pauses halfway, so that the CPU of its second half (JIT warm) can be read apart.
    const halfway = await nextMessage<{ connections: number }>(load, 'halfway');
    const middle = await serverStats(started);
    load.send({ type: 'continue' });
    const r = await result;
    // The CPU is read before this GC, the memory after it.
    const heldStats = await serverStats(started, true);
    const held = whileHeld === undefined ? undefined : await whileHeld({ started, loadPid: load.pid! });
    load.send({ type: 'release' });
    return {
      server: name,
      connections: r.connections,
      connectsPerSecond: r.connectsPerSecond,
      cpuMicrosPerConnect: (heldStats.cpuMicros - start.cpuMicros) / r.connections,
      steadyCpuMicrosPerConnect:
        (heldStats.cpuMicros - middle.cpuMicros) / (r.connections - halfway.connections),
      kibPerConnection: (heldStats.rss - idle.rss) / 1024 / r.connections,
      heapKibPerConnection: (heldStats.heapUsed - idle.heapUsed) / 1024 / r.connections,
      ...(held !== undefined && { held }),
    };
  } finally {
    await stopServers(started);
  }
}
