import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { createStompServer, pinoLogger, redact } from '../../../src/index.js';
import { connectTestClient } from '../../../src/testing/index.js';

function pinoLines(): { logger: ReturnType<typeof pino>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

test('pinoLogger: entries keep their level and message, meta becomes fields, secret-looking keys are masked', () => {
  const { logger, lines } = pinoLines();
  const log = pinoLogger(logger);
  log.warn('Session closed: rate limit exceeded', { sessionId: 's1', limit: 'maxFramesPerSecond (10)' });
  log.error('Handler failed', { error: new Error('boom'), passcode: 'hunter2', Authorization: 'Bearer x' });
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.level, 40);
  assert.equal(lines[0]!.msg, 'Session closed: rate limit exceeded');
  assert.equal(lines[0]!.sessionId, 's1');
  assert.equal(lines[1]!.level, 50);
  assert.deepEqual(lines[1]!.error, { name: 'Error', message: 'boom' });
  assert.equal(lines[1]!.passcode, '[redacted]');
  assert.equal(lines[1]!.Authorization, '[redacted]');
  assert.deepEqual(redact({ cookie: 'a=b', user: 'alice' }), { cookie: '[redacted]', user: 'alice' });
});

test('a server logging through pino: sessions with credentials leave no secret in the log', async (t) => {
  const { logger, lines } = pinoLines();
  const server = createStompServer({
    heartbeat: [0, 0],
    logger: pinoLogger(logger),
    authenticate: ({ passcode }) => {
      if (passcode !== 'hunter2') throw new Error('bad credentials');
      return { name: 'alice' };
    },
  });
  t.after(() => server.close());
  const alice = await connectTestClient(server, { connectHeaders: { login: 'alice', passcode: 'hunter2' } });
  alice.sendFrame('SEND', { destination: '/nowhere' }, 'x');
  await alice.nextError();
  await assert.rejects(
    connectTestClient(server, { connectHeaders: { login: 'alice', passcode: 'guess-1' } }),
  );
  assert.ok(lines.length >= 2, 'the errors were logged');
  const text = JSON.stringify(lines);
  assert.ok(!text.includes('hunter2') && !text.includes('guess-1'));
});
