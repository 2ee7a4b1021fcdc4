/**
 * `npm run bench`: the fan-out and connection-storm scenarios against Switchboard and two bare
 * `ws` baselines, each server and each load generator in its own process, on loopback.
 * Flags: --scenario fanout|storm|request-reply|all  --no-sockjs (skip the xhr-streaming fan-out rows)  --subscribers 500,1000  --duration 5  --servers a,b,c  --json
 * --repeat N runs every fan-out and storm measurement N times, interleaved, and reports medians.
 * --quick: the three issue-13 ratios only (storm, and fan-out to 500 subscribers against the
 * corked baseline, 3 s), for iterating; other flags given explicitly still apply.
 * The run ends with the issue-13 ratios (memory and CPU per connect against bare ws, CPU per
 * delivery against the corked ceiling) and their targets.
 * --servers switchboard,switchboard-metrics compares fan-out with Prometheus metrics off and on.
 * --relay adds fan-out rows through RabbitMQ (scripts/services.sh): Switchboard relaying to its
 * STOMP plugin, and RabbitMQ's own Web-STOMP endpoint (port 15674) on the same workload.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nextMessage } from './lib/ipc.js';
import { issueTargets, medianRows, printTargets } from './lib/targets.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
interface ServerSpec {
  label: string;
  /** A server process the runner starts; absent for an external server (RabbitMQ Web-STOMP). */
  file?: string;
  args: string[];
  /** The external server's port. */
  port?: number;
  /** Environment of the load generator (path, CONNECT headers, topic). */
  env?: () => Record<string, string>;
  /** RabbitMQ carries the traffic: its CPU is measured too. */
  rabbit?: boolean;
}
const rabbitTopic = (): Record<string, string> => ({
  BENCH_TOPIC: `/topic/bench.${randomBytes(4).toString('hex')}`,
});
const SERVERS: Record<string, ServerSpec> = {
  switchboard: { file: here('./servers/switchboard.ts'), args: [], label: 'Switchboard' },
  'switchboard-metrics': {
    file: here('./servers/switchboard.ts'),
    args: ['metrics'],
    label: 'Switchboard, Prometheus metrics on (scraped every second)',
  },
  'switchboard-relay': {
    file: here('./servers/switchboard-relay.ts'),
    args: [],
    label: 'Switchboard, relaying to RabbitMQ',
    env: rabbitTopic,
    rabbit: true,
  },
  'rabbitmq-web-stomp': {
    args: [],
    port: 15674,
    label: 'RabbitMQ Web-STOMP (port 15674)',
    env: () => ({
      ...rabbitTopic(),
      BENCH_PATH: '/ws',
      BENCH_CONNECT: 'host:/\\nlogin:guest\\npasscode:guest',
    }),
    rabbit: true,
  },
  'ws-send': { file: here('./servers/bare.ts'), args: ['send'], label: 'bare ws, ws.send per subscriber' },
  'ws-corked': {
    file: here('./servers/bare.ts'),
    args: ['corked'],
    label: 'bare ws, one frame, corked writes',
  },
};

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    subscribers: { type: 'string', default: '500,1000' },
    duration: { type: 'string', default: '5' },
    servers: { type: 'string', default: 'switchboard,switchboard-metrics,ws-send,ws-corked' },
    window: { type: 'string', default: '16' },
    connections: { type: 'string', default: '5000' },
    clients: { type: 'string', default: '100' },
    'no-sockjs': { type: 'boolean', default: false },
    relay: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
  },
});
if (values.quick) {
  const given = (flag: string): boolean =>
    process.argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  if (!given('scenario')) values.scenario = 'targets';
  if (!given('servers')) values.servers = 'switchboard,ws-corked';
  if (!given('subscribers')) values.subscribers = '500';
  if (!given('duration')) values.duration = '3';
  values['no-sockjs'] = true;
}
/** Which scenarios run: `targets` is fan-out and storm (what the ratios need). */
const runs = (scenario: 'fanout' | 'storm' | 'request-reply'): boolean =>
  values.scenario === 'all' ||
  values.scenario === scenario ||
  (values.scenario === 'targets' && scenario !== 'request-reply');

const children = new Set<ChildProcess>();
const cleanup = (): void => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function spawn(file: string, args: string[], env?: Record<string, string>): ChildProcess {
  const child = fork(file, args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

interface Stats {
  cpuMicros: number;
  rss: number;
  heapUsed: number;
}

async function stats(server: ChildProcess, gc = false): Promise<Stats> {
  const reply = nextMessage<Stats>(server, 'stats');
  server.send({ type: 'stats', gc });
  return reply;
}

/** RabbitMQ's Erlang VM: CPU (µs, from /proc) and RSS, to set beside the Node servers' own. */
function rabbitStats(): Stats {
  const pid = execFileSync('pgrep', ['-x', 'beam.smp'], { encoding: 'utf8' }).trim().split('\n')[0];
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuMicros: (ticks * 1e6) / hz, rss: rssKiB * 1024, heapUsed: 0 };
}

async function startServer(name: string): Promise<{ child: ChildProcess | undefined; port: number }> {
  const spec = SERVERS[name];
  if (!spec) throw new Error(`unknown server '${name}'`);
  if (spec.file === undefined) return { child: undefined, port: spec.port! };
  const child = spawn(spec.file, spec.args);
  const { port } = await nextMessage<{ port: number }>(child, 'ready');
  return { child, port };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  child.kill('SIGKILL');
}

/**
 * Runs one load generator against a fresh server: reads the server's CPU and RSS when the
 * generator opens and closes its measurement window, and returns the generator's result.
 */
async function measured<R>(
  serverName: string,
  loadFile: string,
  loadArgs: (port: number) => string[],
): Promise<{ result: R; cpuMicros: number; rss: number; rabbitCpuMicros?: number }> {
  const spec = SERVERS[serverName]!;
  const { child: server, port } = await startServer(serverName);
  const serverStats = (): Promise<Stats> =>
    server === undefined ? Promise.resolve({ cpuMicros: 0, rss: 0, heapUsed: 0 }) : stats(server);
  try {
    const load = spawn(here(loadFile), loadArgs(port), spec.env?.());
    const started = nextMessage(load, 'measure-start');
    const ended = nextMessage(load, 'measure-end');
    const result = nextMessage<R>(load, 'result');
    await started;
    const before = await serverStats();
    const rabbitBefore = spec.rabbit ? rabbitStats() : undefined;
    await ended;
    const after = await serverStats();
    const rabbitAfter = spec.rabbit ? rabbitStats() : undefined;
    return {
      result: await result,
      cpuMicros: after.cpuMicros - before.cpuMicros,
      rss: server === undefined ? rabbitAfter!.rss : after.rss,
      ...(rabbitBefore && { rabbitCpuMicros: rabbitAfter!.cpuMicros - rabbitBefore.cpuMicros }),
    };
  } finally {
    await stop(server);
  }
}

interface FanoutRow {
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

async function fanout(
  name: string,
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
  }>(name, './load/fanout.ts', (port) => [
    String(port),
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

interface StormRow {
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

async function storm(name: string, count: number): Promise<StormRow> {
  const { child: server, port } = await startServer(name);
  if (server === undefined) throw new Error(`the storm scenario needs a server it starts, not '${name}'`);
  try {
    const idle = await stats(server, true);
    const start = await stats(server);
    const load = spawn(here('./load/storm.ts'), [String(port), String(count), '200']);
    const result = nextMessage<{ connections: number; connectsPerSecond: number }>(load, 'result');
    const halfway = await nextMessage<{ connections: number }>(load, 'halfway');
    const middle = await stats(server);
    load.send({ type: 'continue' });
    const r = await result;
    // The CPU is read before this GC, the memory after it.
    const held = await stats(server, true);
    load.send({ type: 'release' });
    return {
      server: name,
      connections: r.connections,
      connectsPerSecond: r.connectsPerSecond,
      cpuMicrosPerConnect: (held.cpuMicros - start.cpuMicros) / r.connections,
      steadyCpuMicrosPerConnect: (held.cpuMicros - middle.cpuMicros) / (r.connections - halfway.connections),
      kibPerConnection: (held.rss - idle.rss) / 1024 / r.connections,
      heapKibPerConnection: (held.heapUsed - idle.heapUsed) / 1024 / r.connections,
    };
  } finally {
    await stop(server);
  }
}

interface RequestReplyRow {
  clients: number;
  roundTripsPerSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerRoundTrip: number;
}

async function requestReply(clients: number, seconds: number): Promise<RequestReplyRow> {
  const { result: r, cpuMicros } = await measured<{
    roundTrips: number;
    roundTripsPerSecond: number;
    p50: number;
    p99: number;
  }>('switchboard', './load/request-reply.ts', (port) => [
    String(port),
    String(clients),
    '2000',
    String(seconds * 1000),
  ]);
  return {
    clients,
    roundTripsPerSecond: r.roundTripsPerSecond,
    p50: r.p50,
    p99: r.p99,
    cpuMicrosPerRoundTrip: cpuMicros / Math.max(1, r.roundTrips),
  };
}

function machine(): string {
  const cpu =
    /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

async function main(): Promise<void> {
  const servers = values.servers.split(',').filter(Boolean);
  const relayServers = values.relay ? ['switchboard', 'switchboard-relay', 'rabbitmq-web-stomp'] : [];
  const counts = values.subscribers.split(',').map(Number);
  const seconds = Number(values.duration);
  const window = Number(values.window);
  const repeat = Math.max(1, Number(values.repeat));
  console.log(`Machine: ${machine()}\n`);
  let fanoutRows: FanoutRow[] = [];
  let stormRows: StormRow[] = [];
  if (runs('fanout')) {
    // Repeats are interleaved so that a busy moment of the shared machine hits every server alike.
    for (let rep = 0; rep < repeat; rep++) {
      for (const n of counts) {
        for (const name of servers) fanoutRows.push(await fanout(name, n, seconds, window));
        // The same fan-out with SockJS xhr-streaming subscribers (publisher on WebSocket).
        if (servers.includes('switchboard') && !values['no-sockjs']) {
          fanoutRows.push(await fanout('switchboard', n, seconds, window, 'xhr-streaming'));
        }
      }
    }
    fanoutRows = medianRows(fanoutRows, (r) => `${r.server} ${r.subscribers}`);
    console.log(
      `Fan-out: one topic, 100-byte bodies, ${window} messages in flight, ${seconds} s measured after 2 s warm-up` +
        `${repeat > 1 ? `; medians of ${repeat} runs` : ''}\n`,
    );
    console.log(
      '| server | subscribers | deliveries/s | p50 ms | p99 ms | server CPU µs/delivery | server RSS MiB | vs ws.send | vs corked |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of fanoutRows) {
      const base = fanoutRows.find((r) => r.server === 'ws-send' && r.subscribers === row.subscribers);
      const ceiling = fanoutRows.find((r) => r.server === 'ws-corked' && r.subscribers === row.subscribers);
      const ratio = (other?: FanoutRow): string =>
        other ? `${(row.deliveriesPerSecond / other.deliveriesPerSecond).toFixed(2)}×` : '–';
      console.log(
        `| ${SERVERS[row.server]?.label ?? 'Switchboard, SockJS xhr-streaming subscribers'} | ${row.subscribers} | ${Math.round(row.deliveriesPerSecond).toLocaleString('en-US')} | ` +
          `${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.cpuMicrosPerDelivery.toFixed(3)} | ${row.rssMiB.toFixed(0)} | ${ratio(base)} | ${ratio(ceiling)} |`,
      );
    }
    for (const n of counts) {
      const off = fanoutRows.find((r) => r.server === 'switchboard' && r.subscribers === n);
      const on = fanoutRows.find((r) => r.server === 'switchboard-metrics' && r.subscribers === n);
      if (off && on) {
        const ratio = on.deliveriesPerSecond / off.deliveriesPerSecond;
        console.log(
          `Prometheus metrics on vs off, ${n} subscribers: ${(ratio * 100).toFixed(1)} % of the deliveries/s, ` +
            `${((on.cpuMicrosPerDelivery / off.cpuMicrosPerDelivery) * 100).toFixed(1)} % of the CPU per delivery`,
        );
      }
    }
    console.log('');
  }
  const relayRows: FanoutRow[] = [];
  if (runs('fanout') && relayServers.length > 0) {
    for (const n of counts)
      for (const name of relayServers) relayRows.push(await fanout(name, n, seconds, window));
    console.log(
      `Fan-out through RabbitMQ (same workload; CPU per delivery of the Node server and of RabbitMQ's Erlang VM)\n`,
    );
    console.log(
      '| server | subscribers | deliveries/s | p50 ms | p99 ms | Node CPU µs/delivery | RabbitMQ CPU µs/delivery | RSS MiB |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of relayRows) {
      console.log(
        `| ${SERVERS[row.server]!.label} | ${row.subscribers} | ${Math.round(row.deliveriesPerSecond).toLocaleString('en-US')} | ` +
          `${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.server === 'rabbitmq-web-stomp' ? '–' : row.cpuMicrosPerDelivery.toFixed(3)} | ` +
          `${row.rabbitCpuMicrosPerDelivery?.toFixed(3) ?? '–'} | ${row.rssMiB.toFixed(0)} |`,
      );
    }
    console.log('');
  }
  if (runs('storm')) {
    const count = Number(values.connections);
    // Both bare servers connect alike (they differ only in fan-out): one storm row for bare ws.
    const stormServers = [
      ...servers.filter((n) => n !== 'switchboard-metrics' && !n.startsWith('ws-')),
      ...(servers.some((n) => n.startsWith('ws-')) ? ['ws-corked'] : []),
    ];
    for (let rep = 0; rep < repeat; rep++) {
      for (const name of stormServers) stormRows.push(await storm(name, count));
    }
    stormRows = medianRows(stormRows, (r) => r.server);
    console.log(
      `Connection storm: ${count} WebSocket + STOMP CONNECTs, 200 at a time${repeat > 1 ? `; medians of ${repeat} runs` : ''}\n`,
    );
    console.log(
      '| server | connections | connects/s | server CPU µs/connect | second half only | KiB RSS per idle connection | KiB heap per idle connection |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const row of stormRows) {
      console.log(
        `| ${row.server === 'ws-corked' ? 'bare ws' : SERVERS[row.server]!.label} | ${row.connections} | ${Math.round(row.connectsPerSecond).toLocaleString('en-US')} | ` +
          `${row.cpuMicrosPerConnect.toFixed(0)} | ${row.steadyCpuMicrosPerConnect.toFixed(0)} | ${row.kibPerConnection.toFixed(1)} | ${row.heapKibPerConnection.toFixed(1)} |`,
      );
    }
    console.log('');
  }
  const requestReplyRows: RequestReplyRow[] = [];
  if (runs('request-reply') && servers.includes('switchboard')) {
    const clients = Number(values.clients);
    requestReplyRows.push(await requestReply(clients, seconds));
    console.log(
      `Request/reply: ${clients} sessions, each SEND /app/rr → handler → reply on /user/queue/reply, one in flight per session\n`,
    );
    console.log('| server | sessions | round trips/s | p50 ms | p99 ms | server CPU µs/round trip |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const row of requestReplyRows) {
      console.log(
        `| Switchboard | ${row.clients} | ${Math.round(row.roundTripsPerSecond).toLocaleString('en-US')} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.cpuMicrosPerRoundTrip.toFixed(2)} |`,
      );
    }
    console.log('');
  }
  const targets = issueTargets(stormRows, fanoutRows);
  if (targets.length > 0) printTargets(targets, machine(), repeat);
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          machine: machine(),
          fanout: fanoutRows,
          relay: relayRows,
          storm: stormRows,
          requestReply: requestReplyRows,
          targets,
        },
        null,
        2,
      ),
    );
  }
  cleanup();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  cleanup();
  process.exit(1);
});
