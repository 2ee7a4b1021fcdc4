import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { Client } from '@stomp/stompjs';
import type { HandshakeDecision, HandshakeRequest } from '../../src/index.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { requireRabbitStomp, startRelayServer, unique } from '../helpers/rabbitmq.js';
import { eventually, relayStats, within } from '../helpers/server.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

// Every test here talks to the real RabbitMQ STOMP plugin on 127.0.0.1:61613.
before(requireRabbitStomp);

async function client(t: TestContext, url: string, config: Parameters<typeof connectStompJs>[1] = {}) {
  const { client } = await connectStompJs(url, config);
  t.after(() => client.deactivate());
  return client;
}

const userFromQuery = {
  beforeHandshake(request: HandshakeRequest): HandshakeDecision {
    request.setPrincipal({ name: request.query.get('user')! });
    return true;
  },
};

function publishWithReceipt(client: Client, destination: string, body: string, headers = {}) {
  const receipt = `p-${Math.random().toString(36).slice(2)}`;
  const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
  client.publish({ destination, body, headers: { ...headers, receipt } });
  return within(done, 5000, `receipt for SEND to ${destination}`);
}

test('topic fan-out through RabbitMQ: every subscriber gets every message, in order', async (t) => {
  const { url, server } = await startRelayServer(t);
  const topic = `/topic/${unique('fanout')}`;
  const inboxes = [new Inbox(), new Inbox(), new Inbox()];
  for (const inbox of inboxes) await subscribed(await client(t, url), topic, inbox);
  const publisher = await client(t, url);
  for (let i = 0; i < 50; i++) publisher.publish({ destination: topic, body: `m${i}` });
  for (const inbox of inboxes) {
    await inbox.waitFor(50);
    assert.deepEqual(
      inbox.messages.map((m) => m.body),
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
    assert.equal(inbox.messages[0]!.headers.destination, topic);
  }
  assert.equal(relayStats(server).sessions, 4, 'one broker connection per client session');
});

test('queue: each message goes to exactly one consumer', async (t) => {
  const { url } = await startRelayServer(t);
  const queue = `/queue/${unique('work')}`;
  const a = new Inbox();
  const b = new Inbox();
  await subscribed(await client(t, url), queue, a, { 'x-expires': '30000' });
  await subscribed(await client(t, url), queue, b, { 'x-expires': '30000' });
  const publisher = await client(t, url);
  for (let i = 0; i < 20; i++)
    publisher.publish({ destination: queue, body: `job${i}`, headers: { 'x-expires': '30000' } });
  await eventually(() => a.count + b.count >= 20, 5000, '20 deliveries');
  const bodies = [...a.messages, ...b.messages].map((m) => m.body).sort();
  assert.equal(bodies.length, 20);
  assert.equal(new Set(bodies).size, 20, 'no message delivered twice');
  assert.ok(a.count > 0 && b.count > 0, `both consumers served (${a.count}/${b.count})`);
});

test('client-individual ack: a NACKed message is redelivered, an ACKed one is not', async (t) => {
  const { url } = await startRelayServer(t);
  const queue = `/queue/${unique('acks')}`;
  const consumer = await client(t, url);
  const inbox = new Inbox();
  await subscribed(consumer, queue, inbox, { ack: 'client-individual', 'x-expires': '30000' });
  const publisher = await client(t, url);
  await publishWithReceipt(publisher, queue, 'first', { 'x-expires': '30000' });
  await inbox.waitFor(1);
  inbox.messages[0]!.nack();
  await inbox.waitFor(2);
  assert.equal(inbox.messages[1]!.body, 'first');
  assert.equal(inbox.messages[1]!.headers.redelivered, 'true');
  inbox.messages[1]!.ack();
  await publishWithReceipt(publisher, queue, 'second', { 'x-expires': '30000' });
  await inbox.waitFor(3);
  assert.equal(inbox.messages[2]!.body, 'second', 'the ACKed message did not come back');
});

test('transactions are the broker’s: nothing is delivered before COMMIT, nothing after ABORT', async (t) => {
  const { url } = await startRelayServer(t);
  const topic = `/topic/${unique('tx')}`;
  const inbox = new Inbox();
  await subscribed(await client(t, url), topic, inbox);
  const publisher = await client(t, url);
  const aborted = publisher.begin();
  publisher.publish({ destination: topic, body: 'aborted', headers: { transaction: aborted.id } });
  aborted.abort();
  const tx = publisher.begin();
  publisher.publish({ destination: topic, body: 'one', headers: { transaction: tx.id } });
  publisher.publish({ destination: topic, body: 'two', headers: { transaction: tx.id } });
  await publishWithReceipt(publisher, topic, 'marker-before-commit');
  await inbox.waitFor(1);
  assert.deepEqual(
    inbox.messages.map((m) => m.body),
    ['marker-before-commit'],
  );
  tx.commit();
  await inbox.waitFor(3);
  assert.deepEqual(
    inbox.messages.map((m) => m.body),
    ['marker-before-commit', 'one', 'two'],
  );
});

test('receipts for SUBSCRIBE, SEND and UNSUBSCRIBE come from the broker; /app receipts from the server', async (t) => {
  const { url, server } = await startRelayServer(t);
  server.handlers.map('/echo', (ctx) => ctx.payload);
  const raw = await RawStompClient.connect(url, { login: 'guest', passcode: 'guest' });
  t.after(() => raw.close());
  const topic = `/topic/${unique('receipts')}`;
  await raw.request('SUBSCRIBE', { id: 's1', destination: topic });
  await raw.request('SEND', { destination: topic }, 'hello');
  const message = await raw.next('MESSAGE');
  assert.equal(message.body.toString(), 'hello');
  assert.equal(message.headers.subscription, 's1');
  assert.equal(message.headers.receipt, undefined, "the publisher's receipt header is not passed on");
  await raw.request('SEND', { destination: '/app/echo' }, 'to the app');
  await raw.request('UNSUBSCRIBE', { id: 's1' });
  await raw.request('SEND', { destination: topic }, 'after unsubscribe');
  await raw.request('DISCONNECT', {});
  assert.deepEqual(
    raw.frames.filter((f) => f.command === 'MESSAGE').map((f) => f.body.toString()),
    [],
  );
});

test('an ERROR from the broker reaches the client, which is closed; others carry on', async (t) => {
  const { url, server } = await startRelayServer(t, {}, { prefixes: ['/topic', '/queue', '/exchange'] });
  const bystander = await RawStompClient.connect(url);
  t.after(() => bystander.close());
  const raw = await RawStompClient.connect(url);
  // RabbitMQ refuses a subscription to an exchange that does not exist.
  raw.sendFrame('SUBSCRIBE', { id: '1', destination: `/exchange/${unique('missing')}/key` });
  const error = await raw.next('ERROR');
  assert.match(error.headers.message ?? '', /not_found/);
  assert.match(error.body.toString(), /no exchange/);
  const closed = await within(raw.closed, 5000, 'close after ERROR');
  assert.equal(closed.code, 1002);
  const topic = `/topic/${unique('alive')}`;
  await bystander.request('SUBSCRIBE', { id: 'b', destination: topic });
  await bystander.request('SEND', { destination: topic }, 'still here');
  assert.equal((await bystander.next('MESSAGE')).body.toString(), 'still here');
  await eventually(() => relayStats(server).sessions === 1);
});

test('binary bodies with NUL bytes cross the relay intact', async (t) => {
  const { url } = await startRelayServer(t);
  const raw = await RawStompClient.connect(url);
  t.after(() => raw.close());
  const topic = `/topic/${unique('binary')}`;
  await raw.request('SUBSCRIBE', { id: 'bin', destination: topic });
  const body = Buffer.from([0, 1, 2, 0, 255, 0, 0x0a, 0]);
  raw.sendFrame('SEND', { destination: topic, 'content-type': 'application/octet-stream' }, body);
  const message = await raw.next('MESSAGE');
  assert.deepEqual(message.body, body);
  assert.equal(message.headers['content-length'], String(body.length));
});

test('the template and @SendTo publish through the system connection', async (t) => {
  const { url, server } = await startRelayServer(t);
  const topic = `/topic/${unique('app')}`;
  server.handlers.map('/shout', (ctx) => String(ctx.payload).toUpperCase(), { sendTo: topic });
  const inbox = new Inbox();
  const c = await client(t, url);
  await subscribed(c, topic, inbox);
  assert.equal(await server.template.convertAndSend(topic, { from: 'template' }), true);
  await inbox.waitFor(1);
  assert.deepEqual(JSON.parse(inbox.messages[0]!.body), { from: 'template' });
  assert.equal(inbox.messages[0]!.headers['content-type'], 'application/json');
  c.publish({ destination: '/app/shout', body: 'hi' });
  await inbox.waitFor(2);
  assert.equal(inbox.messages[1]!.body, 'HI');
});

test('user destinations through the relay: /user/queue/x reaches only that user, shown as /user/queue/x', async (t) => {
  const { url, server } = await startRelayServer(t, {
    handshakeInterceptors: [userFromQuery],
  });
  const queue = `/queue/${unique('notes')}`;
  const ann = new Inbox();
  const bob = new Inbox();
  await subscribed(await client(t, `${url}?user=ann`), `/user${queue}`, ann);
  await subscribed(await client(t, `${url}?user=bob`), `/user${queue}`, bob);
  assert.equal(await server.template.convertAndSendToUser('ann', queue, 'for ann'), true);
  await ann.waitFor(1);
  assert.equal(ann.messages[0]!.body, 'for ann');
  assert.equal(ann.messages[0]!.headers.destination, `/user${queue}`);
  assert.equal(ann.messages[0]!.headers['x-expires'], undefined, 'queue arguments are not shown to clients');
  await server.template.convertAndSendToUser('bob', queue, 'for bob');
  await bob.waitFor(1);
  assert.equal(ann.count, 1);
  assert.equal(bob.messages[0]!.body, 'for bob');
});
