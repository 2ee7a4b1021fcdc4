/**
 * `npm run bench -- --relay`: the embedded broker, the relay in shared and in per-session mode,
 * and RabbitMQ's own Web-STOMP, side by side in one run: fan-out, a connection storm, what each
 * costs RabbitMQ with many clients (connections, queues, Erlang memory), and two instances in
 * shared mode with the subscribers split between them.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connectionsTo, erlangMemory, queuesBoundTo, rabbitFileLimit } from './lib/rabbit-cost.js';
import type { FanoutRow, ServerSpec, StormRow } from './lib/scenarios.js';
import { fanout, storm } from './lib/scenarios.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const RABBIT_STOMP_PORT = 61613;
const WEB_STOMP_PORT = 15674;

/** A fresh topic per run, so its RabbitMQ queue and bindings are this run's only. */
const topic = (): string => `/topic/bench.${randomBytes(4).toString('hex')}`;
const webStompEnv = { BENCH_PATH: '/ws', BENCH_CONNECT: 'host:/\\nlogin:guest\\npasscode:guest' };

/** The servers compared, in the order of the tables. */
export const RELAY_SERVERS: Record<string, ServerSpec> = {
  embedded: { file: here('./servers/switchboard.ts'), args: [], label: 'Switchboard, embedded broker' },
  shared: {
    file: here('./servers/switchboard-relay.ts'),
    args: ['shared'],
    label: 'Switchboard relay, shared mode',
    env: () => ({ BENCH_TOPIC: topic() }),
    rabbit: true,
  },
  'per-session': {
    file: here('./servers/switchboard-relay.ts'),
    args: ['per-session'],
    label: 'Switchboard relay, per-session mode',
    env: () => ({ BENCH_TOPIC: topic() }),
    rabbit: true,
  },
  'web-stomp': {
    args: [],
    port: WEB_STOMP_PORT,
    label: 'RabbitMQ Web-STOMP (port 15674)',
    env: () => ({ ...webStompEnv, BENCH_TOPIC: topic() }),
    rabbit: true,
  },
  'shared-x2': {
    file: here('./servers/switchboard-relay.ts'),
    args: ['shared'],
    instances: 2,
    label: 'two instances, shared mode, subscribers split',
    env: () => ({ BENCH_TOPIC: topic() }),
    rabbit: true,
  },
};

/** What one mode costs RabbitMQ with the storm's clients connected and subscribed to one topic. */
export interface BrokerCost {
  /** TCP connections to the broker (the relay's; Web-STOMP: the clients' own). */
  connections: number;
  /** Queues bound to the clients' topic. */
  queues: number;
  /** Growth of the Erlang VM's memory from before the servers started, MiB. */
  erlangMemoryMiB: number;
}

export interface RelayReport {
  fanout: FanoutRow[];
  storm: (StormRow & { cost?: BrokerCost })[];
}

/** Runs every row. `subscribers` for fan-out, `clients` for the storm. */
export async function relayComparison(options: {
  subscribers: number;
  clients: number;
  seconds: number;
  window: number;
}): Promise<RelayReport> {
  const fanoutRows: FanoutRow[] = [];
  for (const [name, spec] of Object.entries(RELAY_SERVERS)) {
    console.error(`relay comparison: fan-out, ${spec.label}`);
    fanoutRows.push(await fanout(name, spec, options.subscribers, options.seconds, options.window));
  }
  const stormRows: RelayReport['storm'] = [];
  // A broker connection per client: keep clear of RabbitMQ's file limit (leave 300 for the rest).
  const perClientCap = Math.max(100, rabbitFileLimit() - 300);
  for (const [name, spec] of Object.entries(RELAY_SERVERS)) {
    if (name === 'shared-x2') continue;
    console.error(`relay comparison: storm, ${spec.label}`);
    const subscribeTo = topic();
    const withTopic: ServerSpec = { ...spec, env: () => ({ ...spec.env?.(), BENCH_SUBSCRIBE: subscribeTo }) };
    if (name === 'embedded') {
      stormRows.push(await storm(name, withTopic, options.clients));
      continue;
    }
    const memoryBefore = erlangMemory();
    const clients =
      name === 'per-session' || name === 'web-stomp'
        ? Math.min(options.clients, perClientCap)
        : options.clients;
    if (clients < options.clients) {
      console.error(
        `relay comparison: ${spec.label} limited to ${clients} clients (RabbitMQ's file limit is ${rabbitFileLimit()})`,
      );
    }
    const row = await storm(name, withTopic, clients, ({ started, loadPid }) => ({
      connections:
        started.children.length > 0
          ? connectionsTo(
              started.children.map((c) => c.pid!),
              RABBIT_STOMP_PORT,
            )
          : connectionsTo([loadPid], WEB_STOMP_PORT),
      queues: queuesBoundTo(subscribeTo.slice('/topic/'.length)),
      erlangMemoryMiB: (erlangMemory() - memoryBefore) / 1048576,
    }));
    const { held, ...rest } = row;
    stormRows.push(held === undefined ? rest : { ...rest, cost: held });
  }
  return { fanout: fanoutRows, storm: stormRows };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Prints the report as Markdown tables, with the ratios the issue's acceptance names. */
export function printRelayReport(report: RelayReport, options: { seconds: number; window: number }): void {
  const label = (name: string): string => RELAY_SERVERS[name]?.label ?? name;
  const embeddedFanout = report.fanout.find((r) => r.server === 'embedded');
  console.log(
    `Relay comparison, fan-out: one topic, 100-byte bodies, ${options.window} messages in flight, ` +
      `${options.seconds} s measured after 2 s warm-up\n`,
  );
  console.log(
    '| server | subscribers | deliveries/s | × embedded | p50 ms | p99 ms | Node CPU µs/delivery | RabbitMQ CPU µs/delivery | Node RSS MiB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of report.fanout) {
    const ratio = embeddedFanout
      ? (row.deliveriesPerSecond / embeddedFanout.deliveriesPerSecond).toFixed(2)
      : '–';
    const external = row.server === 'web-stomp';
    console.log(
      `| ${label(row.server)} | ${row.subscribers} | ${int(row.deliveriesPerSecond)} | ${ratio}× | ` +
        `${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${external ? '–' : row.cpuMicrosPerDelivery.toFixed(3)} | ` +
        `${row.rabbitCpuMicrosPerDelivery?.toFixed(3) ?? '–'} | ${external ? '–' : row.rssMiB.toFixed(0)} |`,
    );
  }
  const embeddedStorm = report.storm.find((r) => r.server === 'embedded');
  const clients = report.storm[0]?.connections ?? 0;
  console.log(
    `\nRelay comparison, connection storm: ${int(clients)} clients (WebSocket + CONNECT + SUBSCRIBE to one topic, ` +
      'confirmed by a receipt), 200 at a time, then held: what each costs\n',
  );
  console.log(
    '| server | clients | connects/s | × embedded | Node KiB per client | broker connections | RabbitMQ queues for the topic | Erlang memory MiB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of report.storm) {
    const ratio = embeddedStorm ? (row.connectsPerSecond / embeddedStorm.connectsPerSecond).toFixed(2) : '–';
    const node = row.server === 'web-stomp' ? '–' : row.kibPerConnection.toFixed(1);
    const cost = row.cost;
    console.log(
      `| ${label(row.server)} | ${int(row.connections)} | ${int(row.connectsPerSecond)} | ${ratio}× | ${node} | ` +
        `${cost ? int(cost.connections) : '–'} | ${cost ? int(cost.queues) : '–'} | ${cost ? `+${cost.erlangMemoryMiB.toFixed(0)}` : '–'} |`,
    );
  }
  const sharedFanout = report.fanout.find((r) => r.server === 'shared');
  const sharedStorm = report.storm.find((r) => r.server === 'shared');
  if (embeddedFanout && sharedFanout && embeddedStorm && sharedStorm) {
    const f = sharedFanout.deliveriesPerSecond / embeddedFanout.deliveriesPerSecond;
    const s = sharedStorm.connectsPerSecond / embeddedStorm.connectsPerSecond;
    console.log(
      `\nShared mode vs the embedded broker: ${f.toFixed(2)}× the deliveries/s (target ≥ 0.5×: ${f >= 0.5 ? 'met' : 'NOT met'}), ` +
        `${s.toFixed(2)}× the connects/s (target ≥ 0.8×: ${s >= 0.8 ? 'met' : 'NOT met'})`,
    );
  }
  console.log('');
}
