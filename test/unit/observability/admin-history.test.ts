import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StompServerStats } from '../../../src/index.js';
import type { AdminSample } from '../../../src/observability/admin-history.js';
import { SampleHistory, droppedTotal, ratesBetween } from '../../../src/observability/admin-history.js';

const sample = (at: number): AdminSample => ({
  at,
  sessions: at,
  framesIn: 0,
  framesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  connects: 0,
  deliveries: 0,
  dropped: 0,
  slowConsumersClosed: 0,
});

test('SampleHistory keeps the newest `capacity` samples, oldest first, and answers what came after a time', () => {
  const empty = new SampleHistory(3);
  assert.deepEqual(empty.since(), []);
  assert.equal(empty.latest, undefined);
  const history = new SampleHistory(3);
  for (let at = 1; at <= 5; at++) history.push(sample(at));
  assert.deepEqual(
    history.since().map((s) => s.at),
    [3, 4, 5],
  );
  assert.deepEqual(
    history.since(3).map((s) => s.at),
    [4, 5],
  );
  assert.deepEqual(history.since(5), []);
  assert.equal(history.latest?.at, 5);
});

test('rates are per second and never negative (a counter reset reads as 0)', () => {
  const before = { ...sample(0), deliveries: 100, connects: 10 };
  const after = { ...sample(0), deliveries: 400, connects: 4 };
  const rates = ratesBetween(before, after, 2);
  assert.equal(rates.deliveries, 150);
  assert.equal(rates.connects, 0);
});

test('droppedTotal: every drop reason in one number, as stats().messagesDropped counts them', () => {
  const stats = (total: number): StompServerStats =>
    ({
      websocket: { dropped: 5, limitExceeded: 0, messagesSent: 0, bytesSent: 0 },
      broker: { kind: 'simple', dropped: 7 },
      messagesDropped: { total, byReason: {} },
    }) as unknown as StompServerStats;
  assert.equal(droppedTotal(stats(19)), 19);
  assert.equal(droppedTotal(stats(0)), 0);
});
