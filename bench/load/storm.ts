/**
 * Connection storm: `count` STOMP connections (WebSocket handshake + CONNECT → CONNECTED),
 * `concurrency` at a time; reports connects/s, then holds them idle until the runner has
 * measured the server's memory. Args: port count concurrency
 */
import { performance } from 'node:perf_hooks';
import { connectLite } from '../lib/ws-lite.js';
import type { LiteSocket } from '../lib/ws-lite.js';

const [port, count, concurrency] = process.argv.slice(2).map(Number) as [number, number, number];

async function one(): Promise<LiteSocket> {
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const socket = await connectLite('127.0.0.1', port, '/stomp', (payload) => {
    if (payload[0] === 0x43 /* C */) connected();
  });
  socket.send('CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0');
  await ready;
  return socket;
}

async function main(): Promise<void> {
  const sockets: LiteSocket[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        sockets.push(await one());
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
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
