// Prefetch (maxUnacked), the pending buffer of topic subscriptions, queue overflow, and drop counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimpleBroker } from '../../../src/broker/simple-broker.js';
import type { SimpleBrokerOptions } from '../../../src/broker/simple-broker.js';
import { DirectChannel, createMessage } from '../../../src/index.js';
import type { Message } from '../../../src/index.js';
import { createHeaders } from '../../../src/stomp/frame.js';

function setup(options: Partial<SimpleBrokerOptions> = {}) {
  const outbound = new DirectChannel('out');
  const sent: Message[] = [];
  outbound.subscribe({ handleMessage: (m) => void sent.push(m) });
  const broker = new SimpleBroker({ outbound, ...options });
  broker.start();
  const send = (headers: Parameters<typeof createMessage>[0], body?: string) =>
    broker.handleMessage(createMessage(headers, body === undefined ? undefined : Buffer.from(body)));
  return {
    broker,
    deliveries: (sessionId?: string) =>
      sent.filter(
        (m) => m.headers.type === 'MESSAGE' && (sessionId === undefined || m.headers.sessionId === sessionId),
      ),
    errors: () => sent.filter((m) => m.headers.type === 'ERROR'),
    bodies: (sessionId?: string) =>
      sent
        .filter(
          (m) =>
            m.headers.type === 'MESSAGE' && (sessionId === undefined || m.headers.sessionId === sessionId),
        )
        .map((m) => m.payload.toString()),
    subscribe: (sessionId: string, id: string, destination: string, ack = 'client-individual') =>
      send({
        type: 'SUBSCRIBE',
        sessionId,
        subscriptionId: id,
        destination,
        nativeHeaders: createHeaders({ id, destination, ack }),
      }),
    unsubscribe: (sessionId: string, id: string) =>
      send({ type: 'UNSUBSCRIBE', sessionId, subscriptionId: id, nativeHeaders: createHeaders({ id }) }),
    publish: (destination: string, body: string) =>
      send({ type: 'MESSAGE', destination, nativeHeaders: createHeaders({ destination }) }, body),
    ack: (sessionId: string, message: Message, type: 'ACK' | 'NACK' = 'ACK') =>
      send({ type, sessionId, nativeHeaders: createHeaders({ id: message.headers.nativeHeaders.ack }) }),
    disconnect: (sessionId: string) => send({ type: 'DISCONNECT', sessionId }),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

test('topic: a client-ack subscriber at maxUnacked gets no more until it acks, then what waited, in order', () => {
  const b = setup({ maxUnacked: 3 });
  b.subscribe('s', 'sub', '/topic/t');
  for (let i = 0; i < 10; i++) b.publish('/topic/t', String(i));
  assert.deepEqual(b.bodies(), range(0, 3), 'three outstanding, the rest wait');
  assert.equal(b.broker.stats.pending, 7);
  b.ack('s', b.deliveries()[1]!);
  assert.deepEqual(b.bodies(), range(0, 4), 'one acked: one more');
  assert.equal(b.broker.stats.dropped, 0, 'nothing lost');
  for (const m of b.deliveries()) if (m !== b.deliveries()[1]) b.ack('s', m);
  assert.deepEqual(b.bodies(), range(0, 7));
  for (const m of b.deliveries().slice(4)) b.ack('s', m);
  assert.deepEqual(b.bodies(), range(0, 10), 'every message, in order');
  assert.equal(b.broker.stats.pending, 0);
});

test("topic, ack 'client': a cumulative ACK opens the window by every message it covers", () => {
  const b = setup({ maxUnacked: 4 });
  b.subscribe('s', 'sub', '/topic/t', 'client');
  for (let i = 0; i < 12; i++) b.publish('/topic/t', String(i));
  assert.equal(b.deliveries().length, 4);
  b.ack('s', b.deliveries()[3]!);
  assert.deepEqual(b.bodies(), range(0, 8));
});

test('topic: auto-ack subscribers and other client-ack subscribers are not held back by a slow one', () => {
  const b = setup({ maxUnacked: 2 });
  b.subscribe('slow', 'sub', '/topic/t');
  b.subscribe('fast', 'sub', '/topic/t', 'auto');
  for (let i = 0; i < 5; i++) b.publish('/topic/t', String(i));
  assert.deepEqual(b.bodies('fast'), range(0, 5));
  assert.deepEqual(b.bodies('slow'), range(0, 2));
});

test("pendingOverflow 'terminate' (default): the session gets an ERROR naming the limits; the drops are counted", () => {
  const b = setup({ maxUnacked: 2, maxPending: 3 });
  b.subscribe('s', 'sub', '/topic/t');
  b.subscribe('other', 'sub', '/topic/t', 'auto');
  for (let i = 0; i < 5; i++) b.publish('/topic/t', String(i));
  assert.equal(b.errors().length, 0, 'two outstanding + three waiting: within the limits');
  b.publish('/topic/t', '5');
  const [error] = b.errors();
  assert.equal(error?.headers.sessionId, 's');
  assert.equal(error?.headers.nativeHeaders.code, 'ERR_LIMIT_PENDING');
  assert.match(error.headers.nativeHeaders.message!, /maxUnacked.*maxPending/);
  assert.equal(
    b.broker.stats.droppedByReason.pendingOverflow,
    4,
    'the three waiting and the one that overflowed',
  );
  b.publish('/topic/t', '6');
  assert.equal(b.errors().length, 1, 'one ERROR, however many more messages come');
  assert.equal(
    b.broker.stats.droppedByReason.subscriberGone,
    1,
    'nothing more is held for a session told to go',
  );
  assert.deepEqual(b.bodies('other'), range(0, 7), 'the other subscriber got everything');
  b.disconnect('s');
  b.subscribe('s2', 'sub', '/topic/t');
  b.publish('/topic/t', '7');
  assert.deepEqual(b.bodies('s2'), ['7']);
});

test("pendingOverflow 'drop-oldest': the oldest waiting message is dropped and counted; the newest arrive after the ACK", () => {
  const b = setup({ maxUnacked: 1, maxPending: 2, pendingOverflow: 'drop-oldest' });
  b.subscribe('s', 'sub', '/topic/t');
  for (let i = 0; i < 6; i++) b.publish('/topic/t', String(i));
  assert.equal(b.errors().length, 0);
  assert.equal(b.broker.stats.droppedByReason.pendingOverflow, 3);
  assert.equal(b.broker.stats.dropped, 3);
  b.ack('s', b.deliveries()[0]!);
  b.ack('s', b.deliveries()[1]!);
  assert.deepEqual(b.bodies(), ['0', '4', '5']);
});

test('queue: a consumer at maxUnacked is skipped; messages go to another consumer or stay queued', () => {
  const b = setup({ maxUnacked: 2 });
  b.subscribe('a', 'sub', '/queue/q');
  for (let i = 0; i < 4; i++) b.publish('/queue/q', String(i));
  assert.deepEqual(b.bodies('a'), ['0', '1']);
  assert.equal(b.broker.stats.queued, 2);
  b.subscribe('b', 'sub', '/queue/q', 'auto');
  assert.deepEqual(b.bodies('b'), ['2', '3'], 'the waiting messages went to the consumer with room');
  b.publish('/queue/q', '4');
  assert.deepEqual(b.bodies('b'), ['2', '3', '4']);
  assert.equal(b.broker.stats.dropped, 0);
});

test("queueOverflow 'reject': a publish to a full queue throws ERR_BROKER_QUEUE_FULL naming the queue and the limit", () => {
  const b = setup({ maxQueueDepth: 3, queueOverflow: 'reject' });
  for (let i = 0; i < 3; i++) b.publish('/queue/jobs', String(i));
  assert.throws(
    () => b.publish('/queue/jobs', '3'),
    (e: unknown) =>
      (e as { code?: string }).code === 'ERR_BROKER_QUEUE_FULL' &&
      /'\/queue\/jobs'/.test(String(e)) &&
      /maxQueueDepth 3/.test(String(e)),
  );
  assert.equal(b.broker.stats.droppedByReason.queueRejected, 1);
  assert.equal(b.broker.stats.published, 3, 'the rejected message was not taken');
  b.publish('/queue/other', 'x');
  b.subscribe('s', 'sub', '/queue/jobs', 'auto');
  assert.deepEqual(b.bodies('s'), ['0', '1', '2'], 'what the queue held is intact');
});

test("queueOverflow 'drop-oldest' (default): the oldest held messages are dropped, counted by reason", () => {
  const b = setup({ maxQueueDepth: 2 });
  for (let i = 0; i < 5; i++) b.publish('/queue/q', String(i));
  assert.deepEqual(b.broker.stats.droppedByReason, {
    pendingOverflow: 0,
    queueOverflow: 3,
    queueRejected: 0,
    redeliveryLimit: 0,
    subscriberGone: 0,
  });
  b.subscribe('s', 'sub', '/queue/q', 'auto');
  assert.deepEqual(b.bodies(), ['3', '4']);
});

test('every drop has a reason: redelivery limit, pending messages of a subscription that ends, user queues of a session that leaves', () => {
  const b = setup({ maxUnacked: 1, maxRedeliveries: 0 });
  b.subscribe('s', 'sub', '/topic/t');
  b.publish('/topic/t', 'a');
  b.publish('/topic/t', 'b');
  b.publish('/topic/t', 'c');
  b.ack('s', b.deliveries()[0]!, 'NACK');
  assert.equal(b.broker.stats.droppedByReason.redeliveryLimit, 1);
  assert.deepEqual(b.bodies(), ['a', 'b'], 'the NACK opened the window for the next');
  b.unsubscribe('s', 'sub');
  assert.equal(b.broker.stats.droppedByReason.subscriberGone, 1, "'c' was waiting");
  assert.equal(b.broker.stats.pending, 0);

  b.subscribe('u', 'sub', '/topic/other', 'auto');
  b.publish('/queue/inbox-useru', 'for u');
  b.disconnect('u');
  assert.equal(b.broker.stats.droppedByReason.subscriberGone, 2, "the user queue's held message");
  assert.equal(b.broker.stats.dropped, 3);
});
