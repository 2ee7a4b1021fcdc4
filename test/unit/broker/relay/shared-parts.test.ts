import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { AckMap } from '../../../../src/broker/relay/ack-map.js';
import { OutageBuffer } from '../../../../src/broker/relay/outage-buffer.js';
import { PendingFrames } from '../../../../src/broker/relay/pending-frames.js';
import type { PendingFrame } from '../../../../src/broker/relay/pending-frames.js';
import { isShareable } from '../../../../src/broker/relay/shareability.js';
import type { BrokerSubscription } from '../../../../src/broker/relay/shared-subscriptions.js';
import { SharedSubscriptions } from '../../../../src/broker/relay/shared-subscriptions.js';
import { createFrame, createHeaders } from '../../../../src/stomp/frame.js';

const TOPICS = ['/topic/'];

test('shareable: topic, ack auto, only harmless headers; anything that may change what the broker delivers is not', () => {
  assert.equal(isShareable('/topic/a', createHeaders({ id: '1', destination: '/topic/a' }), TOPICS), true);
  assert.equal(isShareable('/topic/a', createHeaders({ id: '1', ack: 'auto', receipt: 'r' }), TOPICS), true);
  assert.equal(isShareable('/queue/a', createHeaders({ id: '1' }), TOPICS), false, 'queues compete');
  for (const ack of ['client', 'client-individual'])
    assert.equal(isShareable('/topic/a', createHeaders({ id: '1', ack }), TOPICS), false, ack);
  for (const header of [
    'durable',
    'persistent',
    'auto-delete',
    'exclusive',
    'selector',
    'prefetch-count',
    'x-queue-name',
    'activemq.retroactive',
    'never-heard-of',
  ])
    assert.equal(isShareable('/topic/a', createHeaders({ id: '1', [header]: 'x' }), TOPICS), false, header);
  assert.equal(isShareable('/exchange/x/k', createHeaders({ id: '1' }), ['/topic/', '/exchange/']), true);
});

function local(sessionId: string, id = 'sub') {
  return { sessionId, id, ack: 'auto' as const };
}

test('shared subscriptions: one per destination, reference counted, released after the linger unless someone comes back', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const ended: BrokerSubscription[] = [];
  const registry = new SharedSubscriptions(1000, (s) => ended.push(s));
  const first = registry.share('/topic/a', 0, local('s1'));
  const second = registry.share('/topic/a', 0, local('s2'));
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.equal(second.subscription, first.subscription);
  assert.equal(registry.size, 1);
  assert.equal(registry.localCount, 2);
  assert.equal(registry.get(first.subscription.id), first.subscription);
  assert.equal(registry.release('s1', 'sub')?.release, 'kept');
  assert.equal(registry.release('s2', 'sub')?.release, 'linger');
  mock.timers.tick(999);
  assert.equal(registry.share('/topic/a', 0, local('s3')).created, false, 'came back within the linger');
  assert.equal(registry.release('s3', 'sub')?.release, 'linger');
  mock.timers.tick(999);
  assert.deepEqual(ended, []);
  mock.timers.tick(1);
  assert.deepEqual(ended, [first.subscription]);
  assert.equal(registry.size, 0);
  assert.equal(registry.share('/topic/a', 0, local('s4')).created, true, 'a new one after the linger');
  assert.equal(registry.release('nobody', 'sub'), undefined);
});

test('own subscriptions are never shared and go at once', () => {
  const registry = new SharedSubscriptions(1000, () => assert.fail('no linger for own subscriptions'));
  const a = registry.own('/queue/q', createHeaders({ ack: 'client' }), 1, local('s1'));
  const b = registry.own('/queue/q', createHeaders({ ack: 'client' }), 1, local('s2'));
  assert.notEqual(a.id, b.id);
  assert.equal(a.shared, false);
  assert.equal(registry.ofLocal('s2', 'sub'), b);
  assert.equal(registry.release('s1', 'sub')?.release, 'unsubscribe');
  assert.equal(registry.size, 1);
});

test('ack map: an ACK in a transaction claims its entries until COMMIT; after ABORT they can be settled again', () => {
  const acks = new AckMap(10, () => {});
  const entry = (n: number) => ({
    brokerAck: `b${n}`,
    brokerMessageId: `m${n}`,
    subscription: 'o-a',
    clientSubscription: 'a',
    cumulative: true,
    epoch: 1,
  });
  for (let n = 1; n <= 3; n++) acks.add(`r${n}`, entry(n));
  assert.deepEqual(
    acks.settle('r2', 'tx1')?.map((e) => e.brokerAck),
    ['b1', 'b2'],
  );
  assert.equal(acks.size, 3, 'claimed, not forgotten');
  assert.equal(acks.settle('r2'), undefined, 'claimed by an open transaction');
  acks.abort('tx1');
  assert.deepEqual(
    acks.settle('r2', 'tx2')?.map((e) => e.brokerAck),
    ['b1', 'b2'],
    'after ABORT the same messages can be acknowledged again',
  );
  acks.commit('tx2');
  assert.equal(acks.size, 1, 'COMMIT settles them');
  assert.equal(acks.settle('r1'), undefined);
  assert.deepEqual(
    acks.settle('r3')?.map((e) => e.brokerAck),
    ['b3'],
  );
});

test('ack map: one id for 1.2 and 1.1 acks, client mode cumulative per subscription, bounded', () => {
  let overflow = 0;
  const acks = new AckMap(3, () => overflow++);
  const entry = (sub: string, cumulative: boolean, n: number) => ({
    brokerAck: `b${n}`,
    brokerMessageId: `m${n}`,
    subscription: `o-${sub}`,
    clientSubscription: sub,
    cumulative,
    epoch: 1,
  });
  acks.add('r1', entry('a', true, 1));
  acks.add('r2', entry('b', false, 2));
  acks.add('r3', entry('a', true, 3));
  assert.deepEqual(
    acks.settle('r3')?.map((e) => e.brokerAck),
    ['b1', 'b3'],
    'a cumulative ACK settles the earlier deliveries of its subscription, each sent on its own',
  );
  assert.equal(acks.size, 1, 'r1 went with the cumulative ACK of r3; r2 (another subscription) stays');
  assert.equal(acks.settle('r1'), undefined);
  assert.equal(acks.settle('r2')?.[0]?.brokerMessageId, 'm2');
  for (let i = 0; i < 4; i++) acks.add(`x${i}`, entry('c', false, i));
  assert.equal(overflow, 1);
  assert.equal(acks.settle('x0'), undefined, 'the oldest was forgotten');
  assert.deepEqual(
    acks.takeSubscription('c').map((e) => e.brokerAck),
    ['b1', 'b2', 'b3'],
  );
  assert.equal(acks.size, 0);
});

test('outage buffer: bounded by count and bytes, expires by age, gives each connection its frames back in order', (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  const expired: string[] = [];
  const buffer = new OutageBuffer<string>({ maxMessages: 3, maxBytes: 100, maxAge: 1000 }, (e) =>
    expired.push(...e.map((x) => x.item)),
  );
  assert.equal(buffer.push(0, 's1', 'a', 10), undefined);
  assert.equal(buffer.push(1, 's2', 'b', 10), undefined);
  assert.equal(buffer.push(0, 's1', 'c', 90), 'maxBytes');
  assert.equal(buffer.push(0, 's1', 'c', 10), undefined);
  assert.equal(buffer.push(0, 's1', 'd', 1), 'maxMessages');
  assert.equal(buffer.size, 3);
  assert.equal(buffer.bytes, 30);
  mock.timers.tick(400);
  assert.equal(buffer.oldestAge(), 400);
  assert.deepEqual(
    buffer.take(0).map((e) => e.item),
    ['a', 'c'],
  );
  buffer.requeue(0, 's1', [{ item: 'resend', bytes: 5 }]);
  assert.equal(buffer.dropSession('s2'), 1);
  mock.timers.tick(1001);
  assert.deepEqual(expired, ['resend'], 'expired after maxAge, measured from when it was buffered');
  assert.equal(buffer.size, 0);
  assert.equal(buffer.bytes, 0);
  assert.equal(buffer.oldestAge(), 0);
});

function pending(receipt: string, command: PendingFrame['command'], destination?: string): PendingFrame {
  return {
    receipt,
    command,
    sessionId: `session-${receipt}`,
    clientReceipt: undefined,
    subscription: undefined,
    destination,
    frame: undefined,
    bytes: 0,
  };
}

test('pending frames: the ERROR names its frame by receipt-id, by the destination it quotes, else the oldest non-SEND', () => {
  const frames = new PendingFrames();
  frames.add(pending('r1', 'SEND', '/topic/fine'));
  frames.add(pending('r2', 'SUBSCRIBE', '/topic/ok'));
  frames.add(pending('r3', 'SUBSCRIBE', '/exchange/missing.x/key'));
  frames.add(pending('r4', 'SEND', '/queue/q'));
  const rabbit = createFrame(
    'ERROR',
    { message: 'not_found' },
    "NOT_FOUND - no exchange 'missing.x' in vhost '/'",
  );
  assert.equal(frames.culprit(rabbit)?.receipt, 'r3');
  assert.equal(frames.culprit(createFrame('ERROR', { 'receipt-id': 'r4' }))?.receipt, 'r4');
  assert.equal(frames.culprit(createFrame('ERROR', { message: 'something' }))?.receipt, 'r2');
  assert.equal(frames.resolve('r1')?.command, 'SEND');
  assert.equal(frames.resolve('r1'), undefined);
  assert.equal(frames.size, 0);
  assert.equal(frames.culprit(createFrame('ERROR', { message: 'x' })), undefined);
});
