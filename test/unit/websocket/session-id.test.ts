import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSessionId } from '../../../src/websocket/session-id.js';

test('session ids are random UUIDs (version 4, RFC 9562 variant), unique', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = newSessionId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 10_000);
  // Every hex digit position outside the fixed bits varies (no stuck byte in the pool).
  const sample = [...ids].slice(0, 200);
  for (const position of [0, 9, 15, 20, 35]) {
    assert.ok(new Set(sample.map((id) => id[position])).size > 4, `position ${position} varies`);
  }
});
