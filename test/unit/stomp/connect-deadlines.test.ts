import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectDeadlines } from '../../../src/stomp/connect-deadlines.js';
import { within } from '../../helpers/server.js';

interface Waiting {
  name: string;
  deadlineSlot: number;
}
const waiting = (name: string): Waiting => ({ name, deadlineSlot: -1 });

/** Deadlines of `ms` whose expiries are recorded; `next()` resolves at the next one. */
function deadlines(ms: number) {
  const expired: string[] = [];
  let notify: (() => void) | undefined;
  const queue = new ConnectDeadlines<Waiting>(ms, (w) => {
    expired.push(w.name);
    notify?.();
  });
  const next = (count: number): Promise<void> =>
    within(
      new Promise<void>((resolve) => {
        notify = () => expired.length >= count && resolve();
        notify();
      }),
      2000,
      `${count} expiries`,
    );
  return { queue, expired, next };
}

test('sessions that do not connect in time expire in arrival order; those that did are left alone', async () => {
  const { queue, expired, next } = deadlines(20);
  const [a, b, c] = [waiting('a'), waiting('b'), waiting('c')];
  queue.add(a);
  queue.add(b);
  queue.add(c);
  assert.equal(queue.size, 3);
  queue.remove(b);
  assert.equal(b.deadlineSlot, -1);
  await next(2);
  assert.deepEqual(expired, ['a', 'c']);
  assert.equal(a.deadlineSlot, -1);
  assert.equal(queue.size, 0);
});

test('one timer serves sessions arriving later: each expires at its own deadline', async () => {
  const { queue, expired, next } = deadlines(30);
  queue.add(waiting('early'));
  // Not a wait for a result: it gives the second session a deadline 15 ms after the first's.
  await new Promise((resolve) => setTimeout(resolve, 15));
  const late = waiting('late');
  queue.add(late);
  await next(1);
  assert.deepEqual(expired, ['early']);
  assert.notEqual(late.deadlineSlot, -1, 'the later session is still waiting');
  await next(2);
  assert.deepEqual(expired, ['early', 'late']);
});

test('thousands of sessions that connect in time leave nothing waiting, and slots stay valid as the queue compacts', async () => {
  const { queue, expired, next } = deadlines(30);
  for (let i = 0; i < 3000; i++) {
    const w = waiting(`s${i}`);
    queue.add(w);
    queue.remove(w);
  }
  assert.equal(queue.size, 0);
  const [a, b, c] = [waiting('a'), waiting('b'), waiting('c')];
  queue.add(a);
  for (let i = 0; i < 3000; i++) queue.add(waiting(`filler${i}`));
  queue.add(b);
  queue.add(c);
  queue.remove(b);
  await next(3002);
  assert.equal(expired[0], 'a');
  assert.equal(expired.at(-1), 'c');
  assert.ok(!expired.includes('b'));
  assert.equal(queue.size, 0);
});

test('clear() forgets every session; a session added afterwards still expires', async () => {
  const { queue, expired, next } = deadlines(10);
  const w = waiting('x');
  queue.add(w);
  queue.clear();
  assert.equal(w.deadlineSlot, -1);
  assert.equal(queue.size, 0);
  queue.add(waiting('y'));
  await next(1);
  assert.deepEqual(expired, ['y']);
});
