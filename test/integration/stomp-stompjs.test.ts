import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Versions } from '@stomp/stompjs';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';
import { eventually, startServer } from '../helpers/server.js';

for (const version of ['1.2', '1.1', '1.0'] as const) {
  test(`@stomp/stompjs negotiates STOMP ${version}, subscribes and receives what another client sends`, async (t) => {
    const { url } = await startServer(t);
    const { client: receiver, connected } = await connectStompJs(url, {
      stompVersions: new Versions([version]),
    });
    t.after(() => receiver.deactivate());
    assert.equal(connected.headers.version, version);
    assert.ok(connected.headers.session, 'CONNECTED carries the session id');
    assert.match(connected.headers.server ?? '', /^Switchboard/);

    const inbox = new Inbox();
    if (version === '1.0') {
      // stompjs sends no receipt-based ack for 1.0 subscriptions; wait for the broker instead.
      receiver.subscribe('/topic/greetings', inbox.push);
    } else {
      await subscribed(receiver, '/topic/greetings', inbox);
    }
    const { client: sender } = await connectStompJs(url, { stompVersions: new Versions([version]) });
    t.after(() => sender.deactivate());
    const send = () => sender.publish({ destination: '/topic/greetings', body: `hello ${version} ✓` });
    if (version === '1.0') {
      // Without receipts, resend until the subscription is in place (bounded by eventually()).
      await eventually(
        () => {
          if (inbox.messages.length === 0) send();
          return inbox.messages.length > 0;
        },
        5000,
        'first message',
      );
    } else {
      send();
      await inbox.waitFor(1);
    }
    const message = inbox.messages[0]!;
    assert.equal(message.body, `hello ${version} ✓`);
    assert.equal(message.headers.destination, '/topic/greetings');
    assert.ok(message.headers['message-id']);
    assert.ok(message.headers.subscription);
  });
}

test('topic fan-out: every subscriber gets every message, in order', async (t) => {
  const { url } = await startServer(t);
  const inboxes = [new Inbox(), new Inbox(), new Inbox()];
  for (const inbox of inboxes) {
    const { client } = await connectStompJs(url);
    t.after(() => client.deactivate());
    await subscribed(client, '/topic/prices', inbox);
  }
  const { client: sender } = await connectStompJs(url);
  t.after(() => sender.deactivate());
  for (let i = 0; i < 200; i++) sender.publish({ destination: '/topic/prices', body: String(i) });
  for (const inbox of inboxes) {
    await inbox.waitFor(200);
    assert.deepEqual(
      inbox.messages.map((m) => m.body),
      Array.from({ length: 200 }, (_, i) => String(i)),
    );
  }
});

test('queue: each message goes to exactly one subscriber, round-robin', async (t) => {
  const { url } = await startServer(t);
  const a = new Inbox();
  const b = new Inbox();
  for (const inbox of [a, b]) {
    const { client } = await connectStompJs(url);
    t.after(() => client.deactivate());
    await subscribed(client, '/queue/work', inbox);
  }
  const { client: sender } = await connectStompJs(url);
  t.after(() => sender.deactivate());
  for (let i = 0; i < 10; i++) sender.publish({ destination: '/queue/work', body: String(i) });
  await eventually(() => a.messages.length + b.messages.length === 10, 5000, '10 queue deliveries');
  assert.equal(a.messages.length, 5);
  assert.equal(b.messages.length, 5);
  const all = [...a.messages, ...b.messages].map((m) => Number(m.body)).sort((x, y) => x - y);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('queue holds messages sent while nobody is subscribed', async (t) => {
  const { url } = await startServer(t);
  const { client: sender } = await connectStompJs(url);
  t.after(() => sender.deactivate());
  for (let i = 0; i < 3; i++)
    sender.publish({ destination: '/queue/later', body: `m${i}`, headers: { receipt: `p${i}` } });
  await new Promise<void>((resolve) => sender.watchForReceipt('p2', () => resolve()));
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  client.subscribe('/queue/later', inbox.push);
  await inbox.waitFor(3);
  assert.deepEqual(
    inbox.messages.map((m) => m.body),
    ['m0', 'm1', 'm2'],
  );
});

test('client-individual ack: NACK redelivers, ACK settles', async (t) => {
  const { url } = await startServer(t);
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/queue/jobs', inbox, { ack: 'client-individual' });
  const { client: sender } = await connectStompJs(url);
  t.after(() => sender.deactivate());
  sender.publish({ destination: '/queue/jobs', body: 'job-1' });
  await inbox.waitFor(1);
  const first = inbox.messages[0]!;
  assert.ok(first.headers.ack, 'client ack mode carries an ack id');
  first.nack();
  await inbox.waitFor(2);
  const again = inbox.messages[1]!;
  assert.equal(again.body, 'job-1');
  assert.equal(again.headers.redelivered, 'true');
  again.ack();
  // After the ACK nothing more arrives: publish a marker and check it is the next message.
  sender.publish({ destination: '/queue/jobs', body: 'job-2' });
  await inbox.waitFor(3);
  assert.equal(inbox.messages[2]!.body, 'job-2');
});

test('transactions: SENDs apply at COMMIT and are dropped at ABORT', async (t) => {
  const { url } = await startServer(t);
  const { client: receiver } = await connectStompJs(url);
  t.after(() => receiver.deactivate());
  const inbox = new Inbox();
  await subscribed(receiver, '/topic/tx', inbox);
  const { client: sender } = await connectStompJs(url);
  t.after(() => sender.deactivate());

  const aborted = sender.begin('tx-a');
  sender.publish({ destination: '/topic/tx', body: 'dropped', headers: { transaction: aborted.id } });
  aborted.abort();
  const committed = sender.begin('tx-c');
  sender.publish({ destination: '/topic/tx', body: 'one', headers: { transaction: committed.id } });
  sender.publish({ destination: '/topic/tx', body: 'two', headers: { transaction: committed.id } });
  assert.equal(inbox.messages.length, 0);
  committed.commit();
  sender.publish({ destination: '/topic/tx', body: 'after' });
  await inbox.waitFor(3);
  assert.deepEqual(
    inbox.messages.map((m) => m.body),
    ['one', 'two', 'after'],
  );
});

test('application handler: SEND /app/echo → handler → /topic/echo', async (t) => {
  const { url, server } = await startServer(t);
  server.handlers.map<{ text: string }>('/echo', (ctx) => ({
    echoed: ctx.payload.text,
    user: ctx.sessionId !== undefined,
  }));
  server.handlers.map<unknown, { room: string }>('/chat.{room}', (ctx) => `room ${ctx.params.room}`, {
    sendTo: '/topic/rooms.{room}',
  });
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const echo = new Inbox();
  const rooms = new Inbox();
  await subscribed(client, '/topic/echo', echo);
  await subscribed(client, '/topic/rooms.42', rooms);
  client.publish({
    destination: '/app/echo',
    body: JSON.stringify({ text: 'hi' }),
    headers: { 'content-type': 'application/json' },
  });
  client.publish({ destination: '/app/chat.42', body: 'x' });
  await echo.waitFor(1);
  await rooms.waitFor(1);
  assert.deepEqual(JSON.parse(echo.messages[0]!.body), { echoed: 'hi', user: true });
  assert.equal(echo.messages[0]!.headers['content-type'], 'application/json');
  assert.equal(rooms.messages[0]!.body, 'room 42');
});

test('template publishes from outside any session', async (t) => {
  const { url, server } = await startServer(t);
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/topic/ticks', inbox);
  assert.equal(await server.template.convertAndSend('/topic/ticks', { n: 1 }), true);
  await inbox.waitFor(1);
  assert.deepEqual(JSON.parse(inbox.messages[0]!.body), { n: 1 });
});

test('binary bodies survive byte for byte', async (t) => {
  const { url } = await startServer(t);
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/topic/bin', inbox);
  const bytes = new Uint8Array(256).map((_, i) => i);
  client.publish({
    destination: '/topic/bin',
    binaryBody: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  await inbox.waitFor(1);
  assert.deepEqual(Buffer.from(inbox.messages[0]!.binaryBody), Buffer.from(bytes));
});

test('async inbound and outbound interceptors with random delays keep each session in order', async (t) => {
  let seed = 99;
  const jitter = (): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, (seed = (seed * 16807) % 2147483647) % 3));
  const { url } = await startServer(t, {
    inboundInterceptors: [{ preSend: async (m) => (await jitter(), m) }],
    outboundInterceptors: [{ preSend: async (m) => (await jitter(), m) }],
  });
  const { client: receiver } = await connectStompJs(url);
  t.after(() => receiver.deactivate());
  const inbox = new Inbox();
  await subscribed(receiver, '/topic/ordered', inbox);
  const { client: sender } = await connectStompJs(url);
  t.after(() => sender.deactivate());
  for (let i = 0; i < 300; i++) sender.publish({ destination: '/topic/ordered', body: String(i) });
  await inbox.waitFor(300, 15000);
  assert.deepEqual(
    inbox.messages.map((m) => Number(m.body)),
    Array.from({ length: 300 }, (_, i) => i),
  );
});
