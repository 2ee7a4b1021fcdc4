import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backToBaseline,
  rabbitmqctl,
  startRabbitApp,
  timersAndSockets,
} from '../../helpers/rabbit-restart.js';
import { RawStompClient } from '../../helpers/raw-stomp.js';
import { requireRabbitStomp, startRelayServer, unique } from '../../helpers/rabbitmq.js';
import { eventually, relayStats, within } from '../../helpers/server.js';

// Restarts the real RabbitMQ: scripts/test.sh runs the failover files alone, after every other test.

const relay = {
  mode: 'shared' as const,
  reconnect: { initialDelay: 200, maxDelay: 1000 },
  outageBuffer: { maxAge: 60_000 },
};

test('shared mode, RabbitMQ restart: 200 clients stay connected, topics deliver again, a durable queue loses nothing and repeats nothing acknowledged', async (t) => {
  await requireRabbitStomp();
  t.after(() => startRabbitApp()); // whatever happens, leave the broker running
  const { url, server } = await startRelayServer(t, {}, relay);
  const events: boolean[] = [];
  server.on('brokerAvailability', (e) => events.push(e.available));
  const topic = `/topic/${unique('survive')}`;
  const queueName = unique('durable');
  const queue = `/queue/${queueName}`;
  t.after(() => rabbitmqctl('delete_queue', queueName).catch(() => undefined));

  const crowd: RawStompClient[] = [];
  for (let i = 0; i < 200; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => RawStompClient.connect(url)));
    await Promise.all(batch.map((c) => c.request('SUBSCRIBE', { id: 't', destination: topic })));
    crowd.push(...batch);
  }
  const publisher = await RawStompClient.connect(url);
  const consumer = await RawStompClient.connect(url);
  t.after(() => {
    for (const c of [...crowd, publisher, consumer]) c.close();
  });
  const sessions = server.sessionCount;
  assert.equal(sessions, 202);

  // The consumer ACKs every message (client-individual) and waits for the broker's receipt.
  const acknowledged = new Set<string>();
  const received: string[] = [];
  await consumer.request('SUBSCRIBE', { id: 'q', destination: queue, ack: 'client-individual' });
  const consume = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const message = await consumer.next('MESSAGE', () => true, 30_000);
      const body = message.body.toString();
      assert.ok(!acknowledged.has(body), `'${body}' came again after its ACK was confirmed`);
      received.push(body);
      await consumer.request('ACK', { id: message.headers.ack! });
      acknowledged.add(body);
    }
  };
  const publish = (body: string) =>
    publisher.request('SEND', { destination: queue, persistent: 'true' }, body);

  for (let i = 0; i < 5; i++) await publish(`before-${i}`);
  await consume(5);

  await rabbitmqctl('stop_app');
  await eventually(() => !server.broker.available, 30_000, 'the relay to notice the broker is gone');
  // Buffered while the broker is away; each receipt comes once the broker took the message.
  const during = Array.from({ length: 5 }, (_, i) => publish(`during-${i}`));
  await eventually(() => relayStats(server).outageBuffer.messages >= 5, 5000, '5 SENDs in the outage buffer');
  assert.equal(relayStats(server).outage.active, true);
  assert.ok(relayStats(server).outage.since !== undefined);

  await startRabbitApp();
  await eventually(() => server.broker.available, 30_000, 'the relay to recover');
  await within(Promise.all(during), 30_000, 'receipts of the buffered SENDs');
  assert.equal(relayStats(server).outageBuffer.messages, 0);
  for (let i = 0; i < 5; i++) await publish(`after-${i}`);
  await consume(10);

  const expected = ['before', 'during', 'after'].flatMap((p) =>
    Array.from({ length: 5 }, (_, i) => `${p}-${i}`),
  );
  assert.deepEqual([...acknowledged].sort(), expected.sort(), 'each message delivered');
  assert.equal(received.length, 15, 'none twice');
  assert.equal(server.sessionCount, sessions, 'no client session closed');
  for (const client of crowd) assert.equal(client.frames.filter((f) => f.command === 'ERROR').length, 0);
  assert.deepEqual(events, [false, true]);
  assert.equal(relayStats(server).outage.count, 1);

  await publisher.request('SEND', { destination: topic }, 'after the restart');
  await Promise.all(
    crowd.map((c) => c.next('MESSAGE', (f) => f.body.toString() === 'after the restart', 20_000)),
  );
});

test('shared mode: 20 broker restarts in a row leave no sockets or timers behind', async (t) => {
  await requireRabbitStomp();
  t.after(() => startRabbitApp());
  const baseline = timersAndSockets();
  const { url, server } = await startRelayServer(t, {}, relay);
  const topic = `/topic/${unique('restarts')}`;
  const clients = [await RawStompClient.connect(url), await RawStompClient.connect(url)];
  for (const client of clients) await client.request('SUBSCRIBE', { id: 's', destination: topic });
  for (let round = 0; round < 20; round++) {
    await rabbitmqctl('stop_app');
    await eventually(() => !server.broker.available, 30_000, `round ${round}: loss noticed`);
    await startRabbitApp();
    await eventually(() => server.broker.available, 30_000, `round ${round}: recovered`);
    await clients[0]!.request('SEND', { destination: topic }, `round ${round}`);
    for (const client of clients)
      await client.next('MESSAGE', (f) => f.body.toString() === `round ${round}`, 10_000);
  }
  assert.equal(server.sessionCount, 2, 'both clients survived 20 restarts');
  assert.ok(relayStats(server).reconnects >= 20);
  for (const client of clients) client.close();
  await server.close();
  assert.equal(relayStats(server).connections, 0);
  await backToBaseline(baseline);
});
