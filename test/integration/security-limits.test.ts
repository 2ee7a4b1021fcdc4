import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';
import { createStompServer } from '../../src/index.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { connectOverSockJs, handshakeStatus } from '../helpers/security.js';
import { eventually, startServer, within } from '../helpers/server.js';
import { Inbox, subscribed } from '../helpers/stompjs.js';
import { removeCertificate, selfSignedCertificate } from '../helpers/tls.js';

test('rate limits: a flood of frames or bytes gets ERROR naming the limit, a WARN, a count; polite clients are untouched', async (t) => {
  const logger = new RecordingLogger();
  const { url, server } = await startServer(t, {
    logger,
    limits: { maxFramesPerSecond: 50, maxBytesPerSecond: 10_000 },
  });
  const polite = await RawStompClient.connect(url);
  for (let i = 0; i < 20; i++) polite.sendFrame('SEND', { destination: '/topic/t' }, 'ok');
  await polite.request('SEND', { destination: '/topic/t' }, 'still fine');

  const flood = await RawStompClient.connect(url);
  const frame = 'SEND\ndestination:/topic/t\n\nx\0';
  flood.send(frame.repeat(300)); // 300 frames in one WebSocket message: past the burst of 100
  const error = await flood.next('ERROR');
  assert.equal(error.headers.code, 'ERR_LIMIT_RATE');
  assert.equal(error.headers.message, 'Rate limit exceeded: maxFramesPerSecond (50)');
  assert.equal((await flood.closed).code, 1002);

  const heavy = await RawStompClient.connect(url);
  for (let i = 0; i < 3; i++) heavy.sendFrame('SEND', { destination: '/topic/t' }, 'y'.repeat(9_000));
  const bytes = await heavy.next('ERROR');
  assert.equal(bytes.headers.message, 'Rate limit exceeded: maxBytesPerSecond (10000)');
  await heavy.closed;

  assert.equal(server.stats().stomp.rateLimited, 2);
  assert.ok(logger.find('warn', /rate limit exceeded/));
  await polite.request('SEND', { destination: '/topic/t' }, 'unaffected');
  polite.close();
});

test('subscription cap: the subscription past maxSubscriptionsPerSession gets ERROR naming the limit', async (t) => {
  const { url } = await startServer(t, { limits: { maxSubscriptionsPerSession: 3 } });
  const client = await RawStompClient.connect(url);
  for (let i = 0; i < 3; i++) await client.request('SUBSCRIBE', { id: `s${i}`, destination: `/topic/t${i}` });
  // Unsubscribing frees a slot.
  await client.request('UNSUBSCRIBE', { id: 's0' });
  await client.request('SUBSCRIBE', { id: 's3', destination: '/topic/t3' });
  client.sendFrame('SUBSCRIBE', { id: 's4', destination: '/topic/t4' });
  const error = await client.next('ERROR');
  assert.equal(error.headers.code, 'ERR_LIMIT_SUBSCRIPTIONS');
  assert.equal(error.headers.message, 'Too many subscriptions: maxSubscriptionsPerSession is 3');
});

test('connection caps: per address (429) and in total (503), WebSocket and SockJS alike; a closed connection frees its slot', async (t) => {
  const logger = new RecordingLogger();
  const { port, server } = await startServer(t, {
    sockjs: true,
    logger,
    connectionLimits: { maxConnectionsPerAddress: 2 },
  });
  const ws = `ws://127.0.0.1:${port}/stomp`;
  const first = await handshakeStatus(ws);
  const second = await handshakeStatus(ws);
  assert.deepEqual([first.status, second.status], [101, 101]);
  const third = await handshakeStatus(ws);
  assert.equal(third.status, 429);
  assert.match(third.body, /maxConnectionsPerAddress is 2/);
  const sockjs = await fetch(`http://127.0.0.1:${port}/stomp/000/capped/xhr`, { method: 'POST' });
  assert.equal(sockjs.status, 429);
  assert.ok(logger.find('warn', /connection limit/));
  assert.equal(server.stats().connections.refused, 2);

  first.ws!.close();
  await eventually(() => server.stats().connections.open === 1, 5000, 'the slot to be released');
  const again = await handshakeStatus(ws);
  assert.equal(again.status, 101);
  again.ws!.close();
  second.ws!.close();

  const full = await startServer(t, { sockjs: true, connectionLimits: { maxConnections: 1 } });
  const only = await connectOverSockJs(`http://127.0.0.1:${full.port}/stomp`, 'xhr-streaming');
  t.after(() => only.client.deactivate());
  const refused = await handshakeStatus(`ws://127.0.0.1:${full.port}/stomp`);
  assert.equal(refused.status, 503);
  assert.match(refused.body, /maxConnections \(1\)/);
});

test('SockJS maxSessions: a new session past the cap gets 503; sockjs-client fails to connect', async (t) => {
  const { port } = await startServer(t, { sockjs: { maxSessions: 1 } });
  const base = `http://127.0.0.1:${port}/stomp`;
  const first = await connectOverSockJs(base, 'xhr-polling');
  t.after(() => first.client.deactivate());
  const refused = await fetch(`${base}/000/second/xhr`, { method: 'POST' });
  assert.equal(refused.status, 503);
  assert.match(await refused.text(), /maxSessions \(1\)/);
  await assert.rejects(connectOverSockJs(base, 'xhr-streaming'));
});

test('trustProxy: the client address comes from X-Forwarded-For only when trusted', async (t) => {
  const trusted = await startServer(t, {
    trustProxy: true,
    connectionLimits: { maxConnectionsPerAddress: 1 },
  });
  const url = `ws://127.0.0.1:${trusted.port}/stomp`;
  const a = await handshakeStatus(url, { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' });
  const b = await handshakeStatus(url, { 'x-forwarded-for': '203.0.113.8' });
  assert.deepEqual([a.status, b.status], [101, 101]);
  assert.equal((await handshakeStatus(url, { 'x-forwarded-for': '203.0.113.7' })).status, 429);
  assert.deepEqual([...trusted.server.sessions].map((s) => s.remoteAddress).sort(), [
    '203.0.113.7',
    '203.0.113.8',
  ]);
  a.ws!.close();
  b.ws!.close();

  const untrusted = await startServer(t, { connectionLimits: { maxConnectionsPerAddress: 1 } });
  const plain = `ws://127.0.0.1:${untrusted.port}/stomp`;
  const c = await handshakeStatus(plain, { 'x-forwarded-for': '203.0.113.7' });
  assert.equal(c.status, 101);
  // A forged header does not buy a second slot.
  assert.equal((await handshakeStatus(plain, { 'x-forwarded-for': '203.0.113.9' })).status, 429);
  c.ws!.close();
});

test('drain: queued messages flush, then ERROR ERR_SERVER_DRAINING and close 1001 for every client; new ones are refused', async (t) => {
  const { url, port, server } = await startServer(t, { sockjs: true });
  const raw = await RawStompClient.connect(url);
  await raw.request('SUBSCRIBE', { id: 's', destination: '/topic/news' });
  const stompjs = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp']),
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
  });
  const closes = new Promise<number>(
    (resolve) => (stompjs.onWebSocketClose = (e: { code: number }) => resolve(e.code)),
  );
  const errored = new Promise<string>((resolve) => (stompjs.onStompError = (f) => resolve(f.headers.code!)));
  await new Promise<void>((resolve) => {
    stompjs.onConnect = () => resolve();
    stompjs.activate();
  });
  const inbox = new Inbox();
  await subscribed(stompjs, '/topic/news', inbox);
  const sockjs = await connectOverSockJs(`http://127.0.0.1:${port}/stomp`, 'xhr-streaming');
  const sockjsError = new Promise<string>(
    (resolve) => (sockjs.client.onStompError = (f) => resolve(f.headers.code!)),
  );

  for (let i = 0; i < 100; i++) await server.template.convertAndSend('/topic/news', `n${i}`);
  const drained = server.drain({ spread: 300, timeout: 5000 });
  // Its own listener is closed (connection refused); on a shared server the gate answers 503.
  const late = await handshakeStatus(url).catch((error: Error) => error);
  assert.ok(
    late instanceof Error ? /ECONNREFUSED/.test(late.message) : late.status === 503,
    JSON.stringify(late instanceof Error ? late.message : late.status),
  );
  await within(drained, 8000, 'drain');

  assert.equal((await raw.closed).code, 1001);
  const frames = raw.frames.map((f) => (f.command === 'MESSAGE' ? f.body.toString() : f.headers.code));
  assert.deepEqual(frames, [...Array.from({ length: 100 }, (_, i) => `n${i}`), 'ERR_SERVER_DRAINING']);
  assert.equal(await within(errored, 5000, 'stompjs ERROR'), 'ERR_SERVER_DRAINING');
  assert.equal(await within(closes, 5000, 'stompjs close'), 1001);
  assert.equal(inbox.count, 100);
  assert.equal(await within(sockjsError, 5000, 'SockJS ERROR'), 'ERR_SERVER_DRAINING');
  await sockjs.client.deactivate();
  assert.equal(server.sessionCount, 0);
});

test('TLS: with tls options the server serves wss:// and https:// (SockJS info)', async (t) => {
  const { cert, key, dir } = selfSignedCertificate();
  t.after(() => removeCertificate(dir));
  const { url, port } = await startServer(t, { tls: { cert, key }, sockjs: true });
  assert.match(url, /^wss:\/\/127\.0\.0\.1:\d+\/stomp$/);

  const client = await RawStompClient.connect(url, {}, { ca: cert });
  await client.request('SUBSCRIBE', { id: 's', destination: '/topic/secure' });
  client.sendFrame('SEND', { destination: '/topic/secure' }, 'over TLS');
  assert.equal((await client.next('MESSAGE')).body.toString(), 'over TLS');
  client.close();

  const info = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    https
      .get(`https://127.0.0.1:${port}/stomp/info`, { ca: cert }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
  assert.equal(info.status, 200);
  assert.equal(JSON.parse(info.body).websocket, true);
  // A plain-text client cannot talk to it.
  await assert.rejects(RawStompClient.open(url.replace('wss:', 'ws:')));
});

test('drain on a shared HTTP server: the app keeps serving, new STOMP sessions get 503', async (t) => {
  const app = http.createServer((_req, res) => res.end('app'));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(() => app.close());
  const port = (app.address() as AddressInfo).port;
  const server = createStompServer({ server: app, heartbeat: [0, 0] });
  const client = await RawStompClient.connect(`ws://127.0.0.1:${port}/stomp`);
  const drained = server.drain({ spread: 200, timeout: 5000 });
  const late = await handshakeStatus(`ws://127.0.0.1:${port}/stomp`);
  assert.equal(late.status, 503);
  assert.match(late.body, /shutting down/);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'app');
  await within(drained, 5000, 'drain');
  assert.equal((await client.closed).code, 1001);
});

test('SockJS hijack guard: a session id used from another client address gets 404', async (t) => {
  const { port } = await startServer(t, { sockjs: true, trustProxy: true });
  const session = `http://127.0.0.1:${port}/stomp/000/hijack`;
  const from = (address: string) => ({ 'x-forwarded-for': address });
  const open = await fetch(`${session}/xhr`, { method: 'POST', headers: from('203.0.113.1') });
  assert.equal(await open.text(), 'o\n');
  const body = JSON.stringify(['CONNECT\naccept-version:1.2\nhost:h\n\n\0']);
  const stolen = await fetch(`${session}/xhr_send`, { method: 'POST', headers: from('203.0.113.2'), body });
  assert.equal(stolen.status, 404);
  const poll = await fetch(`${session}/xhr`, { method: 'POST', headers: from('203.0.113.2') });
  assert.equal(poll.status, 404);
  const own = await fetch(`${session}/xhr_send`, { method: 'POST', headers: from('203.0.113.1'), body });
  assert.equal(own.status, 204);
  const answer = await fetch(`${session}/xhr`, { method: 'POST', headers: from('203.0.113.1') });
  assert.match(await answer.text(), /CONNECTED/);
});

test('drain timeout: a client that never answers the close does not hold the server; it is closed when the timeout passes', async (t) => {
  const { url, server } = await startServer(t);
  const polite = await RawStompClient.connect(url);
  const stalled = await RawStompClient.connect(url);
  // It stops reading: the close handshake can never complete on its side.
  (stalled.ws as unknown as { _socket: Socket })._socket.pause();
  let resolved = false;
  const drained = server.drain({ spread: 0, timeout: 2000 }).then(() => (resolved = true));
  assert.equal((await polite.closed).code, 1001);
  await eventually(() => server.sessionCount === 1, 1500, 'the polite session to end');
  assert.equal(resolved, false, 'drain waits for the sessions to be gone, up to its timeout');
  await within(drained, 10_000, 'drain to give up on the stalled client');
  assert.equal(server.sessionCount, 0);
  // Reading again, the client finds its connection closed by the server.
  (stalled.ws as unknown as { _socket: Socket })._socket.resume();
  await within(stalled.closed, 8000, 'the stalled socket to be closed');
});
