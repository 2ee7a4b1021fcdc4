import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogThrottle, clip } from '../../../src/index.js';
import { logIncident } from '../../../src/logging/log-incident.js';
import { RecordingLogger } from '../../helpers/recording-logger.js';
import { within } from '../../helpers/server.js';

test('clip: a long value is cut with its length said; control characters are escaped onto one line', () => {
  assert.equal(clip('https://example.com'), 'https://example.com');
  const long = clip(`https://${'a'.repeat(2000)}`);
  assert.ok(long.length < 130, `clipped to ${long.length}`);
  assert.match(long, /… \(2008 chars\)$/);
  assert.equal(clip('evil\r\nINFO forged line\u0000\u202e'), 'evil\\r\\nINFO forged line\\x00\\u202e');
  assert.doesNotMatch(clip('a\nb'.repeat(200)), /\n/);
  assert.ok(clip('\n'.repeat(90)).length <= 100 + 20, 'escaping cannot grow it past the bound');
});

test('an incident is written once per (cause, scope); its repeats make one summary line per interval', () => {
  const log = new RecordingLogger();
  const throttle = new LogThrottle(log, { interval: 60_000 });
  for (let i = 0; i < 500; i++) {
    throttle.incident('warn', 'pendingOverflow', 'session-1', 'Slow consumer', { sessionId: 'session-1' });
  }
  throttle.incident('warn', 'pendingOverflow', 'session-2', 'Slow consumer', { sessionId: 'session-2' });
  throttle.incident('info', 'originRefused', '10.0.0.1', 'Origin refused', { origin: 'x' });
  assert.equal(log.entries.length, 3, 'one line per (cause, scope)');
  assert.equal(log.entries[0]!.meta?.cause, 'pendingOverflow');
  throttle.flush();
  assert.equal(log.entries.length, 4, 'one summary: only session-1 repeated');
  assert.match(log.entries[3]!.message, /^Slow consumer \(repeated 499 times in the last \d+ s\)$/);
  assert.equal(log.entries[3]!.level, 'warn');
  assert.deepEqual(throttle.stats.byCause.pendingOverflow, 501);
  assert.equal(throttle.stats.byCause.originRefused, 1);
  assert.equal(throttle.stats.logLinesSuppressed, 499);

  // Still repeating: still summarised, no new first line. Idle for an interval: forgotten.
  throttle.incident('warn', 'pendingOverflow', 'session-1', 'Slow consumer');
  assert.equal(log.entries.length, 4);
  throttle.flush();
  assert.match(log.entries[4]!.message, /repeated 1 times/);
  throttle.flush();
  throttle.flush();
  throttle.incident('warn', 'pendingOverflow', 'session-1', 'Slow consumer');
  assert.equal(log.entries.length, 6, 'written again after a quiet interval');
  throttle.close();
});

test('past maxKeys, incidents from new scopes fold into one summary per cause (memory and lines stay bounded)', () => {
  const log = new RecordingLogger();
  const throttle = new LogThrottle(log, { maxKeys: 10 });
  for (let i = 0; i < 10_000; i++) {
    throttle.incident('info', 'originRefused', `10.0.${i >> 8}.${i & 255}`, 'Origin refused', {
      origin: `https://${'x'.repeat(2000)}.example`,
    });
  }
  assert.equal(log.entries.length, 10, 'first lines only for the tracked keys');
  throttle.close();
  assert.equal(log.entries.length, 11);
  assert.match(
    log.entries[10]!.message,
    /Origin refused \(9990 more times in the last \d+ s from sources past maxKeys 10\)/,
  );
  assert.equal(throttle.stats.byCause.originRefused, 10_000);
  const longest = Math.max(...log.entries.map((e) => JSON.stringify(e).length));
  assert.ok(longest < 400, `longest entry ${longest} characters`);
});

test('the summary timer runs by itself at the interval, and close() stops it', async () => {
  const log = new RecordingLogger();
  const throttle = new LogThrottle(log, { interval: 20 });
  const summarised = new Promise<void>((resolve) => {
    const warn = log.warn;
    log.warn = (message, meta) => {
      warn(message, meta);
      if (/repeated/.test(message)) resolve();
    };
  });
  throttle.incident('warn', 'rateLimited', 's', 'Rate limited');
  throttle.incident('warn', 'rateLimited', 's', 'Rate limited');
  // The throttle's timer is unref'd (it never keeps a process alive): the bounded wait does.
  await within(summarised, 5000, 'a summary line');
  throttle.close();
  const count = log.entries.length;
  throttle.incident('warn', 'rateLimited', 's', 'Rate limited');
  throttle.flush();
  assert.equal(log.entries.length, count + 1, 'a new first line; nothing left pending from before close');
  throttle.close();
});

test('lines written through the throttle, and incidents through a plain logger, have client strings clipped', () => {
  const log = new RecordingLogger();
  const throttle = new LogThrottle(log, { maxValueLength: 50 });
  throttle.warn('Delivery failed', {
    destination: `/topic/${'d'.repeat(1000)}`,
    error: new Error('e'.repeat(1000)),
  });
  const meta = log.entries[0]!.meta!;
  assert.match(String(meta.destination), /… \(1007 chars\)$/);
  assert.ok((meta.error as { message: string }).message.length < 130);

  const plain = new RecordingLogger();
  logIncident(plain, 'info', 'accessDenied', 's', 'Access denied', { user: 'ann\nWARN forged' });
  assert.equal(plain.entries[0]!.meta?.user, 'ann\\nWARN forged');
});

test('bad options are refused with a TypeError naming them', () => {
  assert.throws(() => new LogThrottle(new RecordingLogger(), { interval: 0 }), /logThrottle\.interval/);
  assert.throws(() => new LogThrottle(new RecordingLogger(), { maxKeys: -1 }), /logThrottle\.maxKeys/);
});
