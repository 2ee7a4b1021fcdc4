import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChannelInterceptor, Message } from '../../../src/index.js';
import { DirectChannel, createMessage } from '../../../src/index.js';

const msg = (destination: string): Message => createMessage({ type: 'MESSAGE', destination });

test('handlers receive messages synchronously when nothing is async', () => {
  const channel = new DirectChannel('test');
  const seen: string[] = [];
  channel.subscribe({ handleMessage: (m) => void seen.push(`a:${m.headers.destination}`) });
  channel.subscribe({ handleMessage: (m) => void seen.push(`b:${m.headers.destination}`) });
  const result = channel.send(msg('/x'));
  assert.equal(result, true, 'a plain boolean, not a promise');
  assert.deepEqual(seen, ['a:/x', 'b:/x']);
});

test('unsubscribe removes a handler', () => {
  const channel = new DirectChannel('test');
  let count = 0;
  const off = channel.subscribe({ handleMessage: () => void count++ });
  void channel.send(msg('/x'));
  off();
  void channel.send(msg('/x'));
  assert.equal(count, 1);
});

test('preSend may change a message, drop it (null) or reject it (throw)', () => {
  const seen: (string | undefined)[] = [];
  const completions: [boolean, unknown][] = [];
  const rewrite: ChannelInterceptor = {
    preSend: (m) =>
      m.headers.destination === '/drop'
        ? null
        : { ...m, headers: { ...m.headers, destination: `${m.headers.destination}!` } },
    afterSendCompletion: (_m, _c, sent, error) => void completions.push([sent, error]),
  };
  const reject: ChannelInterceptor = {
    preSend: (m) => {
      if (m.headers.destination === '/bad!') throw new Error('denied');
      return m;
    },
  };
  const channel = new DirectChannel('test', [rewrite, reject]);
  channel.subscribe({ handleMessage: (m) => void seen.push(m.headers.destination) });

  assert.equal(channel.send(msg('/ok')), true);
  assert.equal(channel.send(msg('/drop')), false);
  assert.throws(() => channel.send(msg('/bad')), /denied/);
  assert.deepEqual(seen, ['/ok!']);
  // afterSendCompletion runs for interceptors whose preSend passed the message on (Spring's rule):
  // not for the one that dropped it.
  assert.equal(completions.length, 2);
  assert.deepEqual(completions[0], [true, undefined]);
  assert.equal(completions[1]![0], false);
  assert.match(String(completions[1]![1]), /denied/);
});

test('postSend runs after handlers with sent=true', () => {
  const order: string[] = [];
  const channel = new DirectChannel('test', [
    { postSend: (_m, _c, sent) => void order.push(`post:${sent}`) },
  ]);
  channel.subscribe({ handleMessage: () => void order.push('handler') });
  void channel.send(msg('/x'));
  assert.deepEqual(order, ['handler', 'post:true']);
});

test('an async interceptor makes send return a promise, and order is preserved for a caller that waits', async () => {
  const delays = [30, 0, 10];
  let i = 0;
  const channel = new DirectChannel('test', [
    { preSend: (m) => new Promise<Message>((resolve) => setTimeout(() => resolve(m), delays[i++ % 3])) },
  ]);
  const seen: string[] = [];
  channel.subscribe({ handleMessage: (m) => void seen.push(m.headers.destination!) });
  for (const d of ['/1', '/2', '/3']) {
    const result = channel.send(msg(d));
    assert.ok(result instanceof Promise);
    assert.equal(await result, true);
  }
  assert.deepEqual(seen, ['/1', '/2', '/3']);
});

test('an async handler failure rejects the send and reaches afterSendCompletion', async () => {
  const errors: unknown[] = [];
  const channel = new DirectChannel('test', [
    { afterSendCompletion: (_m, _c, _s, e) => void errors.push(e) },
  ]);
  channel.subscribe({ handleMessage: () => Promise.reject(new Error('boom')) });
  await assert.rejects(async () => channel.send(msg('/x')), /boom/);
  assert.match(String(errors[0]), /boom/);
});

test('an async preSend returning null drops the message', async () => {
  const channel = new DirectChannel('test', [{ preSend: () => Promise.resolve(null) }]);
  let handled = false;
  channel.subscribe({ handleMessage: () => void (handled = true) });
  assert.equal(await channel.send(msg('/x')), false);
  assert.equal(handled, false);
});
