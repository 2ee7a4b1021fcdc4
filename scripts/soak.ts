/**
 * `npm run soak`: 2 000 STOMP clients for 5 minutes (5 % slow readers, 5 % dropping without
 * DISCONNECT), then the report. Flags: --connections 2000 --minutes 5 --rate 1 --room-size 20
 * --json. Exits 1 when a healthy client lost a message, sessions are left, or RSS grew past the bound.
 */
import { parseArgs } from 'node:util';
import { runSoak } from '../bench/soak/engine.js';

/** RSS may grow this much from the warm point (10 % into the run) to the end. */
const RSS_GROWTH_BOUND_MIB = 64;

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '2000' },
    minutes: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1' },
    'room-size': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});

const report = await runSoak({
  connections: Number(values.connections),
  durationMs: Number(values.minutes) * 60_000,
  rate: Number(values.rate),
  roomSize: Number(values['room-size']),
  slowShare: 0.05,
  dropShare: 0.05,
  dropEveryMs: 5000,
  log: (line) => console.log(`# ${line}`),
});
const growth = report.rssMiB.end - report.rssMiB.warm;
const failures = [
  report.lost > 0 && `${report.lost} messages lost by healthy clients`,
  report.reordered > 0 && `${report.reordered} messages out of order`,
  report.sessionsLeft > 0 && `${report.sessionsLeft} sessions left (${report.left.join('; ')})`,
  report.stompSessionsLeft > 0 && `${report.stompSessionsLeft} STOMP sessions left`,
  report.clientSocketsLeft > 0 && `the harness left ${report.clientSocketsLeft} of its own sockets open`,
  growth > RSS_GROWTH_BOUND_MIB && `RSS grew ${growth.toFixed(0)} MiB (bound ${RSS_GROWTH_BOUND_MIB})`,
].filter(Boolean);
const mib = (n: number): string => `${n.toFixed(0)} MiB`;
console.log(`
| connections | minutes | published | delivered (healthy) | lost | reordered | drops | slow readers | slow consumers closed | RSS idle → warm → end → after | sessions left |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|
| ${report.connections} | ${(report.seconds / 60).toFixed(1)} | ${report.published.toLocaleString('en-US')} | ${report.delivered.toLocaleString('en-US')} | ${report.lost} | ${report.reordered} | ${report.drops} | ${report.slowReaders} | ${report.slowConsumersClosed} | ${mib(report.rssMiB.idle)} → ${mib(report.rssMiB.warm)} → ${mib(report.rssMiB.end)} → ${mib(report.rssMiB.afterClients)} | ${report.sessionsLeft} |
`);
if (values.json) console.log(JSON.stringify(report, null, 2));
console.log(failures.length === 0 ? 'PASS' : `FAIL: ${failures.join('; ')}`);
process.exit(failures.length === 0 ? 0 : 1);
