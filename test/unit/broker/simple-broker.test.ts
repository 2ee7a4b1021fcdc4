import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimpleBroker } from '../../../src/broker/simple-broker.js';
import type { SimpleBrokerOptions } from '../../../src/broker/simple-broker.js';
import { DirectChannel, createMessage } from '../../../src/index.js';
import type { Message } from '../../../src/index.js';
import { createHeaders } from '../../../src/stomp/frame.js';

/** A broker whose outbound channel is a real DirectChannel with a recording handler. */
function setup(options: Partial<SimpleBrokerOptions> = {}) {
  const outbound = new DirectChannel('out');
  const sent: Message[] = [];
  outbound.subscribe({ handleMessage: (m) => void sent.push(m) });
  const broker = new SimpleBroker({ outbound, ...options });
  broker.start();
  const deliveries = () => sent.filter((m) => m.headers.type === 'MESSAGE');
  const subscribe = (sessionId: string, id: string, destination: string, ack?: string) =>
    broker.handleMessage(
      createMessage({
        type: 'SUBSCRIBE',
        sessionId,
        subscriptionId: id,
        destination,
        nativeHeaders: createHeaders({ id, destination, ack }),
      }),
    );
  const publish = (destination: string, body = 'x', headers: Record<string, string> = {}) =>
    broker.handleMessage(
      createMessage(
        { type: 'MESSAGE', destination, nativeHeaders: createHeaders({ destination, ...headers }) },
        Buffer.from(body),
      ),
    );
  const ack = (sessionId: string, id: string, type: 'ACK' | 'NACK' = 'ACK') =>
    broker.handleMessage(createMessage({ type, sessionId, nativeHeaders: createHeaders({ id }) }));
  const disconnect = (sessionId: string) =>
    broker.handleMessage(createMessage({ type: 'DISCONNECT', sessionId }));
  const unsubscribe = (sessionId: string, id: string) =>
    broker.handleMessage(
      createMessage({
        type: 'UNSUBSCRIBE',
        sessionId,
        subscriptionId: id,
        nativeHeaders: createHeaders({ id }),
      }),
    );
  return { broker, sent, deliveries, subscribe, publish, ack, disconnect, unsubscribe };
}

const code = (expected: string) => (e: unknown) => (e as { code?: string }).code === expected;

test('subscribePublish: 2 sessions × 3 subscriptions, publish to two destinations → exactly six deliveries', () => {
  const b = setup();
  b.subscribe('sess1', 'sub1', '/topic/foo');
  b.subscribe('sess1', 'sub2', '/topic/foo');
  b.subscribe('sess1', 'sub3', '/topic/bar');
  b.subscribe('sess2', 'sub1', '/topic/foo');
  b.subscribe('sess2', 'sub2', '/topic/foo');
  b.subscribe('sess2', 'sub3', '/topic/bar');
  b.publish('/topic/foo');
  b.publish('/topic/bar');
  const got = b
    .deliveries()
    .map((m) => `${m.headers.sessionId}/${m.headers.subscriptionId}/${m.headers.destination}`);
  assert.deepEqual(got.sort(), [
    'sess1/sub1//topic/foo',
    'sess1/sub2//topic/foo',
    'sess1/sub3//topic/bar',
    'sess2/sub1//topic/foo',
    'sess2/sub2//topic/foo',
    'sess2/sub3//topic/bar',
  ]);
});

test('CONNECT is acknowledged with CONNECT_ACK carrying the user', () => {
  const b = setup();
  b.broker.handleMessage(createMessage({ type: 'CONNECT', sessionId: 's', user: { name: 'ann' } }));
  const ack = b.sent.find((m) => m.headers.type === 'CONNECT_ACK');
  assert.equal(ack?.headers.sessionId, 's');
  assert.equal(ack?.headers.user?.name, 'ann');
});

test('delivered headers: destination, subscription, unique message-id, content-type; protocol headers removed', () => {
  const b = setup();
  b.subscribe('s', 'a', '/topic/t');
  b.publish('/topic/t', 'x', {
    'content-type': 'text/plain',
    receipt: 'r',
    transaction: 't',
    'x-custom': 'c',
  });
  b.publish('/topic/t');
  const [first, second] = b.deliveries();
  const h = first!.headers.nativeHeaders;
  assert.equal(h.destination, '/topic/t');
  assert.equal(h.subscription, 'a');
  assert.equal(h['content-type'], 'text/plain');
  assert.equal(h['x-custom'], 'c');
  assert.equal(h.receipt, undefined);
  assert.equal(h.transaction, undefined);
  assert.equal(h.ack, undefined, 'no ack header in auto mode');
  assert.notEqual(h['message-id'], second!.headers.nativeHeaders['message-id']);
});

test('deliveries of one publish share one delivery cache, and identical headers share one object', () => {
  const b = setup();
  for (let i = 0; i < 3; i++) b.subscribe(`s${i}`, 'sub-0', '/topic/t');
  b.subscribe('s9', 'other', '/topic/t');
  b.publish('/topic/t');
  const [a, c, d, e] = b.deliveries();
  assert.equal(a!.headers.deliveryCache, e!.headers.deliveryCache);
  assert.equal(a!.headers.nativeHeaders, c!.headers.nativeHeaders);
  assert.equal(a!.headers.nativeHeaders, d!.headers.nativeHeaders);
  assert.notEqual(a!.headers.nativeHeaders, e!.headers.nativeHeaders);
});

test('pattern subscriptions with both separators', () => {
  const slash = setup();
  slash.subscribe('s', 'p', '/topic/price/**');
  slash.publish('/topic/price/stock/ACME');
  assert.equal(slash.deliveries().length, 1);
  const dot = setup({ pathSeparator: '.' });
  dot.subscribe('s', 'p', '/topic/price.stock.*');
  dot.publish('/topic/price.stock.ACME');
  dot.publish('/topic/price.bond.X');
  assert.deepEqual(
    dot.deliveries().map((m) => m.headers.destination),
    ['/topic/price.stock.ACME'],
  );
});

test('queue: round-robin, and messages held while nobody is subscribed', () => {
  const b = setup();
  b.publish('/queue/q', '0');
  b.publish('/queue/q', '1');
  assert.equal(b.deliveries().length, 0);
  assert.equal(b.broker.stats.queued, 2);
  b.subscribe('s1', 'a', '/queue/q');
  assert.deepEqual(
    b.deliveries().map((m) => m.payload.toString()),
    ['0', '1'],
  );
  b.subscribe('s2', 'a', '/queue/q');
  for (let i = 2; i < 6; i++) b.publish('/queue/q', String(i));
  const late = b
    .deliveries()
    .slice(2)
    .map((m) => m.headers.sessionId);
  assert.deepEqual(late.sort(), ['s1', 's1', 's2', 's2']);
});

test('queue depth is bounded: the oldest held message is dropped and counted', () => {
  const b = setup({ maxQueueDepth: 3 });
  for (let i = 0; i < 5; i++) b.publish('/queue/q', String(i));
  assert.equal(b.broker.stats.dropped, 2);
  b.subscribe('s', 'a', '/queue/q');
  assert.deepEqual(
    b.deliveries().map((m) => m.payload.toString()),
    ['2', '3', '4'],
  );
});

test("broadcast queue semantics deliver to every subscriber (Spring's behaviour)", () => {
  const b = setup({ queueSemantics: 'broadcast' });
  b.subscribe('s1', 'a', '/queue/q');
  b.subscribe('s2', 'a', '/queue/q');
  b.publish('/queue/q');
  assert.equal(b.deliveries().length, 2);
});

test('client ack is cumulative; client-individual acks one', () => {
  const b = setup();
  b.subscribe('s', 'c', '/topic/cum', 'client');
  b.subscribe('s', 'i', '/topic/ind', 'client-individual');
  for (let i = 0; i < 3; i++) {
    b.publish('/topic/cum', String(i));
    b.publish('/topic/ind', String(i));
  }
  const cum = b.deliveries().filter((m) => m.headers.subscriptionId === 'c');
  const ind = b.deliveries().filter((m) => m.headers.subscriptionId === 'i');
  b.ack('s', cum[1]!.headers.nativeHeaders.ack!);
  assert.throws(
    () => b.ack('s', cum[0]!.headers.nativeHeaders.ack!),
    code('ERR_STOMP_UNKNOWN_ACK'),
    'already covered',
  );
  b.ack('s', cum[2]!.headers.nativeHeaders.ack!);
  b.ack('s', ind[1]!.headers.nativeHeaders.ack!);
  b.ack('s', ind[0]!.headers.nativeHeaders.ack!);
  b.ack('s', ind[2]!.headers.nativeHeaders.ack!);
});

test('NACK redelivers (topic: same subscription, queue: next subscriber) and gives up after maxRedeliveries', () => {
  const b = setup({ maxRedeliveries: 1 });
  b.subscribe('s', 't', '/topic/t', 'client-individual');
  b.publish('/topic/t', 'job');
  b.ack('s', b.deliveries()[0]!.headers.nativeHeaders.ack!, 'NACK');
  const again = b.deliveries()[1]!;
  assert.equal(again.payload.toString(), 'job');
  assert.equal(again.headers.nativeHeaders.redelivered, 'true');
  b.ack('s', again.headers.nativeHeaders.ack!, 'NACK');
  assert.equal(b.deliveries().length, 2, 'dropped after one redelivery');
  assert.equal(b.broker.stats.dropped, 1);

  const q = setup();
  q.subscribe('s1', 'a', '/queue/q', 'client-individual');
  q.subscribe('s2', 'a', '/queue/q', 'client-individual');
  q.publish('/queue/q', 'work');
  const first = q.deliveries()[0]!;
  q.ack(first.headers.sessionId!, first.headers.nativeHeaders.ack!, 'NACK');
  const second = q.deliveries()[1]!;
  assert.notEqual(second.headers.sessionId, first.headers.sessionId, 'redelivered to the other subscriber');
});

test('unacked queue messages go back to the queue when their subscriber leaves (unsubscribe or disconnect)', () => {
  const b = setup();
  b.subscribe('s1', 'a', '/queue/q', 'client');
  b.publish('/queue/q', '1');
  b.publish('/queue/q', '2');
  b.unsubscribe('s1', 'a');
  b.subscribe('s2', 'a', '/queue/q', 'client');
  assert.deepEqual(
    b
      .deliveries()
      .slice(2)
      .map((m) => m.payload.toString()),
    ['1', '2'],
  );
  b.disconnect('s2');
  b.disconnect('s2');
  b.subscribe('s3', 'a', '/queue/q');
  assert.deepEqual(
    b
      .deliveries()
      .slice(4)
      .map((m) => m.payload.toString()),
    ['1', '2'],
  );
});

test('maxUnacked: a queue subscriber at its limit gets nothing more until it acks', () => {
  const b = setup({ maxUnacked: 2 });
  b.subscribe('s', 'a', '/queue/q', 'client-individual');
  for (let i = 0; i < 4; i++) b.publish('/queue/q', String(i));
  assert.equal(b.deliveries().length, 2);
  b.ack('s', b.deliveries()[0]!.headers.nativeHeaders.ack!);
  assert.equal(b.deliveries().length, 3);
});

test('bad input is a StompProtocolError with a code', () => {
  const b = setup({ maxSubscriptionsPerSession: 2 });
  b.subscribe('s', 'a', '/topic/a');
  assert.throws(() => b.subscribe('s', 'a', '/topic/b'), code('ERR_STOMP_DUPLICATE_SUBSCRIPTION'));
  assert.throws(() => b.subscribe('s', 'b', '/topic/b', 'sometimes'), code('ERR_STOMP_INVALID_HEADER'));
  b.subscribe('s', 'b', '/topic/b');
  assert.throws(
    () => b.subscribe('s', 'c', '/topic/c'),
    (e: unknown) => /maxSubscriptionsPerSession is 2/.test(String(e)),
  );
  assert.throws(() => b.unsubscribe('s', 'zzz'), code('ERR_STOMP_UNKNOWN_SUBSCRIPTION'));
  assert.throws(() => b.ack('s', 'nope'), code('ERR_STOMP_UNKNOWN_ACK'));
});

test('an ack id of another session is unknown to this one', () => {
  const b = setup();
  b.subscribe('s1', 'a', '/topic/t', 'client');
  b.publish('/topic/t');
  assert.throws(
    () => b.ack('s2', b.deliveries()[0]!.headers.nativeHeaders.ack!),
    code('ERR_STOMP_UNKNOWN_ACK'),
  );
});

test('availability listeners fire on start and stop', () => {
  const outbound = new DirectChannel('out');
  const broker = new SimpleBroker({ outbound });
  const seen: boolean[] = [];
  broker.onAvailabilityChange((a) => seen.push(a));
  broker.start();
  broker.stop();
  assert.deepEqual(seen, [true, false]);
});
