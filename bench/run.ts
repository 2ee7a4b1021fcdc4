/**
 * `npm run bench`: the fan-out and connection-storm scenarios against Switchboard and two bare
 * `ws` baselines, each server and each load generator in its own process, on loopback.
 * Flags: --scenario fanout|storm|request-reply|all  --no-sockjs (skip the xhr-streaming fan-out rows)  --subscribers 500,1000  --duration 5  --servers a,b,c  --json
 * --repeat N runs every fan-out measurement N times, interleaved, and reports medians; the runs
 * behind the issue-13 ratios are at least 5 (fan-out: Switchboard and the corked baseline) and
 * 7 (storm). BENCH_SERVER_FLAGS passes node flags to the servers (e.g. --trace-opt).
 * --quick: the three issue-13 ratios only (storm, and fan-out to 500 subscribers against the
 * corked baseline, 3 s), for iterating; other flags given explicitly still apply.
 * The run ends with the issue-13 ratios (memory and CPU per connect against bare ws, CPU per
 * delivery against the corked ceiling) and their targets.
 * --servers switchboard,switchboard-metrics compares fan-out with Prometheus metrics off and on.
 * --relay adds the relay comparison (bench/relay.ts, RabbitMQ from scripts/services.sh): the
 * embedded broker, the relay in shared and per-session mode, RabbitMQ's Web-STOMP, two instances;
 * --relay-subscribers (default 500) and --relay-clients (default 2000) size it. `--servers ,`
 * with --relay runs the relay comparison alone.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanup, machine } from './lib/processes.js';
import type { FanoutRow, ServerSpec, StormRow } from './lib/scenarios.js';
import { fanout as fanoutOf, measured, storm as stormOf } from './lib/scenarios.js';
import type { RelayReport } from './relay.js';
import { printRelayReport, relayComparison } from './relay.js';
import { issueTargets, medianRows, printMemoryDetail, printTargets } from './lib/targets.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const SERVERS: Record<string, ServerSpec> = {
  switchboard: { file: here('./servers/switchboard.ts'), args: [], label: 'Switchboard' },
  'switchboard-metrics': {
    file: here('./servers/switchboard.ts'),
    args: ['metrics'],
    label: 'Switchboard, Prometheus metrics on (scraped every second)',
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
    'relay-subscribers': { type: 'string', default: '500' },
    'relay-clients': { type: 'string', default: '2000' },
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

const fanout = (name: string, n: number, seconds: number, window: number, transport?: 'xhr-streaming') =>
  fanoutOf(name, SERVERS[name]!, n, seconds, window, transport);
const storm = (name: string, count: number) => stormOf(name, SERVERS[name]!, count);

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
  }>(SERVERS.switchboard!, '../load/request-reply.ts', (port) => [
    port,
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

async function main(): Promise<void> {
  const servers = values.servers.split(',').filter(Boolean);
  const counts = values.subscribers.split(',').map(Number);
  const seconds = Number(values.duration);
  const window = Number(values.window);
  const repeat = Math.max(1, Number(values.repeat));
  // The issue-13 ratios are medians of several interleaved runs whatever --repeat says: one
  // run's CPU and RSS swing by 10-20 % on a shared machine. The pair a fan-out ratio compares
  // (Switchboard and the corked baseline) runs at least 5 times, the storm at least 7 times.
  const targetRuns = { fanout: Math.max(5, repeat), storm: Math.max(7, repeat) };
  const targetPair = new Set(['switchboard', 'ws-corked']);
  console.log(`Machine: ${machine()}\n`);
  let fanoutRows: FanoutRow[] = [];
  let stormRows: StormRow[] = [];
  if (runs('fanout') && servers.length > 0) {
    // Repeats are interleaved so that a busy moment of the shared machine hits every server alike.
    for (let rep = 0; rep < targetRuns.fanout; rep++) {
      const all = rep < repeat;
      for (const n of counts) {
        for (const name of servers) {
          if (all || targetPair.has(name)) fanoutRows.push(await fanout(name, n, seconds, window));
        }
        // The same fan-out with SockJS xhr-streaming subscribers (publisher on WebSocket).
        if (all && servers.includes('switchboard') && !values['no-sockjs']) {
          fanoutRows.push(await fanout('switchboard', n, seconds, window, 'xhr-streaming'));
        }
      }
    }
    fanoutRows = medianRows(fanoutRows, (r) => `${r.server} ${r.subscribers}`);
    console.log(
      `Fan-out: one topic, 100-byte bodies, ${window} messages in flight, ${seconds} s measured after 2 s warm-up` +
        `; ${repeat > 1 ? `medians of ${repeat} runs` : 'one run'}` +
        `${targetRuns.fanout > repeat ? ` (Switchboard and the corked baseline: medians of ${targetRuns.fanout})` : ''}\n`,
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
  let relay: RelayReport | undefined;
  if (values.relay) {
    const options = { seconds, window };
    relay = await relayComparison({
      ...options,
      subscribers: Number(values['relay-subscribers']),
      clients: Number(values['relay-clients']),
    });
    printRelayReport(relay, options);
  }
  if (runs('storm') && servers.length > 0) {
    const count = Number(values.connections);
    // Both bare servers connect alike (they differ only in fan-out): one storm row for bare ws.
    const stormServers = [
      ...servers.filter((n) => n !== 'switchboard-metrics' && !n.startsWith('ws-')),
      ...(servers.some((n) => n.startsWith('ws-')) ? ['ws-corked'] : []),
    ];
    for (let rep = 0; rep < targetRuns.storm; rep++) {
      for (const name of stormServers) stormRows.push(await storm(name, count));
    }
    stormRows = medianRows(stormRows, (r) => r.server);
    console.log(
      `Connection storm: ${count} WebSocket + STOMP CONNECTs, 200 at a time; medians of ${targetRuns.storm} runs\n`,
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
  if (targets.length > 0) printTargets(targets, machine(), targetRuns);
  printMemoryDetail(stormRows);
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          machine: machine(),
          fanout: fanoutRows,
          relay,
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
