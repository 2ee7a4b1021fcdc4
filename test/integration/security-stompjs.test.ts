// The security rules as the client library browsers run sees them: @stomp/stompjs over ws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, type IFrame } from '@stomp/stompjs';
import WebSocket from 'ws';
import { startServer, within } from '../helpers/server.js';
import { connectStompJs } from '../helpers/stompjs.js';

/** A stompjs client whose ERROR frames and close codes are collected. */
function watched(
  url: string,
  headers: Record<string, string> = {},
  connectHeaders: Record<string, string> = {},
) {
  const errors: IFrame[] = [];
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  let closed!: (code: number) => void;
  const close = new Promise<number>((resolve) => (closed = resolve));
  const client = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp'], { headers }),
    connectHeaders,
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    onConnect: () => connected(),
    onStompError: (frame) => errors.push(frame),
    onWebSocketClose: (event: { code: number }) => closed(event.code),
  });
  client.activate();
  return { client, ready, close, errors };
}

test('stompjs: an expired token ends the session with ERROR ERR_AUTH_EXPIRED', async (t) => {
  const { url } = await startServer(t, {
    authenticate: ({ login }) => ({ name: login ?? 'anon', expiresAt: Date.now() + 300 }),
  });
  const c = watched(url, {}, { login: 'alice' });
  t.after(() => c.client.deactivate());
  await within(c.ready, 5000, 'CONNECTED');
  assert.equal(await within(c.close, 5000, 'close'), 1002);
  assert.equal(c.errors[0]?.headers.code, 'ERR_AUTH_EXPIRED');
});

test('stompjs: CSRF token in CONNECT checked against the cookie', async (t) => {
  const { url } = await startServer(t, { csrf: true });
  const good = watched(url, { cookie: 'XSRF-TOKEN=t0k3n' }, { 'X-XSRF-TOKEN': 't0k3n' });
  t.after(() => good.client.deactivate());
  await within(good.ready, 5000, 'CONNECTED with the token');
  const bad = watched(url, { cookie: 'XSRF-TOKEN=t0k3n' }, { 'X-XSRF-TOKEN': 'forged' });
  t.after(() => bad.client.deactivate());
  assert.equal(await within(bad.close, 5000, 'close'), 1002);
  assert.equal(bad.errors[0]?.headers.code, 'ERR_CSRF');
});

test('stompjs: a publisher past maxFramesPerSecond gets ERROR ERR_LIMIT_RATE; a polite one does not', async (t) => {
  const { url } = await startServer(t, { limits: { maxFramesPerSecond: 100 } });
  const polite = await connectStompJs(url);
  t.after(() => polite.client.deactivate());
  for (let i = 0; i < 50; i++) polite.client.publish({ destination: '/topic/t', body: 'ok' });
  const flood = watched(url);
  t.after(() => flood.client.deactivate());
  await within(flood.ready, 5000, 'CONNECTED');
  for (let i = 0; i < 1000; i++) flood.client.publish({ destination: '/topic/t', body: 'x' });
  assert.equal(await within(flood.close, 5000, 'close'), 1002);
  assert.equal(flood.errors[0]?.headers.message, 'Rate limit exceeded: maxFramesPerSecond (100)');
  assert.equal(polite.client.connected, true);
});

test('stompjs: past maxConnectionsPerAddress the handshake is refused (429) and stompjs reports the close', async (t) => {
  const { url } = await startServer(t, { connectionLimits: { maxConnectionsPerAddress: 1 } });
  const first = await connectStompJs(url);
  t.after(() => first.client.deactivate());
  const second = watched(url);
  t.after(() => second.client.deactivate());
  assert.equal(await within(second.close, 5000, 'refused'), 1006);
  assert.equal(first.client.connected, true);
});
