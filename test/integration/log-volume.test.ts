// Hostile clients must not be able to flood the server's log: what they can repeat at will is
// written once per (cause, session or address), then summarised; client strings are cut short.
// LOG_VOLUME_SECONDS and LOG_VOLUME_CLIENTS (per kind of hostile client) scale the run; the
// docs/security.md (Log floods) quotes a 20-second run with 4 clients of each kind (20 in all);
// LOG_VOLUME_DUMP=1 writes the recorded lines to stderr.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { IMessage } from '@stomp/stompjs';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { startServer, within } from '../helpers/server.js';
import { connectStompJs } from '../helpers/stompjs.js';

const SECONDS = Number(process.env.LOG_VOLUME_SECONDS ?? 3);
const CLIENTS = Number(process.env.LOG_VOLUME_CLIENTS ?? 4);
const LONG_ORIGIN = `https://${'a'.repeat(2000)}.example`;

/** The line the console logger would write for an entry. */
function lineOf(entry: RecordingLogger['entries'][number]): string {
  const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
  return `${new Date().toISOString()} ${entry.level.toUpperCase()} ${entry.message}${meta}\n`;
}

/** Runs `attempt` again and again until the deadline (each attempt is one hostile connection). */
async function repeatUntil(deadline: number, attempt: () => Promise<unknown>): Promise<number> {
  let n = 0;
  while (Date.now() < deadline) {
    await attempt().catch(() => {});
    n++;
  }
  return n;
}

function closed(ws: WebSocket): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve();
      ws.once('close', () => resolve());
      ws.once('error', () => resolve());
    }),
    5000,
    'the server to close the connection',
  );
}

test('hostile clients for a few seconds: the log stays bounded in lines, bytes and line length', async (t) => {
  const log = new RecordingLogger();
  const { url, server } = await startServer(t, {
    logger: log,
    allowedOrigins: ['https://app.example'],
    limits: { maxFrameSize: 2048, maxFramesPerSecond: 100 },
    broker: { maxUnacked: 10, maxPending: 10, pendingOverflow: 'drop-oldest' },
  });
  const deadline = Date.now() + SECONDS * 1000;

  // Never-acking client-ack subscribers, and the application publishing to them all along.
  const ackless = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const { client } = await connectStompJs(url);
      t.after(() => client.deactivate());
      let received = 0;
      client.subscribe('/topic/flood', (_m: IMessage) => void received++, { ack: 'client-individual' });
      return () => received;
    }),
  );
  const feeder = (async () => {
    let published = 0;
    while (Date.now() < deadline) {
      for (let i = 0; i < 50; i++)
        await server.template.convertAndSend('/topic/flood', `tick ${published++}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return published;
  })();

  const refusedOrigin = () =>
    repeatUntil(deadline, async () => {
      const ws = new WebSocket(url, { origin: LONG_ORIGIN });
      await closed(ws);
    });
  const badFrames = () =>
    repeatUntil(deadline, async () => {
      const client = await RawStompClient.open(url);
      client.ws.send(`GARBAGE\nheader:${'\r\n'.repeat(20)}${'h'.repeat(500)}\n\n\0`);
      await within(client.closed, 5000, 'close after a bad frame');
    });
  const rateLimited = () =>
    repeatUntil(deadline, async () => {
      const client = await RawStompClient.connect(url);
      for (let i = 0; i < 400; i++) client.sendFrame('SEND', { destination: '/topic/spam' }, 'x');
      await within(client.closed, 5000, 'close past maxFramesPerSecond');
    });
  const oversize = () =>
    repeatUntil(deadline, async () => {
      const client = await RawStompClient.connect(url);
      client.sendFrame('SEND', { destination: `/topic/${'d'.repeat(1000)}` }, 'x'.repeat(4096));
      await within(client.closed, 5000, 'close after an oversize frame');
    });

  const attempts = await Promise.all([
    ...Array.from({ length: CLIENTS }, refusedOrigin),
    ...Array.from({ length: CLIENTS }, badFrames),
    ...Array.from({ length: CLIENTS }, rateLimited),
    ...Array.from({ length: CLIENTS }, oversize),
  ]);
  const published = await feeder;
  const delivered = ackless.reduce((n, received) => n + received(), 0);
  const stats = server.stats();
  await server.close(); // writes the summaries still due

  const lines = log.entries.map(lineOf);
  if (process.env.LOG_VOLUME_DUMP) for (const l of lines) process.stderr.write(l);
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  const longest = Math.max(...lines.map((l) => Buffer.byteLength(l)));
  const hostile = attempts.reduce((a, b) => a + b, 0);
  const incidents = Object.values(stats.incidents?.byCause ?? {}).reduce((a, b) => a + b, 0);
  t.diagnostic(
    `${SECONDS} s, ${CLIENTS} clients per kind: ${hostile} hostile connections, ${published} messages published ` +
      `(${delivered} delivered to ackless subscribers), ${incidents} incidents, ` +
      `${lines.length} log lines, ${bytes} bytes, longest ${longest} bytes`,
  );

  // What the log may hold, whatever the run's length or rate: per summary interval (60 s), at
  // most 2 × maxKeys (100) lines for incidents plus one per cause, and a handful of lifecycle lines.
  assert.ok(lines.length <= 250, `${lines.length} lines`);
  assert.ok(bytes <= 100 * 1024, `${bytes} bytes`);
  assert.ok(longest <= 700, `longest line ${longest} bytes`);
  assert.ok(
    lines.every((l) => l.indexOf('\n') === l.length - 1),
    'every entry is one line',
  );
  // The hostile clients really did their thing, and every incident was counted.
  assert.ok(hostile > 20, `hostile connections: ${hostile}`);
  assert.ok(stats.incidents.byCause.originRefused > 0, 'origins refused');
  assert.ok(stats.incidents.byCause.protocolError > 0, 'bad and oversize frames');
  assert.ok(stats.incidents.byCause.rateLimited > 0, 'rate limits crossed');
  assert.ok(stats.incidents.byCause.pendingOverflow > 100, 'slow consumers overflowed');
  assert.equal(stats.messagesDropped.byReason.pendingOverflow, stats.incidents.byCause.pendingOverflow);

  assert.ok(
    log.entries.some((e) => /repeated \d+ times/.test(e.message)),
    'repeats were summarised, not dropped from the record',
  );
});
