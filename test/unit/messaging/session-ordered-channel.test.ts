import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DirectChannel, createMessage } from '../../../src/index.js';
import type { Message } from '../../../src/index.js';
import { SessionOrderedChannel } from '../../../src/messaging/session-ordered-channel.js';

test('messages of one session stay in order through an async interceptor with random delays', async () => {
  let seed = 7;
  const delay = (): number => (seed = (seed * 16807) % 2147483647) % 5;
  const inner = new DirectChannel('out', [
    { preSend: (m) => new Promise<Message>((resolve) => setTimeout(() => resolve(m), delay())) },
  ]);
  const seen = new Map<string, number[]>();
  inner.subscribe({
    handleMessage: (m) => {
      const list = seen.get(m.headers.sessionId!) ?? [];
      list.push(Number(m.payload.toString()));
      seen.set(m.headers.sessionId!, list);
    },
  });
  const ordered = new SessionOrderedChannel(inner);
  const sends: Promise<boolean>[] = [];
  for (let i = 0; i < 200; i++) {
    const sent = ordered.send(
      createMessage({ type: 'MESSAGE', sessionId: `s${i % 3}` }, Buffer.from(String(i))),
    );
    sends.push(Promise.resolve(sent));
  }
  await Promise.all(sends);
  for (const [session, values] of seen) {
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      `session ${session} in order`,
    );
  }
  assert.equal([...seen.values()].flat().length, 200);
});

test('a synchronous channel stays synchronous', () => {
  const inner = new DirectChannel('out');
  let count = 0;
  inner.subscribe({ handleMessage: () => void count++ });
  const result = new SessionOrderedChannel(inner).send(createMessage({ type: 'MESSAGE', sessionId: 's' }));
  assert.equal(result, true);
  assert.equal(count, 1);
});

test('a rejected message does not stall the next one of the same session', async () => {
  let first = true;
  const inner = new DirectChannel('out', [
    {
      preSend: (m) => {
        if (first) {
          first = false;
          return Promise.reject(new Error('denied'));
        }
        return Promise.resolve(m);
      },
    },
  ]);
  const seen: string[] = [];
  inner.subscribe({ handleMessage: (m) => void seen.push(m.payload.toString()) });
  const ordered = new SessionOrderedChannel(inner);
  const a = ordered.send(createMessage({ type: 'MESSAGE', sessionId: 's' }, Buffer.from('a')));
  const b = ordered.send(createMessage({ type: 'MESSAGE', sessionId: 's' }, Buffer.from('b')));
  await assert.rejects(async () => a, /denied/);
  assert.equal(await b, true);
  assert.deepEqual(seen, ['b']);
});
