/**
 * Fan-out load: N subscribers on /topic/bench, one publisher sending 100-byte bodies with at
 * most `window` messages in flight (a message is done when every subscriber has it). Reports
 * deliveries/s and publish→receive latency over the measurement window; tells the runner
 * when the window opens and closes so it can read the server's CPU and RSS.
 * Args: port subscribers warmupMs measureMs window [transport: websocket | xhr-streaming]
 * (with xhr-streaming the subscribers use SockJS; the publisher stays on WebSocket). `port` may
 * list several instances' ports ('p1,p2'): the subscribers are split between them, the publisher
 * uses the first.
 * Environment (for servers other than ours, e.g. RabbitMQ Web-STOMP): BENCH_PATH (default
 * '/stomp'), BENCH_TOPIC (default '/topic/bench'), BENCH_CONNECT (extra CONNECT header lines,
 * default 'host:localhost').
 */
import { performance } from 'node:perf_hooks';
import { measureWindow } from '../lib/measurement.js';
import { subscribeXhrStreaming } from '../lib/sockjs-lite.js';
import { connectLite } from '../lib/ws-lite.js';
import type { LiteSocket } from '../lib/ws-lite.js';

const ports = process.argv[2]!.split(',').map(Number);
const port = ports[0]!;
const [subscribers, warmupMs, measureMs, window] = process.argv.slice(3).map(Number) as [
  number,
  number,
  number,
  number,
];
const transport = process.argv[7] ?? 'websocket';
const PATH = process.env.BENCH_PATH ?? '/stomp';
const TOPIC = process.env.BENCH_TOPIC ?? '/topic/bench';
const CONNECT_HEADERS = (process.env.BENCH_CONNECT ?? 'host:localhost').replaceAll('\\n', '\n');
const BODY_SIZE = 100;
const SLOTS = 1 << 16;
const sentAt = new Float64Array(SLOTS);
const received = new Uint32Array(SLOTS);
const LATENCY_SAMPLERS = 20; // subscribers whose every delivery is timed
const latencies: number[] = [];
let measuring = false;
let deliveries = 0;
let seq = 0;
let done = 0;
let publisher: LiteSocket;

function body(n: number): string {
  return `${n} `.padEnd(BODY_SIZE, 'x');
}

function readSeq(payload: Buffer): number {
  // The body is the last BODY_SIZE bytes before the NUL; it starts with the sequence number.
  let i = payload.lastIndexOf(0) - BODY_SIZE;
  let n = 0;
  for (let c = payload[i]!; c >= 48 && c <= 57; c = payload[++i]!) n = n * 10 + (c - 48);
  return n;
}

function onDelivery(index: number, payload: Buffer): void {
  if (payload[0] !== 0x4d /* M */) return;
  delivered(index, readSeq(payload));
}

/** A MESSAGE frame as text (SockJS): the body is the last BODY_SIZE characters before the NUL. */
function onTextDelivery(index: number, frame: string): void {
  delivered(index, parseInt(frame.slice(frame.length - 1 - BODY_SIZE), 10));
}

function delivered(index: number, n: number): void {
  const slot = n & (SLOTS - 1);
  if (measuring) {
    deliveries++;
    if (index < LATENCY_SAMPLERS) latencies.push(performance.now() - sentAt[slot]!);
  }
  const count = received[slot]! + 1;
  received[slot] = count;
  if (count === subscribers) {
    received[slot] = 0;
    done++;
    publish();
  }
}

function publish(): void {
  while (seq - done < window) {
    const n = seq++;
    sentAt[n & (SLOTS - 1)] = performance.now();
    publisher.send(`SEND\ndestination:${TOPIC}\ncontent-type:text/plain\n\n${body(n)}\0`);
  }
}

async function connect(onFrame: (payload: Buffer) => void, to = port): Promise<LiteSocket> {
  let resolveConnected!: () => void;
  const connected = new Promise<void>((resolve) => (resolveConnected = resolve));
  let ready = false;
  const socket = await connectLite('127.0.0.1', to, PATH, (payload) => {
    if (!ready && payload.subarray(0, 9).toString() === 'CONNECTED') {
      ready = true;
      resolveConnected();
      return;
    }
    onFrame(payload);
  });
  socket.send(`CONNECT\naccept-version:1.2\n${CONNECT_HEADERS}\nheart-beat:0,0\n\n\0`);
  await connected;
  return socket;
}

async function main(): Promise<void> {
  const sockets: LiteSocket[] = [];
  const streams: { stop: () => void }[] = [];
  for (let start = 0; start < subscribers && transport === 'xhr-streaming'; start += 100) {
    const batch = [];
    for (let i = start; i < Math.min(subscribers, start + 100); i++) {
      batch.push(subscribeXhrStreaming(port, PATH, TOPIC, (frame) => onTextDelivery(i, frame)));
    }
    streams.push(...(await Promise.all(batch)));
  }
  for (let start = 0; start < subscribers && transport === 'websocket'; start += 100) {
    const batch = [];
    for (let i = start; i < Math.min(subscribers, start + 100); i++) {
      batch.push(
        (async () => {
          let subscribed!: () => void;
          const receipt = new Promise<void>((resolve) => (subscribed = resolve));
          const socket = await connect(
            (payload) => {
              if (payload[0] === 0x52 /* RECEIPT */) subscribed();
              else onDelivery(i, payload);
            },
            ports[i % ports.length],
          );
          socket.send(`SUBSCRIBE\nid:sub-0\ndestination:${TOPIC}\nreceipt:s\n\n\0`);
          await receipt;
          return socket;
        })(),
      );
    }
    sockets.push(...(await Promise.all(batch)));
  }
  publisher = await connect(() => {});
  publish();
  const { seconds: elapsed, percentile: pct } = await measureWindow(
    warmupMs,
    measureMs,
    (on) => (measuring = on),
    latencies,
  );
  for (const s of sockets) s.socket.destroy();
  for (const s of streams) s.stop();
  publisher.socket.destroy();
  const result = {
    type: 'result',
    deliveries,
    deliveriesPerSecond: deliveries / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
  };
  // Exit only once the result is handed to the runner (a busy process could lose it otherwise).
  process.send!(result, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
