/**
 * Request/reply load: `clients` sessions each SEND to `/app/rr` and wait for the handler's
 * reply on `/user/queue/reply` (`@SendToUser`-style, this session only) before sending again.
 * Reports round trips/s and latency over the measurement window.
 * Args: port clients warmupMs measureMs
 */
import { performance } from 'node:perf_hooks';
import { measureWindow } from '../lib/measurement.js';
import { connectLite } from '../lib/ws-lite.js';
import type { LiteSocket } from '../lib/ws-lite.js';

const [port, clients, warmupMs, measureMs] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
  number,
];
let measuring = false;
let roundTrips = 0;
const latencies: number[] = [];

async function client(): Promise<LiteSocket> {
  let sentAt = 0;
  let state: 'connecting' | 'subscribing' | 'running' = 'connecting';
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  // Frames arrive only after CONNECT is sent below, so `socket` is assigned by then.
  const socket: LiteSocket = await connectLite('127.0.0.1', port, '/stomp', (payload) => {
    if (state === 'connecting') {
      state = 'subscribing';
      socket.send('SUBSCRIBE\nid:r\ndestination:/user/queue/reply\nreceipt:s\n\n\0');
    } else if (state === 'subscribing') {
      state = 'running';
      ready();
    } else if (payload[0] === 0x4d /* MESSAGE */) {
      if (measuring) {
        roundTrips++;
        latencies.push(performance.now() - sentAt);
      }
      send();
    }
  });
  const send = (): void => {
    sentAt = performance.now();
    socket.send('SEND\ndestination:/app/rr\ncontent-type:text/plain\n\nping\0');
  };
  socket.send('CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0');
  await started;
  send();
  return socket;
}

async function main(): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: clients }, () => client()));
  const { seconds, percentile: pct } = await measureWindow(
    warmupMs,
    measureMs,
    (on) => (measuring = on),
    latencies,
  );
  process.send!({
    type: 'result',
    roundTrips,
    roundTripsPerSecond: roundTrips / seconds,
    p50: pct(0.5),
    p99: pct(0.99),
  });
  for (const s of sockets) s.socket.destroy();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
