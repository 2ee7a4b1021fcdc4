import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Client } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import { Inbox, subscribed } from '../helpers/stompjs.js';
import { simpleBrokerStats, startServer, within } from '../helpers/server.js';

/** @stomp/stompjs over sockjs-client, forced onto one transport. */
async function connect(url: string, transport: string): Promise<Client> {
  const client = new Client({
    webSocketFactory: () => new SockJS(url, undefined, { transports: [transport] }),
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
  });
  await within(
    new Promise<void>((resolve, reject) => {
      client.onConnect = () => resolve();
      client.onStompError = (frame) => reject(new Error(`STOMP ERROR: ${frame.headers.message}`));
      client.activate();
    }),
    10000,
    `STOMP over SockJS ${transport}`,
  );
  return client;
}

for (const transport of ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource']) {
  test(`STOMP over SockJS ${transport}: subscribe, 1 000 messages in order, non-ASCII, a 200 KB message`, async (t) => {
    const { port, server } = await startServer(t, {
      sockjs: { heartbeatDelay: 25_000 },
      limits: { maxFrameSize: 512 * 1024 },
    });
    server.handlers.map('/echo', (ctx) => ctx.payload);
    const url = `http://127.0.0.1:${port}/stomp`;
    const receiver = await connect(url, transport);
    t.after(() => receiver.deactivate());
    const inbox = new Inbox();
    await subscribed(receiver, '/topic/sockjs', inbox);
    const sender = await connect(url, transport);
    t.after(() => sender.deactivate());

    for (let i = 0; i < 1000; i++) sender.publish({ destination: '/topic/sockjs', body: String(i) });
    await inbox.waitFor(1000, 30000);
    assert.deepEqual(
      inbox.messages.map((m) => Number(m.body)),
      Array.from({ length: 1000 }, (_, i) => i),
    );

    const text = 'héllo \u2028 line \u2029 sep 😀 ✓ \u0000 nul';
    sender.publish({ destination: '/topic/sockjs', body: text });
    await inbox.waitFor(1001);
    assert.equal(inbox.messages[1000]!.body, text);

    const big = 'x'.repeat(200 * 1024);
    sender.publish({ destination: '/topic/sockjs', body: big });
    await inbox.waitFor(1002, 20000);
    assert.equal(inbox.messages[1001]!.body.length, big.length);
    assert.equal(inbox.messages[1001]!.body, big);

    // An application handler round trip over the same transport.
    const echo = new Inbox();
    await subscribed(receiver, '/topic/echo', echo);
    sender.publish({ destination: '/app/echo', body: 'through a handler' });
    await echo.waitFor(1);
    assert.equal(echo.messages[0]!.body, 'through a handler');
  });
}

test('SockJS sessions are STOMP sessions: closing the client removes its subscriptions', async (t) => {
  const { port, server } = await startServer(t, { sockjs: { disconnectDelay: 200 } });
  const client = await connect(`http://127.0.0.1:${port}/stomp`, 'xhr-streaming');
  const inbox = new Inbox();
  await subscribed(client, '/topic/gone', inbox);
  assert.equal(simpleBrokerStats(server).subscriptions, 1);
  await client.deactivate();
  await within(
    new Promise<void>((resolve) => {
      const check = (): void => (server.sessionCount === 0 ? resolve() : void setTimeout(check, 10));
      check();
    }),
    5000,
    'session cleanup',
  );
  assert.equal(simpleBrokerStats(server).subscriptions, 0);
});

test('a SockJS client that vanishes without DISCONNECT is closed after the disconnect delay; its subscriptions go', async (t) => {
  const { port, server } = await startServer(t, { sockjs: { disconnectDelay: 300 } });
  const base = `http://127.0.0.1:${port}/stomp/000/vanishing`;
  assert.equal(await (await fetch(`${base}/xhr`, { method: 'POST' })).text(), 'o\n');
  const frames = [
    'CONNECT\naccept-version:1.2\nhost:x\nheart-beat:0,0\n\n\0',
    'SUBSCRIBE\nid:s\ndestination:/topic/v\nreceipt:r\n\n\0',
  ];
  assert.equal(
    (await fetch(`${base}/xhr_send`, { method: 'POST', body: JSON.stringify(frames) })).status,
    204,
  );
  const answer = await (await fetch(`${base}/xhr`, { method: 'POST' })).text();
  assert.match(answer, /CONNECTED/);
  if (!answer.includes('RECEIPT'))
    assert.match(await (await fetch(`${base}/xhr`, { method: 'POST' })).text(), /RECEIPT/);
  assert.equal(simpleBrokerStats(server).subscriptions, 1);
  // No more polls: after the disconnect delay the session ends and the broker forgets it.
  await within(
    new Promise<void>((resolve) => {
      const check = (): void =>
        simpleBrokerStats(server).subscriptions === 0 ? resolve() : void setTimeout(check, 20);
      check();
    }),
    5000,
    'subscriptions removed',
  );
  assert.equal(server.sessionCount, 0);
});

test('SockJS h frames run until STOMP heart-beats are negotiated, then STOMP heart-beats replace them', async (t) => {
  // STOMP beats every 200 ms leave gaps far longer than the 50 ms SockJS delay: h frames would show.
  const { port } = await startServer(t, { sockjs: { heartbeatDelay: 50 }, heartbeat: [200, 0] });
  const base = `http://127.0.0.1:${port}/stomp/000/beats`;
  const frames: string[] = [];
  const request = http.request(`${base}/xhr_streaming`, { method: 'POST' }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        frames.push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    });
  });
  request.on('error', () => {});
  request.end();
  t.after(() => request.destroy());
  const waitFor = (predicate: () => boolean, what: string) =>
    within(
      new Promise<void>((resolve) => {
        const check = (): void => (predicate() ? resolve() : void setTimeout(check, 5));
        check();
      }),
      5000,
      what,
    );
  await waitFor(() => frames.filter((f) => f === 'h').length >= 2, 'SockJS h frames before CONNECT');
  const send = (payload: string[]) =>
    fetch(`${base}/xhr_send`, { method: 'POST', body: JSON.stringify(payload) });
  await send(['CONNECT\naccept-version:1.2\nhost:x\nheart-beat:0,200\n\n\0']);
  await waitFor(() => frames.some((f) => f.includes('CONNECTED')), 'CONNECTED');
  const after = frames.length;
  // STOMP heart-beats are bare EOLs inside a[...] frames: a["\n"].
  await waitFor(() => frames.slice(after).filter((f) => f === 'a["\\n"]').length >= 3, 'STOMP heart-beats');
  assert.equal(
    frames.slice(after).filter((f) => f === 'h').length,
    0,
    'no SockJS h frames once STOMP heart-beats run',
  );
});
