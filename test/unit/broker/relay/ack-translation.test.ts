import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from '../../../../src/index.js';
import { AckTranslator, needsAckTranslation } from '../../../../src/broker/relay/ack-translation.js';
import type { StompHeaders } from '../../../../src/stomp/frame.js';
import { createHeaders } from '../../../../src/stomp/frame.js';

/** A broker MESSAGE's headers (ActiveMQ style: the ack id differs from the message-id). */
function message(subscription: string, messageId: string, ack = `ack-${messageId}`): StompHeaders {
  return createHeaders({ destination: '/queue/q', subscription, 'message-id': messageId, ack });
}

function ack(messageId: string, subscription?: string, extra: Record<string, string> = {}): StompHeaders {
  return createHeaders({ 'message-id': messageId, subscription, ...extra });
}

test('only STOMP 1.0 and 1.1 clients need translation', () => {
  assert.equal(needsAckTranslation('1.0'), true);
  assert.equal(needsAckTranslation('1.1'), true);
  assert.equal(needsAckTranslation('1.2'), false);
});

test('a 1.1 ACK (message-id + subscription) becomes the broker ack id; other headers are kept', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s1', 'client-individual');
  const delivered = message('s1', 'm1', 'broker-ack-1');
  acks.delivered(delivered);
  assert.equal(delivered.ack, undefined, 'the 1.2-only ack header is not shown to a 1.1 client');
  assert.equal(delivered['message-id'], 'm1');
  const out = acks.toBroker('ACK', ack('m1', 's1', { receipt: 'r1' }));
  assert.deepEqual({ ...out }, { id: 'broker-ack-1', receipt: 'r1' });
  assert.equal(acks.pending, 0, 'settled: forgotten');
});

test('a 1.0 ACK (message-id only) is found on any of the session subscriptions', () => {
  const acks = new AckTranslator('1.0');
  acks.subscribed('a', 'client-individual');
  acks.subscribed('b', 'client');
  acks.delivered(message('a', 'm1'));
  acks.delivered(message('b', 'm2'));
  assert.equal(acks.toBroker('ACK', ack('m2')).id, 'ack-m2');
  assert.equal(acks.toBroker('ACK', ack('m1')).id, 'ack-m1');
  assert.equal(acks.pending, 0);
});

test('the same message-id on two subscriptions is told apart by subscription (1.1)', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('a', 'client-individual');
  acks.subscribed('b', 'client-individual');
  acks.delivered(message('a', 'm1', 'on-a'));
  acks.delivered(message('b', 'm1', 'on-b'));
  assert.equal(acks.toBroker('ACK', ack('m1', 'b')).id, 'on-b');
  assert.equal(acks.toBroker('ACK', ack('m1', 'a')).id, 'on-a');
});

test('client mode is cumulative: an ACK settles every earlier delivery of that subscription only', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', 'client');
  acks.subscribed('other', 'client');
  for (const id of ['m1', 'm2', 'm3', 'm4']) acks.delivered(message('s', id));
  acks.delivered(message('other', 'o1'));
  assert.equal(acks.toBroker('ACK', ack('m3', 's')).id, 'ack-m3');
  assert.equal(acks.pending, 2, 'm4 and o1 remain');
  assert.throws(() => acks.toBroker('ACK', ack('m1', 's')), { code: ErrorCodes.ERR_STOMP_UNKNOWN_ACK });
  assert.equal(acks.toBroker('ACK', ack('m4', 's')).id, 'ack-m4');
  assert.equal(acks.toBroker('ACK', ack('o1', 'other')).id, 'ack-o1');
});

test('client-individual settles only the one delivery', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', 'client-individual');
  for (const id of ['m1', 'm2', 'm3']) acks.delivered(message('s', id));
  acks.toBroker('NACK', ack('m2', 's'));
  assert.equal(acks.toBroker('ACK', ack('m1', 's')).id, 'ack-m1');
  assert.equal(acks.toBroker('ACK', ack('m3', 's')).id, 'ack-m3');
  assert.equal(acks.pending, 0);
});

test('a redelivery (same message-id, new ack id) is acknowledged with the new ack id', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', 'client-individual');
  acks.delivered(message('s', 'm1', 'first'));
  assert.equal(acks.toBroker('NACK', ack('m1', 's')).id, 'first');
  acks.delivered(message('s', 'm1', 'second'));
  assert.equal(acks.toBroker('ACK', ack('m1', 's')).id, 'second');
});

test('auto subscriptions remember nothing but lose the ack header', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', undefined);
  const headers = message('s', 'm1');
  acks.delivered(headers);
  assert.equal(headers.ack, undefined);
  assert.equal(acks.pending, 0);
  assert.throws(() => acks.toBroker('ACK', ack('m1', 's')), { code: ErrorCodes.ERR_STOMP_UNKNOWN_ACK });
});

test('unsubscribing forgets that subscription; resubscribing the id in auto mode stops remembering', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', 'client');
  acks.delivered(message('s', 'm1'));
  acks.unsubscribed('s');
  assert.equal(acks.pending, 0);
  acks.subscribed('s', 'client');
  acks.delivered(message('s', 'm2'));
  acks.subscribed('s', 'auto');
  assert.equal(acks.pending, 0);
});

test('a 1.1 NACK is translated like an ACK', () => {
  const v11 = new AckTranslator('1.1');
  v11.subscribed('s', 'client');
  v11.delivered(message('s', 'm1'));
  assert.equal(v11.toBroker('NACK', ack('m1', 's')).id, 'ack-m1');
});

test('an ACK that already carries 1.2 `id` (and no message-id) passes through unchanged', () => {
  const acks = new AckTranslator('1.1');
  const headers = createHeaders({ id: 'x', transaction: 't' });
  assert.equal(acks.toBroker('ACK', headers), headers);
});

test('an unknown message-id is an ERR_STOMP_UNKNOWN_ACK naming it, cut short', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', 'client');
  assert.throws(
    () => acks.toBroker('ACK', ack('x'.repeat(500), 's')),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, ErrorCodes.ERR_STOMP_UNKNOWN_ACK);
      assert.match(error.message, /^ACK of unknown message 'x{100}'/);
      return true;
    },
  );
});

test('transactional acks are forgotten at COMMIT, and can be settled again after ABORT', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', 'client-individual');
  acks.delivered(message('s', 'm1'));
  acks.delivered(message('s', 'm2'));
  const out = acks.toBroker('ACK', ack('m1', 's', { transaction: 'tx1' }));
  assert.deepEqual({ ...out }, { id: 'ack-m1', transaction: 'tx1' });
  acks.toBroker('ACK', ack('m2', 's', { transaction: 'tx2' }));
  acks.aborted('tx2');
  acks.committed('tx1');
  assert.equal(acks.pending, 1, 'm1 settled by the commit; m2 still open after the abort');
  assert.throws(() => acks.toBroker('ACK', ack('m1', 's')), { code: ErrorCodes.ERR_STOMP_UNKNOWN_ACK });
  assert.equal(acks.toBroker('ACK', ack('m2', 's')).id, 'ack-m2');
  assert.equal(acks.pending, 0);
});

test('a cumulative ACK in a transaction covers the earlier deliveries at COMMIT', () => {
  const acks = new AckTranslator('1.1');
  acks.subscribed('s', 'client');
  for (const id of ['m1', 'm2', 'm3']) acks.delivered(message('s', id));
  acks.toBroker('ACK', ack('m2', 's', { transaction: 't' }));
  assert.equal(acks.pending, 3);
  acks.committed('t');
  assert.equal(acks.pending, 1);
});

test('maxPending bounds what is remembered: the oldest is forgotten and counted', () => {
  const acks = new AckTranslator('1.1', { maxPending: 3 });
  acks.subscribed('a', 'client-individual');
  acks.subscribed('b', 'client-individual');
  acks.delivered(message('a', 'a1'));
  acks.delivered(message('a', 'a2'));
  acks.delivered(message('a', 'a3'));
  acks.delivered(message('b', 'b1'));
  assert.equal(acks.pending, 3);
  assert.equal(acks.forgotten, 1);
  assert.throws(() => acks.toBroker('ACK', ack('a1', 'a')), {
    code: ErrorCodes.ERR_STOMP_UNKNOWN_ACK,
    message: /more than 3 unacknowledged/,
  });
  acks.delivered(message('a', 'a4'));
  assert.equal(acks.forgotten, 2, 'the receiving subscription gives up its own oldest first');
  assert.throws(() => acks.toBroker('ACK', ack('a2', 'a')), { code: ErrorCodes.ERR_STOMP_UNKNOWN_ACK });
  assert.equal(acks.toBroker('ACK', ack('b1', 'b')).id, 'ack-b1');
  assert.equal(acks.pending, 2);
});

test('a MESSAGE without an ack header is left untouched', () => {
  const acks = new AckTranslator('1.0');
  acks.subscribed('s', 'client');
  const headers = createHeaders({ destination: '/topic/t', subscription: 's', 'message-id': 'm' });
  acks.delivered(headers);
  assert.deepEqual({ ...headers }, { destination: '/topic/t', subscription: 's', 'message-id': 'm' });
  assert.equal(acks.pending, 0);
});
