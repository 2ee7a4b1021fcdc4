import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SubscriptionRegistry } from '../../../src/broker/subscription-registry.js';
import { compilePattern } from '../../../src/messaging/destinations.js';

test('find returns exact and pattern subscriptions', () => {
  const registry = new SubscriptionRegistry();
  registry.add('s1', 'a', '/topic/x', 'auto');
  registry.add('s2', 'b', '/topic/*', 'auto');
  registry.add('s3', 'c', '/topic/y', 'auto');
  assert.deepEqual(
    registry.find('/topic/x').map((s) => s.sessionId),
    ['s1', 's2'],
  );
  assert.deepEqual(
    registry.find('/topic/z').map((s) => s.sessionId),
    ['s2'],
  );
  assert.equal(registry.find('/queue/x').length, 0);
});

test('the destination cache stays equal to a full scan through random subscribe/unsubscribe/find', () => {
  let seed = 1234;
  const rand = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
  const destinations = ['/topic/a', '/topic/b', '/topic/a/b', '/queue/q', '/topic/c.d'];
  const patterns = ['/topic/*', '/topic/**', '/topic/a/*', '/**', '/topic/{x}', '/queue/*'];
  const registry = new SubscriptionRegistry({ cacheLimit: 3 });
  const live: { sessionId: string; id: string; destination: string }[] = [];
  for (let step = 0; step < 3000; step++) {
    const action = rand(3);
    if (action === 0 || live.length === 0) {
      const destination =
        rand(2) === 0 ? destinations[rand(destinations.length)]! : patterns[rand(patterns.length)]!;
      const entry = { sessionId: `s${rand(5)}`, id: `id${step}`, destination };
      registry.add(entry.sessionId, entry.id, destination, 'auto');
      live.push(entry);
    } else if (action === 1) {
      const [entry] = live.splice(rand(live.length), 1);
      registry.remove(registry.get(entry!.sessionId, entry!.id)!);
    } else {
      const destination = destinations[rand(destinations.length)]!;
      const expected = live
        .filter((e) => compilePattern(e.destination).match(destination) !== null)
        .map((e) => e.id)
        .sort();
      const actual = registry
        .find(destination)
        .map((s) => s.id)
        .sort();
      assert.deepEqual(actual, expected, `step ${step}: ${destination}`);
    }
  }
  assert.equal(registry.size, live.length);
});

test('removeSession removes all of a session and nothing else', () => {
  const registry = new SubscriptionRegistry();
  registry.add('s1', 'a', '/topic/x', 'auto');
  registry.add('s1', 'b', '/topic/*', 'auto');
  registry.add('s2', 'c', '/topic/x', 'auto');
  assert.equal(registry.removeSession('s1').length, 2);
  assert.deepEqual(
    registry.find('/topic/x').map((s) => s.id),
    ['c'],
  );
  assert.equal(registry.removeSession('s1').length, 0);
});
