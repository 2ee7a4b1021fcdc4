// Nothing dropped silently, seen from @stomp/stompjs clients: a prefetch window for client-ack
// subscribers, the slow-consumer policy past the pending bound, and queue overflow 'reject'.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IFrame, IMessage } from '@stomp/stompjs';
import { createPrometheusMetrics } from '../../src/index.js';
import { parseExposition, sample } from '../helpers/prometheus-text.js';
import { eventually, simpleBrokerStats, startServer, within } from '../helpers/server.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

/** Publishes and waits for the receipt: the broker has taken the message when it arrives. */
async function publishConfirmed(
  client: Awaited<ReturnType<typeof connectStompJs>>['client'],
  destination: string,
  body: string,
) {
  const receipt = `r-${Math.random().toString(36).slice(2)}`;
  const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
  client.publish({ destination, body, headers: { receipt } });
  await within(done, 5000, `receipt for SEND ${destination}`);
}

function stompError(client: Awaited<ReturnType<typeof connectStompJs>>['client']): Promise<IFrame> {
  return within(new Promise<IFrame>((resolve) => (client.onStompError = resolve)), 10_000, 'an ERROR frame');
}

test('a client-ack subscriber with maxUnacked outstanding gets nothing more until it acks, then everything in order', async (t) => {
  const { url, server } = await startServer(t, { broker: { maxUnacked: 5 } });
  const { client: consumer } = await connectStompJs(url);
  t.after(() => consumer.deactivate());
  const work = new Inbox();
  let acking = false;
  const received: IMessage[] = [];
  const subscription = await subscribed(
    consumer,
    '/topic/work.client',
    {
      push: (m: IMessage) => {
        received.push(m);
        if (acking) m.ack();
        work.push(m);
      },
    } as unknown as Inbox,
    { ack: 'client-individual' },
  );
  const marker = new Inbox();
  await subscribed(consumer, '/topic/marker', marker);
  const { client: publisher } = await connectStompJs(url);
  t.after(() => publisher.deactivate());

  for (let i = 0; i < 20; i++) publisher.publish({ destination: '/topic/work.client', body: String(i) });
  publisher.publish({ destination: '/topic/marker', body: 'after' });
  // The marker goes out after whatever the 20 publishes produced for this session.
  await marker.waitFor(1);
  assert.equal(received.length, 5, 'five outstanding, no more');
  assert.equal(simpleBrokerStats(server).pending, 15);

  acking = true;
  for (const m of received.slice(0, 5)) m.ack();
  await work.waitFor(20, 10_000);
  assert.deepEqual(
    received.map((m) => m.body),
    Array.from({ length: 20 }, (_, i) => String(i)),
    'every message, in order, none lost',
  );
  await eventually(() => simpleBrokerStats(server).pending === 0, 5000, 'nothing pending');
  assert.equal(server.stats().messagesDropped.total, 0);
  subscription.unsubscribe();
});

test('past maxPending the slow consumer gets an ERROR naming the limit and is closed; drops are counted in stats and metrics', async (t) => {
  const { url, server } = await startServer(t, { broker: { maxUnacked: 2, maxPending: 3 } });
  const metrics = await createPrometheusMetrics(server);
  t.after(() => metrics.close());
  const { client: slow } = await connectStompJs(url);
  t.after(() => slow.deactivate());
  const error = stompError(slow);
  await subscribed(slow, '/topic/feed', new Inbox(), { ack: 'client' });
  const { client: healthy } = await connectStompJs(url);
  t.after(() => healthy.deactivate());
  const inbox = new Inbox();
  await subscribed(healthy, '/topic/feed', inbox);

  for (let i = 0; i < 10; i++) await publishConfirmed(healthy, '/topic/feed', String(i));
  const frame = await error;
  assert.equal(frame.headers.code, 'ERR_LIMIT_PENDING');
  assert.match(frame.headers.message!, /maxPending/);
  await inbox.waitFor(10);
  await eventually(() => server.sessionCount === 1, 5000, 'the slow session closed');
  const stats = server.stats();
  assert.equal(stats.stomp.closes.limitExceeded, 1);
  assert.equal(
    stats.messagesDropped.byReason.pendingOverflow,
    4,
    'three waiting and the one that overflowed',
  );
  assert.equal(stats.incidents.byCause.pendingOverflow, 1);
  const exposition = parseExposition(await metrics.metrics());
  assert.equal(sample(exposition, 'switchboard_messages_dropped_total', { reason: 'pendingOverflow' }), 4);
  assert.equal(sample(exposition, 'switchboard_incidents_total', { cause: 'pendingOverflow' }), 1);
});

test("queueOverflow 'reject': the publisher gets an ERROR naming the queue and the limit; other sessions carry on", async (t) => {
  const { url, server } = await startServer(t, { broker: { maxQueueDepth: 2, queueOverflow: 'reject' } });
  const { client: publisher } = await connectStompJs(url);
  t.after(() => publisher.deactivate());
  const { client: bystander } = await connectStompJs(url);
  t.after(() => bystander.deactivate());
  const error = stompError(publisher);

  await publishConfirmed(publisher, '/queue/jobs', '1');
  await publishConfirmed(publisher, '/queue/jobs', '2');
  publisher.publish({ destination: '/queue/jobs', body: '3' });
  const frame = await error;
  assert.equal(frame.headers.code, 'ERR_BROKER_QUEUE_FULL');
  assert.match(frame.headers.message!, /'\/queue\/jobs'.*maxQueueDepth 2/);

  await assert.rejects(server.template.convertAndSend('/queue/jobs', 'from the app'), {
    code: 'ERR_BROKER_QUEUE_FULL',
  });
  assert.equal(server.stats().messagesDropped.byReason.queueRejected, 2);

  const inbox = new Inbox();
  await subscribed(bystander, '/queue/jobs', inbox);
  await inbox.waitFor(2);
  assert.deepEqual(
    inbox.messages.map((m) => m.body),
    ['1', '2'],
    'the queue kept what it had accepted',
  );
  assert.ok(bystander.connected, 'the bystander is still connected');
});
