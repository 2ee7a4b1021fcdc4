/**
 * The soak test: many STOMP clients on one server for a long time. Clients join rooms
 * (`/topic/soak.room.<n>`); healthy ones publish and read everything, slow readers stop reading
 * (the server must cut them off, not buffer without bound), droppers vanish without DISCONNECT
 * and come back. At the end: messages lost by healthy clients (must be 0), the server's RSS
 * over the run, and sessions left once everyone is gone (must be 0).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectLite } from '../lib/ws-lite.js';
import type { LiteSocket } from '../lib/ws-lite.js';
import { nextMessage } from '../lib/ipc.js';

export interface SoakOptions {
  /** Concurrent clients. */
  connections: number;
  /** How long clients publish, ms. */
  durationMs: number;
  /** Messages per second each healthy client publishes. */
  rate: number;
  /** Clients per room (each message reaches that many). */
  roomSize: number;
  /** Share of clients that stop reading, and that drop without DISCONNECT (and reconnect). */
  slowShare: number;
  dropShare: number;
  /** How often a dropper drops, ms. */
  dropEveryMs: number;
  /**
   * 32 KiB messages per second on a bulk topic only the slow readers take: enough bytes to fill
   * their socket buffers so the server's slow-consumer limits must act. Default 20.
   */
  bulkRate?: number;
  /** Server limits (JSON-able), e.g. a short sendTimeLimit for short runs. */
  limits?: Record<string, unknown>;
  /** Progress lines (every ~10 s). */
  log?: (line: string) => void;
}

export interface SoakReport {
  connections: number;
  seconds: number;
  published: number;
  delivered: number;
  /** Messages healthy clients should have had but did not (must be 0). */
  lost: number;
  /** Messages healthy clients got out of order per sender (must be 0). */
  reordered: number;
  drops: number;
  slowReaders: number;
  slowConsumersClosed: number;
  rssMiB: { idle: number; warm: number; end: number; afterClients: number };
  /** WebSocket sessions left once every client is gone (must be 0). */
  sessionsLeft: number;
  /** STOMP sessions left (must be 0): would show a session the server forgot to clean up. */
  stompSessionsLeft: number;
  /** The sessions left, named by client (`client=7&kind=dropper&join=3`), when few. */
  left: string[];
  /** Sockets the harness itself still had open at the end (must be 0: else the harness leaked). */
  clientSocketsLeft: number;
}

type Kind = 'healthy' | 'slow' | 'dropper';

interface SoakClient {
  index: number;
  kind: Kind;
  room: number;
  /** Its one live socket: a client never has two. */
  socket?: LiteSocket;
  /** A dropper's reconnect under way; the next drop waits for it. */
  joining?: Promise<void>;
  joins: number;
  received: number;
  /** Last sequence seen per sender (order check). */
  last: Map<number, number>;
  seq: number;
}

interface ServerStats {
  left: string[];
  rss: number;
  sessions: number;
  transportSessions: number;
  slowConsumersClosed: number;
}

const MiB = 2 ** 20;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const server = fork(
    fileURLToPath(new URL('./soak-server.ts', import.meta.url)),
    [JSON.stringify(options.limits ?? {})],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  try {
    const { port } = await nextMessage<{ port: number }>(server, 'ready');
    return await soak(server, port, options, log);
  } finally {
    server.send({ type: 'stop' });
    await Promise.race([new Promise((resolve) => server.once('exit', resolve)), delay(5000)]);
    server.kill('SIGKILL');
  }
}

async function soak(
  server: ChildProcess,
  port: number,
  options: SoakOptions,
  log: (line: string) => void,
): Promise<SoakReport> {
  const stats = async (gc = false): Promise<ServerStats> => {
    const reply = nextMessage<ServerStats>(server, 'stats');
    server.send({ type: 'stats', gc });
    return reply;
  };
  const idle = await stats(true);
  const rooms = Math.max(1, Math.ceil(options.connections / options.roomSize));
  const clients: SoakClient[] = Array.from({ length: options.connections }, (_, index) => {
    const r = (index * 7919) % 100; // spread the kinds over rooms
    const kind: Kind =
      r < options.slowShare * 100
        ? 'slow'
        : r < (options.slowShare + options.dropShare) * 100
          ? 'dropper'
          : 'healthy';
    return { index, kind, room: index % rooms, received: 0, joins: 0, last: new Map(), seq: 0 };
  });
  /** Messages published to each room by healthy clients (all after everyone subscribed). */
  const published = new Array<number>(rooms).fill(0);
  let reordered = 0;
  let drops = 0;
  /** Every socket the harness has open, so the end can tell its own leak from the server's. */
  const live = new Set<LiteSocket>();
  /** Set when the clients are being closed: a connect that lands after it is closed at once. */
  let stopping = false;

  const join = async (client: SoakClient): Promise<void> => {
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    const name = `client=${client.index}&kind=${client.kind}&join=${++client.joins}`;
    const socket = await connectLite('127.0.0.1', port, `/stomp?${name}`, (payload) => {
      const c = payload[0];
      if (c === 0x4d /* MESSAGE */) return onMessage(client, payload);
      if (c === 0x52 /* RECEIPT */) return ready();
      if (c === 0x43 /* CONNECTED */) return;
      if (c === 0x45 /* ERROR */ && client.kind === 'healthy')
        log(`client ${client.index}: ${payload.toString('utf8', 0, 200)}`);
    });
    socket.socket.on('error', () => {});
    if (stopping) return void socket.socket.destroy();
    live.add(socket);
    socket.socket.once('close', () => {
      live.delete(socket);
      ready(); // a dropped socket never gets its RECEIPT
    });
    client.socket = socket;
    socket.send('CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0');
    if (client.kind === 'slow') socket.send('SUBSCRIBE\nid:bulk\ndestination:/topic/soak.bulk\n\n\0');
    socket.send(`SUBSCRIBE\nid:0\ndestination:/topic/soak.room.${client.room}\nreceipt:joined\n\n\0`);
    await subscribed;
    if (client.kind === 'slow') socket.socket.pause(); // stops reading: the server must cut it off
  };

  const onMessage = (client: SoakClient, payload: Buffer): void => {
    if (client.kind !== 'healthy') return;
    const end = payload.lastIndexOf(0);
    const body = payload.toString('latin1', payload.lastIndexOf(10, end) + 1, end);
    const colon = body.indexOf(':');
    const sender = Number(body.slice(0, colon));
    const seq = Number(body.slice(colon + 1));
    if ((client.last.get(sender) ?? -1) >= seq) reordered++;
    client.last.set(sender, seq);
    client.received++;
  };

  log(`connecting ${options.connections} clients (${rooms} rooms)`);
  for (let start = 0; start < clients.length; start += 100) {
    await Promise.all(clients.slice(start, start + 100).map(join));
  }

  // Publish: each healthy client `rate` messages/s, spread over 10 ticks a second.
  const healthy = clients.filter((c) => c.kind === 'healthy');
  const perTick = (healthy.length * options.rate) / 10;
  let carry = 0;
  let cursor = 0;
  const publishTick = setInterval(() => {
    carry += perTick;
    for (; carry >= 1; carry--) {
      const client = healthy[cursor++ % healthy.length]!;
      const seq = client.seq++;
      client.socket!.send(`SEND\ndestination:/topic/soak.room.${client.room}\n\n${client.index}:${seq}\0`);
      published[client.room]!++;
    }
  }, 100);
  const bulk = await connectLite('127.0.0.1', port, '/stomp', () => {});
  bulk.send('CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0');
  const bulkBody = 'b'.repeat(32 * 1024);
  const bulkTick = setInterval(
    () => bulk.send(`SEND\ndestination:/topic/soak.bulk\n\n${bulkBody}\0`),
    1000 / (options.bulkRate ?? 20),
  );
  const droppers = clients.filter((c) => c.kind === 'dropper');
  const dropTimers = droppers.map((client, i) =>
    setInterval(
      () => {
        // Under load a reconnect can outlast the interval: a second one would orphan a socket.
        if (client.joining !== undefined) return;
        client.socket?.socket.destroy(); // gone without DISCONNECT
        drops++;
        client.joining = join(client)
          .catch(() => {})
          .finally(() => (client.joining = undefined));
      },
      options.dropEveryMs + ((i * 37) % 1000),
    ),
  );

  const started = Date.now();
  let warm: ServerStats | undefined;
  while (Date.now() - started < options.durationMs) {
    await delay(Math.min(10_000, options.durationMs / 10));
    const s = await stats();
    warm ??= s;
    log(
      `${((Date.now() - started) / 1000).toFixed(0)} s: sessions ${s.sessions}, RSS ${(s.rss / MiB).toFixed(0)} MiB, ` +
        `slow consumers closed ${s.slowConsumersClosed}, drops ${drops}`,
    );
  }
  clearInterval(publishTick);
  for (const timer of dropTimers) clearInterval(timer);
  const seconds = (Date.now() - started) / 1000;
  // A slow reader is cut off once the bytes it does not read pass the server's limits; on a loaded
  // machine the bulk publisher may not have sent that much yet: it goes on until they are (bounded).
  const slowReaders = clients.filter((c) => c.kind === 'slow').length;
  const cutOffBy = Date.now() + 30_000;
  while ((await stats()).slowConsumersClosed < slowReaders && Date.now() < cutOffBy) await delay(100);
  clearInterval(bulkTick);
  bulk.socket.destroy();

  // Let in-flight messages arrive: every healthy client must reach its room's count.
  const expected = (c: SoakClient): number => published[c.room]!;
  const deadline = Date.now() + 30_000;
  while (healthy.some((c) => c.received < expected(c)) && Date.now() < deadline) await delay(50);
  const lost = healthy.reduce((n, c) => n + Math.max(0, expected(c) - c.received), 0);
  const end = await stats();

  stopping = true;
  for (const client of clients) {
    if (client.kind === 'healthy') client.socket?.send('DISCONNECT\n\n\0');
    if (client.kind === 'healthy') client.socket?.close();
    else client.socket?.socket.destroy();
  }
  let after = await stats(true);
  const leaveBy = Date.now() + 15_000;
  const reconnecting = (): boolean => droppers.some((c) => c.joining !== undefined);
  const anyLeft = (): boolean =>
    after.transportSessions > 0 || after.sessions > 0 || live.size > 0 || reconnecting();
  while (anyLeft() && Date.now() < leaveBy) {
    await delay(100);
    after = await stats(true);
  }
  return {
    connections: options.connections,
    seconds,
    published: published.reduce((a, b) => a + b, 0),
    delivered: healthy.reduce((n, c) => n + c.received, 0),
    lost,
    reordered,
    drops,
    slowReaders,
    slowConsumersClosed: end.slowConsumersClosed,
    rssMiB: {
      idle: idle.rss / MiB,
      warm: (warm ?? end).rss / MiB,
      end: end.rss / MiB,
      afterClients: after.rss / MiB,
    },
    sessionsLeft: after.transportSessions,
    stompSessionsLeft: after.sessions,
    left: after.left,
    clientSocketsLeft: live.size,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
