/**
 * Connection storm: `count` STOMP connections (WebSocket handshake + CONNECT → CONNECTED),
 * `concurrency` at a time; reports connects/s, then holds them idle until the runner has
 * measured the server's memory. Halfway it pauses (all connects done) until the runner, told
 * `halfway`, answers `continue`. Args: port count concurrency (the first port of a list).
 * Environment: BENCH_PATH (default '/stomp'), BENCH_CONNECT (extra CONNECT header lines,
 * default 'host:localhost'), BENCH_SUBSCRIBE (a topic each connection also subscribes to, with a
 * receipt, before it counts as connected).
 */
import { performance } from 'node:perf_hooks';
import { connectLite } from '../lib/ws-lite.js';
import type { LiteSocket } from '../lib/ws-lite.js';

const port = Number(process.argv[2]!.split(',')[0]);
const [count, concurrency] = process.argv.slice(3).map(Number) as [number, number];
const PATH = process.env.BENCH_PATH ?? '/stomp';
const CONNECT_HEADERS = (process.env.BENCH_CONNECT ?? 'host:localhost').replaceAll('\\n', '\n');
const SUBSCRIBE = process.env.BENCH_SUBSCRIBE;

async function one(): Promise<LiteSocket> {
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const socket = await connectLite('127.0.0.1', port, PATH, (payload) => {
    // CONNECTED, or the RECEIPT of the SUBSCRIBE when there is one.
    if (payload[0] === (SUBSCRIBE === undefined ? 0x43 /* C */ : 0x52) /* R */) connected();
  });
  socket.send(`CONNECT\naccept-version:1.2\n${CONNECT_HEADERS}\nheart-beat:0,0\n\n\0`);
  if (SUBSCRIBE !== undefined) socket.send(`SUBSCRIBE\nid:s\ndestination:${SUBSCRIBE}\nreceipt:r\n\n\0`);
  await ready;
  return socket;
}

async function main(): Promise<void> {
  const sockets: LiteSocket[] = [];
  let next = 0;
  let seconds = 0;
  // Two halves: the runner reads the server's CPU between them, so that the second half shows
  // the cost per connect once the JIT has compiled the connect path (steady state).
  for (const upTo of [Math.floor(count / 2), count]) {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < upTo) {
          next++;
          sockets.push(await one());
        }
      }),
    );
    seconds += (performance.now() - started) / 1000;
    if (upTo < count) {
      const resume = new Promise<void>((resolve) =>
        process.on('message', (message: { type: string }) => message.type === 'continue' && resolve()),
      );
      process.send!({ type: 'halfway', connections: sockets.length });
      await resume;
    }
  }
  process.send!({ type: 'result', connections: sockets.length, connectsPerSecond: sockets.length / seconds });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'release') {
      for (const s of sockets) s.socket.destroy();
      process.exit(0);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
