import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { eventually, startServer } from '../helpers/server.js';

const CONNECT = 'CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0';

test('a frame split at every byte across WebSocket messages is decoded once', async (t) => {
  const { url } = await startServer(t);
  const receiver = await RawStompClient.connect(url);
  await receiver.request('SUBSCRIBE', { id: 's1', destination: '/topic/split' });
  const sender = await RawStompClient.open(url);
  for (const ch of CONNECT) sender.send(ch);
  await sender.next('CONNECTED');
  const frame = Buffer.from(
    'SEND\ndestination:/topic/split\ncontent-type:text/plain\n\nsplit body ✓\0',
    'utf8',
  );
  for (let i = 0; i < frame.length; i++) sender.send(frame.subarray(i, i + 1));
  const got = await receiver.next('MESSAGE');
  assert.equal(got.body.toString('utf8'), 'split body ✓');
  assert.equal(receiver.frames.length, 0, 'exactly one MESSAGE');
});

test('several frames in one message, with heart-beat EOLs and CRLF lines between them', async (t) => {
  const { url } = await startServer(t);
  const receiver = await RawStompClient.connect(url);
  await receiver.request('SUBSCRIBE', { id: 's1', destination: '/topic/many' });
  const sender = await RawStompClient.connect(url);
  sender.send(
    '\n\r\nSEND\r\ndestination:/topic/many\r\n\r\none\0\n\nSEND\ndestination:/topic/many\n\ntwo\0\r\nSEND\ndestination:/topic/many\n\nthree\0',
  );
  const bodies = [];
  for (let i = 0; i < 3; i++) bodies.push((await receiver.next('MESSAGE')).body.toString());
  assert.deepEqual(bodies, ['one', 'two', 'three']);
});

test('content-length bodies may contain NUL bytes; MESSAGE carries content-length', async (t) => {
  const { url } = await startServer(t);
  const receiver = await RawStompClient.connect(url);
  await receiver.request('SUBSCRIBE', { id: 's1', destination: '/topic/nul' });
  const sender = await RawStompClient.connect(url);
  const body = Buffer.from([0x61, 0x00, 0x62, 0x00, 0x00, 0xff, 0x63]);
  const head = Buffer.from(
    `SEND\ndestination:/topic/nul\ncontent-type:application/octet-stream\ncontent-length:${body.length}\n\n`,
  );
  sender.send(Buffer.concat([head, body, Buffer.from([0])]));
  const got = await receiver.next('MESSAGE');
  assert.deepEqual(got.body, body);
  assert.equal(got.headers['content-length'], String(body.length));
  assert.equal(got.headers['content-type'], 'application/octet-stream');
});

test('STOMP 1.2 header escapes round-trip; custom headers reach subscribers', async (t) => {
  const { url } = await startServer(t);
  const receiver = await RawStompClient.connect(url);
  await receiver.request('SUBSCRIBE', { id: 's1', destination: '/topic/esc' });
  const sender = await RawStompClient.connect(url);
  sender.send('SEND\ndestination:/topic/esc\nx-note:a\\cb\\nc\\\\d\\re\n\nbody\0');
  const got = await receiver.next('MESSAGE');
  assert.equal(got.headers['x-note'], 'a:b\nc\\d\re');
});

test('STOMP 1.0 does not unescape headers', async (t) => {
  const { url } = await startServer(t);
  const receiver = await RawStompClient.open(url);
  receiver.send('CONNECT\n\n\0');
  const connected = await receiver.next('CONNECTED');
  assert.equal(connected.headers.version, '1.0');
  receiver.version = '1.0';
  receiver.send('SUBSCRIBE\nid:s1\ndestination:/topic/v10\nreceipt:r1\n\n\0');
  await receiver.next('RECEIPT');
  receiver.send('SEND\ndestination:/topic/v10\nx-raw:a\\cb\n\nbody\0');
  const raw = await receiver.next('MESSAGE');
  assert.equal(raw.headers['x-raw'], 'a\\cb');
  assert.equal(raw.body.toString(), 'body');
});

test('every frame with a receipt gets a RECEIPT', async (t) => {
  const { url } = await startServer(t);
  const c = await RawStompClient.open(url);
  c.send('CONNECT\naccept-version:1.2\nhost:x\nreceipt:c0\n\n\0');
  await c.next('CONNECTED');
  await c.next('RECEIPT', (f) => f.headers['receipt-id'] === 'c0');
  const frames: [string, Record<string, string>][] = [
    ['SUBSCRIBE', { id: 's', destination: '/topic/r' }],
    ['SEND', { destination: '/topic/r' }],
    ['BEGIN', { transaction: 't' }],
    ['SEND', { destination: '/topic/r', transaction: 't' }],
    ['COMMIT', { transaction: 't' }],
    ['UNSUBSCRIBE', { id: 's' }],
  ];
  for (const [command, headers] of frames) await c.request(command as 'SEND', headers);
  c.send('DISCONNECT\nreceipt:bye\n\n\0');
  await c.next('RECEIPT', (f) => f.headers['receipt-id'] === 'bye');
  const { code } = await c.closed;
  assert.equal(code, 1000);
});

test('heart-beats: the server sends them when asked and closes a silent client', async (t) => {
  const { url } = await startServer(t, { heartbeat: [50, 50] });
  const c = await RawStompClient.open(url);
  c.send('CONNECT\naccept-version:1.2\nhost:x\nheart-beat:50,50\n\n\0');
  const connected = await c.next('CONNECTED');
  assert.equal(connected.headers['heart-beat'], '50,50');
  const started = Date.now();
  const { code } = await c.closed;
  const elapsed = Date.now() - started;
  assert.ok(c.heartbeats >= 2, `received ${c.heartbeats} heart-beats`);
  assert.equal(code, 1002);
  assert.ok(elapsed >= 100, `closed after ${elapsed} ms, not before 3 × 50 ms of silence`);
  const error = c.frames.find((f) => f.command === 'ERROR');
  assert.match(error?.headers.message ?? '', /No data received/);
});

test('a client that sends heart-beats stays connected', async (t) => {
  const { url, server } = await startServer(t, { heartbeat: [0, 40] });
  const c = await RawStompClient.open(url);
  c.send('CONNECT\naccept-version:1.2\nhost:x\nheart-beat:40,0\n\n\0');
  await c.next('CONNECTED');
  let sent = 0;
  const timer = setInterval(() => {
    c.send('\n');
    sent++;
  }, 20);
  t.after(() => clearInterval(timer));
  // 20 beats × 20 ms is well past 3 × 40 ms: a round trip after that proves the session is alive.
  await eventually(() => sent >= 20, 5000, '20 client heart-beats');
  await c.request('SUBSCRIBE', { id: 's', destination: '/topic/alive' });
  assert.equal(server.sessionCount, 1);
});
