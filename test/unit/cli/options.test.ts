import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliOptions } from '../../../src/cli/options.js';

test('defaults', () => {
  const o = parseCliOptions([], {});
  assert.ok(o !== 'help');
  assert.equal(o.port, 8080);
  assert.equal(o.path, '/stomp');
  assert.deepEqual(o.heartbeat, [10000, 10000]);
  assert.equal(o.allowedOrigins, undefined);
});

test('flags win over environment variables', () => {
  const o = parseCliOptions(['--port', '9000', '--allowed-origins', 'https://a.example, https://b.example'], {
    SWITCHBOARD_PORT: '7000',
    SWITCHBOARD_HEARTBEAT: '5000,0',
    SWITCHBOARD_MAX_FRAME_SIZE: '1024',
  });
  assert.ok(o !== 'help');
  assert.equal(o.port, 9000);
  assert.deepEqual(o.allowedOrigins, ['https://a.example', 'https://b.example']);
  assert.deepEqual(o.heartbeat, [5000, 0]);
  assert.equal(o.maxFrameSize, 1024);
});

test('bad values are named', () => {
  assert.throws(() => parseCliOptions(['--port', 'x'], {}), /--port/);
  assert.throws(() => parseCliOptions(['--heartbeat', '10'], {}), /--heartbeat/);
  assert.throws(() => parseCliOptions(['--overflow', 'explode'], {}), /--overflow/);
  assert.throws(() => parseCliOptions(['--nope'], {}), /nope/);
});
