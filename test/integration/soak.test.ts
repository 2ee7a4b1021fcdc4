import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/soak/engine.js';

// The short soak (`npm run soak` is the long one): healthy clients lose nothing, slow readers are
// cut off by the server's limits, droppers leave no sessions behind.
test('short soak: 200 clients for 5 s with slow readers and droppers: nothing lost, slow readers cut off, no sessions left', async () => {
  const report = await runSoak({
    connections: 200,
    durationMs: 5000,
    rate: 2,
    roomSize: 20,
    slowShare: 0.05,
    dropShare: 0.05,
    dropEveryMs: 1000,
    bulkRate: 100,
  });
  assert.ok(report.published > 1000, `published ${report.published}`);
  assert.equal(report.lost, 0);
  assert.equal(report.reordered, 0);
  assert.ok(report.drops >= 10, `drops ${report.drops}`);
  assert.ok(
    report.slowConsumersClosed >= 1,
    `slow consumers closed: ${report.slowConsumersClosed} of ${report.slowReaders}`,
  );
  assert.equal(report.sessionsLeft, 0);
  assert.ok(report.rssMiB.end - report.rssMiB.warm < 64, JSON.stringify(report.rssMiB));
});
