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
  // Names who is left: a client the harness still holds (its leak) or one it closed (the server's).
  assert.equal(
    report.sessionsLeft,
    0,
    `sessions left: ${report.left.join('; ')}; harness sockets still open: ${report.clientSocketsLeft}`,
  );
  assert.equal(report.stompSessionsLeft, 0, `left: ${report.left.join('; ')}`);
  assert.equal(report.clientSocketsLeft, 0);
  assert.ok(report.rssMiB.end - report.rssMiB.warm < 64, JSON.stringify(report.rssMiB));
});

// A dropper whose reconnect outlasts its drop interval (a loaded machine) once had two connects in
// flight and kept the socket of one: a session left that no client would ever close.
test('soak droppers reconnecting faster than a connect completes leave no socket and no session', async () => {
  const report = await runSoak({
    connections: 20,
    durationMs: 1500,
    rate: 1,
    roomSize: 10,
    slowShare: 0,
    dropShare: 0.5,
    dropEveryMs: 1,
    bulkRate: 1,
  });
  assert.ok(report.drops >= 10, `drops ${report.drops}`);
  assert.equal(report.lost, 0);
  assert.equal(report.clientSocketsLeft, 0);
  assert.equal(report.sessionsLeft, 0, `sessions left: ${report.left.join('; ')}`);
  assert.equal(report.stompSessionsLeft, 0, `left: ${report.left.join('; ')}`);
});
