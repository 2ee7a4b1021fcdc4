import assert from 'node:assert/strict';
import { test } from 'node:test';
import { takeTokens } from '../../../src/security/token-bucket.js';

test('a full bucket gives its burst at once, then refuses, taking nothing', () => {
  let fullAt = 0;
  const now = 1_000_000;
  for (let i = 0; i < 20; i++) {
    fullAt = takeTokens(fullAt, 1, now, 10, 20);
    assert.ok(fullAt >= 0, `token ${i + 1} of the burst`);
  }
  assert.equal(takeTokens(fullAt, 1, now, 10, 20), -1);
  assert.equal(fullAt, now + 2000, 'a refusal leaves the bucket as it was');
});

test('the bucket refills at its rate, up to its burst only', () => {
  const now = 1_000_000;
  const empty = takeTokens(0, 20, now, 10, 20);
  assert.equal(takeTokens(empty, 1, now + 99, 10, 20), -1, 'not a whole token after 99 ms at 10/s');
  assert.ok(takeTokens(empty, 1, now + 100, 10, 20) >= 0, 'one token after 100 ms');
  assert.equal(takeTokens(empty, 6, now + 500, 10, 20), -1, 'five tokens after 500 ms, not six');
  assert.ok(takeTokens(empty, 20, now + 60_000, 10, 20) >= 0, 'full again after a long pause');
  assert.equal(takeTokens(empty, 21, now + 60_000, 10, 20), -1, 'never more than the burst');
  assert.equal(takeTokens(0, 21, now, 10, 20), -1, 'a take larger than the burst is refused');
});
