import assert from 'node:assert/strict';
import net from 'node:net';
import { before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type {
  HandshakeDecision,
  HandshakeRequest,
  RelayConfig,
  StompServerOptions,
} from '../../src/index.js';
import { ErrorCodes } from '../../src/index.js';
import { rabbitQueuesForTopic, rabbitQueuesNamed, tcpConnectionsTo } from '../helpers/broker-probe.js';
import type { StompFrame } from '../../src/stomp/frame.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import type { BrokerTarget } from '../helpers/brokers.js';
import { BROKERS, RABBITMQ, relayTo, requireBroker, wildcardTopic } from '../helpers/brokers.js';
import { unique } from '../helpers/rabbitmq.js';
import { eventually, relayStats, startServer, within } from '../helpers/server.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

// Shared mode (the default) against the real brokers: RabbitMQ's STOMP plugin on 127.0.0.1:61613
// and ActiveMQ Classic on 61614 (scripts/services.sh). What only RabbitMQ can show (its queues,
// listed by rabbitmqctl) runs against RabbitMQ alone.
before(() => Promise.all(BROKERS.map(requireBroker)));

/** A server relaying to `broker` (shared mode unless `relay.mode` says otherwise), once connected. */
async function start(
  t: TestContext,
  broker: BrokerTarget,
  relay: RelayConfig = {},
  options: StompServerOptions = {},
) {
  const started = await startServer(t, { ...options, broker: { relay: relayTo(broker, relay) } });
  await eventually(() => started.server.broker.available, 10_000, `the relay to connect to ${broker.name}`);
  return started;
}

async function stompjs(t: TestContext, url: string) {
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  return client;
}

async function raw(t: TestContext, url: string, headers: Record<string, string> = {}) {
  const client = await RawStompClient.connect(url, headers);
  t.after(() => client.close());
  return client;
}

const userFromQuery = {
  beforeHandshake(request: HandshakeRequest): HandshakeDecision {
    request.setPrincipal({ name: request.query.get('user')! });
    return true;
  },
};

for (const broker of BROKERS) {
  describe(broker.name, () => {
    test('shared mode is the default: fan-out to many clients rides on one broker subscription, each client sees its own subscription id', async (t) => {
      const { url, server } = await start(t, broker);
      assert.equal(relayStats(server).mode, 'shared');
      const topic = `/topic/${unique('fanout')}`;
      const before = relayStats(server).brokerSubscriptions;
      const inboxes = Array.from({ length: 10 }, () => new Inbox());
      for (const [i, inbox] of inboxes.entries()) {
        const client = await stompjs(t, url);
        await subscribed(client, topic, inbox, { id: `mine-${i % 3}` });
      }
      assert.equal(
        relayStats(server).brokerSubscriptions,
        before + 1,
        'one broker subscription for ten clients',
      );
      const publisher = await stompjs(t, url);
      for (let i = 0; i < 30; i++) publisher.publish({ destination: topic, body: `m${i}` });
      for (const [i, inbox] of inboxes.entries()) {
        await inbox.waitFor(30);
        assert.deepEqual(
          inbox.messages.map((m) => m.body),
          Array.from({ length: 30 }, (_, k) => `m${k}`),
        );
        assert.equal(inbox.messages[0]!.headers.subscription, `mine-${i % 3}`);
        assert.equal(inbox.messages[0]!.headers.destination, topic);
        assert.equal(inbox.messages[0]!.headers.ack, undefined, 'no broker ack id leaks out');
      }
      assert.ok(relayStats(server).connections <= 2, 'the pool, not a connection per client');
    });

    test('wildcard topics: one shared subscription per pattern, deliveries show the concrete destination', async (t) => {
      const { url } = await start(t, broker);
      const base = unique('prices');
      const inbox = new Inbox();
      const other = new Inbox();
      await subscribed(await stompjs(t, url), wildcardTopic(broker, base, 'one'), inbox);
      await subscribed(await stompjs(t, url), wildcardTopic(broker, base, 'many'), other);
      const publisher = await raw(t, url);
      await publisher.request('SEND', { destination: `/topic/${base}.acme` }, 'a');
      await publisher.request('SEND', { destination: `/topic/${base}.acme.eu` }, 'b');
      await inbox.waitFor(1);
      await other.waitFor(2);
      assert.equal(inbox.messages[0]!.headers.destination, `/topic/${base}.acme`);
      assert.deepEqual(
        other.messages.map((m) => m.body),
        ['a', 'b'],
      );
      await publisher.request('SEND', { destination: `/topic/${base}.zzz` }, 'c');
      await other.waitFor(3);
      await inbox.waitFor(2);
      assert.equal(inbox.count, 2, '`*` matched one word only');
    });

    test('queues keep competing consumers: each message to exactly one, with its own broker subscription', async (t) => {
      const { url, server } = await start(t, broker);
      const queue = `/queue/${unique('work')}`;
      const a = new Inbox();
      const b = new Inbox();
      const before = relayStats(server).brokerSubscriptions;
      await subscribed(await stompjs(t, url), queue, a, { ...broker.queueHeaders });
      await subscribed(await stompjs(t, url), queue, b, { ...broker.queueHeaders });
      assert.equal(relayStats(server).brokerSubscriptions, before + 2, 'queues are never shared');
      const publisher = await raw(t, url);
      for (let i = 0; i < 20; i++)
        publisher.sendFrame('SEND', { destination: queue, ...broker.queueHeaders }, `job${i}`);
      await eventually(() => a.count + b.count >= 20, 5000, '20 deliveries');
      const bodies = [...a.messages, ...b.messages].map((m) => m.body);
      assert.equal(new Set(bodies).size, 20, 'no message delivered twice');
      assert.ok(a.count > 0 && b.count > 0, `both consumers served (${a.count}/${b.count})`);
    });

    test('client-individual acks: NACK redelivers, ACK settles; ids are the relay’s own', async (t) => {
      const { url } = await start(t, broker);
      const queue = `/queue/${unique('acks')}`;
      const consumer = await stompjs(t, url);
      const inbox = new Inbox();
      await subscribed(consumer, queue, inbox, { ack: 'client-individual', ...broker.queueHeaders });
      const publisher = await raw(t, url);
      await publisher.request('SEND', { destination: queue, ...broker.queueHeaders }, 'first');
      await inbox.waitFor(1);
      const first = inbox.messages[0]!;
      assert.equal(first.headers.ack, first.headers['message-id'], 'one relay id serves 1.2 and 1.1 acks');
      first.nack();
      await inbox.waitFor(2);
      assert.equal(inbox.messages[1]!.body, 'first');
      assert.equal(inbox.messages[1]!.headers.redelivered, 'true');
      assert.notEqual(inbox.messages[1]!.headers.ack, first.headers.ack);
      inbox.messages[1]!.ack();
      await publisher.request('SEND', { destination: queue, ...broker.queueHeaders }, 'second');
      await inbox.waitFor(3);
      assert.equal(inbox.messages[2]!.body, 'second', 'the ACKed message did not come back');
    });

    test('client acks from a STOMP 1.1 client (message-id + subscription) are cumulative and reach the broker', async (t) => {
      const { url } = await start(t, broker);
      const queue = `/queue/${unique('cumulative')}`;
      const args = { ...broker.queueHeaders };
      const publisher = await raw(t, url);
      for (let i = 1; i <= 4; i++) await publisher.request('SEND', { destination: queue, ...args }, `m${i}`);
      const old = await raw(t, url, { 'accept-version': '1.1' });
      old.version = '1.1';
      await old.request('SUBSCRIBE', { id: 'q', destination: queue, ack: 'client', ...args });
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await old.next('MESSAGE'));
      assert.deepEqual(
        got.map((m) => m.body.toString()),
        ['m1', 'm2', 'm3', 'm4'],
      );
      // 1.1 form: message-id + subscription; acknowledges m1 and m2.
      await old.request('ACK', { 'message-id': got[1]!.headers['message-id']!, subscription: 'q' });
      await old.request('DISCONNECT', {});
      const next = await raw(t, url);
      await next.request('SUBSCRIBE', { id: 'again', destination: queue, ack: 'auto', ...args });
      const rest = [await next.next('MESSAGE'), await next.next('MESSAGE')];
      assert.deepEqual(
        rest.map((m) => m.body.toString()),
        ['m3', 'm4'],
      );
      await next.request('SEND', { destination: queue, ...args }, 'marker');
      assert.equal((await next.next('MESSAGE')).body.toString(), 'marker', 'm1 and m2 never came back');
    });

    test('transactions are namespaced per session: two sessions may use the same id; a session that leaves aborts its own', async (t) => {
      const { url } = await start(t, broker, { poolSize: 1 });
      const topic = `/topic/${unique('tx')}`;
      const inbox = new Inbox();
      await subscribed(await stompjs(t, url), topic, inbox);
      const a = await raw(t, url);
      const b = await raw(t, url);
      await a.request('BEGIN', { transaction: 'tx1' });
      await b.request('BEGIN', { transaction: 'tx1' });
      await a.request('SEND', { destination: topic, transaction: 'tx1' }, 'from a');
      await b.request('SEND', { destination: topic, transaction: 'tx1' }, 'from b');
      await b.request('ABORT', { transaction: 'tx1' });
      await a.request('SEND', { destination: topic }, 'outside');
      await inbox.waitFor(1);
      await a.request('COMMIT', { transaction: 'tx1' });
      await inbox.waitFor(2);
      const leaver = await RawStompClient.connect(url);
      await leaver.request('BEGIN', { transaction: 'tx1' });
      await leaver.request('SEND', { destination: topic, transaction: 'tx1' }, 'never');
      leaver.close();
      await within(leaver.closed, 5000, 'leaver closed');
      await a.request('SEND', { destination: topic }, 'last');
      await inbox.waitFor(3);
      assert.deepEqual(
        inbox.messages.map((m) => m.body),
        ['outside', 'from a', 'last'],
      );
      a.sendFrame('COMMIT', { transaction: 'unknown' });
      const error = await a.next('ERROR');
      assert.equal(
        error.headers.code,
        ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION,
        'checked before the broker sees it',
      );
    });

    test('receipts: a SUBSCRIBE joining a confirmed shared subscription, SEND and UNSUBSCRIBE; user destinations answered locally', async (t) => {
      const { url } = await start(t, broker, {}, { handshakeInterceptors: [userFromQuery] });
      const topic = `/topic/${unique('receipts')}`;
      const first = await raw(t, url);
      const second = await raw(t, url);
      await first.request('SUBSCRIBE', { id: 's1', destination: topic });
      await second.request('SUBSCRIBE', { id: 's2', destination: topic });
      await first.request('SEND', { destination: topic }, 'hello');
      assert.equal((await first.next('MESSAGE')).headers.subscription, 's1');
      assert.equal((await second.next('MESSAGE')).headers.subscription, 's2');
      await second.request('UNSUBSCRIBE', { id: 's2' });
      await first.request('SEND', { destination: topic }, 'again');
      assert.equal((await first.next('MESSAGE')).body.toString(), 'again');
      const user = await raw(t, `${url}?user=${unique('dora')}`);
      await user.request('SUBSCRIBE', { id: 'u', destination: '/user/queue/notes' });
      await user.request('UNSUBSCRIBE', { id: 'u' });
      assert.equal(
        second.frames.filter((f) => f.command === 'MESSAGE').length,
        0,
        'nothing after UNSUBSCRIBE',
      );
    });

    test('binary bodies with NUL bytes cross a shared subscription intact', async (t) => {
      const { url } = await start(t, broker);
      const topic = `/topic/${unique('binary')}`;
      const clients = [await raw(t, url), await raw(t, url)];
      for (const client of clients) await client.request('SUBSCRIBE', { id: 'bin', destination: topic });
      const body = Buffer.from([0, 1, 2, 0, 255, 0, 0x0a, 0]);
      clients[0]!.sendFrame('SEND', { destination: topic, 'content-type': 'application/octet-stream' }, body);
      for (const client of clients) {
        const message = await client.next('MESSAGE');
        assert.deepEqual(message.body, body);
        assert.equal(message.headers['content-length'], String(body.length));
      }
    });

    test('per-session mode still gives each client its own broker connection', async (t) => {
      const { url, server } = await start(t, broker, { mode: 'per-session' });
      const topic = `/topic/${unique('per-session')}`;
      const inbox = new Inbox();
      await subscribed(await stompjs(t, url), topic, inbox);
      const publisher = await stompjs(t, url);
      publisher.publish({ destination: topic, body: 'x' });
      await inbox.waitFor(1);
      assert.equal(relayStats(server).mode, 'per-session');
      assert.equal(relayStats(server).connections, 3, 'two sessions plus the system connection');
    });

    test('several broker addresses: the first hangs up on the relay (it saw the attempt), the second (the broker) is used', async (t) => {
      const attempts: string[] = [];
      // Accepts the TCP connection, reads the CONNECT, answers ERROR and hangs up: a node that is down at STOMP level.
      const first = net.createServer((socket) => {
        socket.once('data', (chunk) => {
          attempts.push(chunk.toString('latin1').split('\n')[0]!);
          socket.end('ERROR\nmessage:node down\n\n\0');
        });
        socket.on('error', () => {});
      });
      await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
      t.after(() => new Promise<void>((resolve) => first.close(() => resolve())));
      const { port } = first.address() as net.AddressInfo;
      const { url } = await start(t, broker, {
        poolSize: 1,
        hosts: [
          { host: '127.0.0.1', port },
          { host: broker.host, port: broker.port },
        ],
      });
      assert.ok(attempts.length >= 1, 'the first address was tried first');
      assert.equal(attempts[0], 'CONNECT', 'with a STOMP CONNECT');
      const topic = `/topic/${unique('second')}`;
      const client = await raw(t, url);
      await client.request('SUBSCRIBE', { id: 's', destination: topic });
      await client.request('SEND', { destination: topic }, 'through the second address');
      assert.equal((await client.next('MESSAGE')).body.toString(), 'through the second address');
      assert.ok(tcpConnectionsTo(broker.port) >= 1, `connected to ${broker.name}`);
    });

    test('several broker addresses: nothing listens on the first, the second is used', async (t) => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as net.AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const { url, server } = await start(t, broker, {
        poolSize: 1,
        hosts: [
          { host: '127.0.0.1', port },
          { host: broker.host, port: broker.port },
        ],
      });
      const topic = `/topic/${unique('second')}`;
      const client = await raw(t, url);
      await client.request('SUBSCRIBE', { id: 's', destination: topic });
      await client.request('SEND', { destination: topic }, 'through the second address');
      assert.equal((await client.next('MESSAGE')).body.toString(), 'through the second address');
      assert.equal(relayStats(server).connections, 1);
    });

    test('client-ack subscriptions that end with messages unacknowledged: the broker has them back at once, without the shared connection being made again', async (t) => {
      const { url, server } = await start(t, broker, { poolSize: 1 });
      const args = { ...broker.queueHeaders };
      const queues = [`/queue/${unique('requeue-client')}`, `/queue/${unique('requeue-individual')}`];
      const publisher = await raw(t, url);
      for (const queue of queues)
        for (const body of ['one', 'two'])
          await publisher.request('SEND', { destination: queue, ...args }, body);
      const consumer = await raw(t, url);
      for (const [i, ack] of ['client', 'client-individual'].entries())
        await consumer.request('SUBSCRIBE', { id: `c${i}`, destination: queues[i]!, ack, ...args });
      for (let i = 0; i < 4; i++) await consumer.next('MESSAGE');
      const started = Date.now();
      // Both on the same shared connection, one right after the other: no reconnect rate limit applies.
      await consumer.request('UNSUBSCRIBE', { id: 'c0' });
      await consumer.request('UNSUBSCRIBE', { id: 'c1' });
      const next = await raw(t, url);
      for (const [i, queue] of queues.entries())
        await next.request('SUBSCRIBE', { id: `n${i}`, destination: queue, ...args });
      const back: StompFrame[] = [];
      for (let i = 0; i < 4; i++) back.push(await next.next('MESSAGE', () => true, 3000));
      const elapsed = Date.now() - started;
      for (const [i] of queues.entries()) {
        const mine = back.filter((m) => m.headers.subscription === `n${i}`);
        assert.deepEqual(
          mine.map((m) => m.body.toString()),
          ['one', 'two'],
          `${queues[i]} has both back`,
        );
        assert.ok(mine.every((m) => m.headers.redelivered === 'true'));
      }
      t.diagnostic(`requeued in ${elapsed} ms`);
      assert.ok(elapsed < 2500, `back in ${elapsed} ms, not after the 5 s between two reconnects`);
      assert.equal(relayStats(server).reconnects, 0, 'the shared connection was not made again');
      assert.equal(relayStats(server).dropped.requeueByReconnect, undefined);
    });

    test("a client-mode (cumulative) ACK settles only its own subscription's deliveries, not other sessions' on the same shared connection", async (t) => {
      const { url, server } = await start(t, broker, { poolSize: 1 });
      const args = { ...broker.queueHeaders };
      const [mine, theirs] = [`/queue/${unique('cumulative-mine')}`, `/queue/${unique('cumulative-theirs')}`];
      const other = await raw(t, url);
      await other.request('SUBSCRIBE', { id: 'o', destination: theirs, ack: 'client-individual', ...args });
      const me = await raw(t, url);
      await me.request('SUBSCRIBE', { id: 'm', destination: mine, ack: 'client', ...args });
      await other.request('SEND', { destination: theirs, ...args }, 'theirs');
      const delivered = await other.next('MESSAGE');
      await me.request('SEND', { destination: mine, ...args }, 'mine');
      const own = await me.next('MESSAGE');
      await me.request('ACK', { id: own.headers.ack! });
      // Had the cumulative ACK covered the other session's delivery, RabbitMQ would refuse this one
      // (precondition_failed: unknown delivery tag) and close the shared connection.
      await other.request('ACK', { id: delivered.headers.ack! });
      await other.request('SEND', { destination: theirs, ...args }, 'after');
      assert.equal((await other.next('MESSAGE', () => true, 10_000)).body.toString(), 'after');
      assert.equal(relayStats(server).reconnects, 0, 'the shared connection stayed up');
      assert.equal(other.frames.filter((f) => f.command === 'ERROR').length, 0);
    });
  });
}

test('a broker ERROR caused by one client ends only that client; the others on the same broker connection keep their sessions and subscriptions', async (t) => {
  const { url, server } = await start(t, RABBITMQ, {
    poolSize: 1,
    prefixes: ['/topic', '/queue', '/exchange'],
  });
  const events: boolean[] = [];
  server.on('brokerAvailability', (e) => events.push(e.available));
  const topic = `/topic/${unique('alive')}`;
  const bystanders = [await raw(t, url), await raw(t, url)];
  for (const b of bystanders) await b.request('SUBSCRIBE', { id: 'b', destination: topic });
  const offender = await RawStompClient.connect(url);
  t.after(() => offender.close());
  // RabbitMQ refuses a subscription to a missing exchange with an ERROR, and closes the connection.
  offender.sendFrame('SUBSCRIBE', {
    id: '1',
    destination: `/exchange/${unique('missing')}/key`,
    receipt: 'bad',
  });
  const error = await offender.next('ERROR');
  assert.match(error.headers.message ?? '', /not_found/);
  assert.match(error.body.toString(), /no exchange/);
  assert.equal(error.headers['receipt-id'], 'bad');
  assert.equal((await within(offender.closed, 5000, 'offender closed')).code, 1002);
  await eventually(
    () => events.join() === 'false,true',
    10_000,
    `the connection to come back (${events.join()})`,
  );
  assert.equal(server.sessionCount, 2, 'the bystanders are still connected');
  await bystanders[0]!.request('SEND', { destination: topic }, 'still here');
  for (const b of bystanders) assert.equal((await b.next('MESSAGE')).body.toString(), 'still here');
  assert.equal(bystanders[0]!.frames.filter((f) => f.command === 'ERROR').length, 0);
});

test('sharing is visible: 1000 clients on one topic give one RabbitMQ queue and at most poolSize + 1 broker connections; user destinations need no queue', async (t) => {
  const poolSize = 2;
  const { url, server } = await start(t, RABBITMQ, { poolSize }, { handshakeInterceptors: [userFromQuery] });
  const key = unique('crowd');
  const topic = `/topic/${key}`;
  const clients: RawStompClient[] = [];
  for (let i = 0; i < 1000; i += 100) {
    const batch = await Promise.all(Array.from({ length: 100 }, () => RawStompClient.connect(url)));
    clients.push(...batch);
    await Promise.all(batch.map((c) => c.request('SUBSCRIBE', { id: 'crowd', destination: topic })));
  }
  t.after(() => {
    for (const c of clients) c.close();
  });
  const userKey = unique('private');
  const user = await raw(t, `${url}?user=${unique('erin')}`);
  await user.request('SUBSCRIBE', { id: 'u', destination: `/user/queue/${userKey}` });

  assert.deepEqual((await rabbitQueuesForTopic(key)).length, 1, 'exactly one RabbitMQ queue for the topic');
  assert.deepEqual(await rabbitQueuesNamed(userKey), [], 'no broker queue per session');
  const connections = tcpConnectionsTo(RABBITMQ.port);
  t.diagnostic(`TCP connections to the broker from this process: ${connections}`);
  assert.ok(connections <= poolSize + 1, `at most poolSize + 1 broker connections (${connections})`);
  assert.equal(relayStats(server).connections, poolSize);

  await clients[0]!.request('SEND', { destination: topic }, 'to everyone');
  await Promise.all(clients.map((c) => c.next('MESSAGE', () => true, 20_000)));
});

test('a shared subscription lingers after its last subscriber, then goes', async (t) => {
  const { url, server } = await start(t, RABBITMQ, { subscriptionLinger: 300 });
  const key = unique('linger');
  const topic = `/topic/${key}`;
  const client = await raw(t, url);
  const base = relayStats(server).brokerSubscriptions;
  await client.request('SUBSCRIBE', { id: 'a', destination: topic });
  await client.request('UNSUBSCRIBE', { id: 'a' });
  assert.equal(relayStats(server).brokerSubscriptions, base + 1, 'kept for the linger');
  await client.request('SUBSCRIBE', { id: 'b', destination: topic });
  assert.equal(relayStats(server).brokerSubscriptions, base + 1, 'reused');
  await client.request('UNSUBSCRIBE', { id: 'b' });
  await eventually(() => relayStats(server).brokerSubscriptions === base, 5000, 'the linger to end');
  const deadline = Date.now() + 10_000;
  while ((await rabbitQueuesForTopic(key)).length > 0) {
    assert.ok(Date.now() < deadline, 'the RabbitMQ queue to go within 10 s');
  }
});
