import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { HandshakeDecision, HandshakeRequest } from '../../src/index.js';
import { requireRabbitStomp, startRelayServer, unique } from '../helpers/rabbitmq.js';
import { eventually } from '../helpers/server.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

// Two Switchboard instances in one process, both relaying to the real RabbitMQ.
before(requireRabbitStomp);

const userFromQuery = {
  beforeHandshake(request: HandshakeRequest): HandshakeDecision {
    request.setPrincipal({ name: request.query.get('user')! });
    return true;
  },
};

async function twoInstances(t: TestContext, registryInterval = 10_000) {
  const options = { handshakeInterceptors: [userFromQuery] };
  const relay = { userRegistryInterval: registryInterval };
  const a = await startRelayServer(t, options, relay);
  const b = await startRelayServer(t, options, relay);
  return { a, b };
}

async function client(t: TestContext, url: string) {
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  return client;
}

test('a client on A publishes to a topic; a client on B receives', async (t) => {
  const { a, b } = await twoInstances(t);
  const topic = `/topic/${unique('shared')}`;
  const onB = new Inbox();
  await subscribed(await client(t, b.url), topic, onB);
  const onA = await client(t, a.url);
  for (let i = 0; i < 10; i++) onA.publish({ destination: topic, body: `from A ${i}` });
  await onB.waitFor(10);
  assert.deepEqual(
    onB.messages.map((m) => m.body),
    Array.from({ length: 10 }, (_, i) => `from A ${i}`),
  );
});

test('convertAndSendToUser on A reaches the user connected only to B', async (t) => {
  const { a, b } = await twoInstances(t);
  const queue = `/queue/${unique('inbox')}`;
  const user = unique('carol');
  const carol = new Inbox();
  await subscribed(await client(t, `${b.url}?user=${user}`), `/user${queue}`, carol);
  assert.equal(a.server.users.getUser(user)?.sessions.size ?? 0, 0, 'A has not heard of her yet');
  assert.equal(await a.server.template.convertAndSendToUser(user, queue, { hello: user }), true);
  await carol.waitFor(1);
  assert.deepEqual(JSON.parse(carol.messages[0]!.body), { hello: user });
  assert.equal(carol.messages[0]!.headers.destination, `/user${queue}`);
  assert.equal(carol.messages[0]!.headers['content-type'], 'application/json');
});

test('a user connected to both instances receives on both, once each', async (t) => {
  const { a, b } = await twoInstances(t);
  const queue = `/queue/${unique('both')}`;
  const user = unique('dave');
  const onA = new Inbox();
  const onB = new Inbox();
  await subscribed(await client(t, `${a.url}?user=${user}`), `/user${queue}`, onA);
  await subscribed(await client(t, `${b.url}?user=${user}`), `/user${queue}`, onB);
  await a.server.template.convertAndSendToUser(user, queue, 'first');
  await b.server.template.convertAndSendToUser(user, queue, 'second');
  await onA.waitFor(2);
  await onB.waitFor(2);
  assert.deepEqual(onA.messages.map((m) => m.body).sort(), ['first', 'second']);
  assert.deepEqual(onB.messages.map((m) => m.body).sort(), ['first', 'second']);
  // Nothing more arrives: a round trip through the broker after the sends flushes any duplicate.
  const marker = `/topic/${unique('marker')}`;
  const markers = new Inbox();
  const probe = await client(t, a.url);
  await subscribed(probe, marker, markers);
  probe.publish({ destination: marker, body: 'x' });
  await markers.waitFor(1);
  assert.equal(onA.count, 2);
  assert.equal(onB.count, 2);
});

test('a client SEND to /user/{name}/... on A reaches that user on B', async (t) => {
  const { a, b } = await twoInstances(t);
  const queue = `/queue/${unique('dm')}`;
  const user = unique('erin');
  const erin = new Inbox();
  await subscribed(await client(t, `${b.url}?user=${user}`), `/user${queue}`, erin);
  const sender = await client(t, `${a.url}?user=frank`);
  sender.publish({ destination: `/user/${user}${queue}`, body: 'psst' });
  await erin.waitFor(1);
  assert.equal(erin.messages[0]!.body, 'psst');
});

test('the user registry is shared: each instance sees the users of the other, and forgets them', async (t) => {
  const { a, b } = await twoInstances(t, 200);
  const user = unique('gina');
  const gina = await client(t, `${b.url}?user=${user}`);
  await subscribed(gina, `/user/queue/${unique('x')}`, new Inbox());
  await eventually(() => a.server.users.getUser(user)?.sessions.size === 1, 5000, 'A to learn of gina');
  const session = [...a.server.users.getUser(user)!.sessions.values()][0]!;
  assert.equal(session.subscriptions.size, 1);
  assert.deepEqual(Object.keys(session.user), ['name'], 'only the name crosses instances, never claims');
  await gina.deactivate();
  await eventually(() => a.server.users.getUser(user) === undefined, 5000, 'A to forget gina');
  await b.close();
  await eventually(() => a.server.users.remoteInstances === 0, 5000, 'A to forget B');
});

test('clients can neither read nor forge the topics instances share: direct, wildcard and amq.topic forms are denied', async (t) => {
  await requireRabbitStomp();
  const { url } = await startRelayServer(t, {}, { prefixes: ['/topic', '/queue', '/exchange'] });
  for (const [command, destination] of [
    ['SUBSCRIBE', '/topic/#'],
    ['SUBSCRIBE', '/topic/switchboard.user-destination'],
    ['SUBSCRIBE', '/topic/*.user-registry'],
    ['SUBSCRIBE', '/exchange/amq.topic/switchboard.#'],
    ['SEND', '/topic/switchboard.user-destination'],
  ] as const) {
    const client = await RawStompClient.connect(url);
    client.sendFrame(command, { id: 'x', destination }, command === 'SEND' ? 'forged' : undefined);
    const error = await client.next('ERROR');
    assert.equal(error.headers.code, 'ERR_ACCESS_DENIED', `${command} ${destination}`);
    await client.closed;
  }
  // Ordinary wildcard subscriptions still work.
  const ok = await RawStompClient.connect(url);
  await ok.request('SUBSCRIBE', { id: 'p', destination: '/topic/price.*' });
  ok.close();
});
