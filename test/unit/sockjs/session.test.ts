import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutboundMessage } from '../../../src/index.js';
import type { Session } from '../../../src/index.js';
import type { Receiver, SockJsSessionOptions } from '../../../src/sockjs/session.js';
import { SockJsSession } from '../../../src/sockjs/session.js';
import { silentLogger } from '../../../src/logger.js';

class RecordingReceiver implements Receiver {
  readonly frames: string[] = [];
  ended = false;
  bufferedAmount = 0;
  constructor(private readonly streaming: boolean) {}
  sendFrame(frame: string): boolean {
    this.frames.push(frame);
    return this.streaming;
  }
  end(): void {
    this.ended = true;
  }
}

function session(overrides: Partial<SockJsSessionOptions> = {}) {
  const events: string[] = [];
  let expired = false;
  const s = new SockJsSession({
    sockJsId: 'abc',
    transport: 'xhr_streaming',
    handler: {
      onOpen: () => void events.push('open'),
      onMessage: (_s: Session, data: Buffer) => void events.push(`message:${data.toString()}`),
      onClose: (_s: Session, code: number) => void events.push(`close:${code}`),
    },
    uri: new URL('http://localhost/x'),
    headers: {},
    remoteAddress: '127.0.0.1',
    attributes: new Map(),
    principal: undefined,
    limits: { sendBufferLimit: 1024, overflow: 'terminate' },
    heartbeatDelay: 25_000,
    disconnectDelay: 5_000,
    maxQueuedMessages: 100,
    logger: silentLogger,
    onExpired: () => void (expired = true),
    ...overrides,
  });
  return { s, events, expired: () => expired };
}

test('open frame first, then queued messages batched in one a[...] frame', async () => {
  const { s, events } = session();
  const r = new RecordingReceiver(true);
  s.attach(r);
  assert.deepEqual(r.frames, ['o']);
  assert.deepEqual(events, ['open']);
  s.send(new OutboundMessage('one'));
  s.send(new OutboundMessage('two'));
  await new Promise((resolve) => process.nextTick(resolve));
  assert.deepEqual(r.frames, ['o', 'a["one","two"]']);
  s.dispose();
});

test('an h frame after 25 s of quiet (fake timers); none once transport heart-beats are disabled', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { s } = session();
  const r = new RecordingReceiver(true);
  s.attach(r);
  t.mock.timers.tick(24_999);
  assert.deepEqual(r.frames, ['o']);
  t.mock.timers.tick(1);
  assert.deepEqual(r.frames, ['o', 'h']);
  s.disableTransportHeartbeat();
  t.mock.timers.tick(60_000);
  assert.deepEqual(r.frames, ['o', 'h']);
  s.dispose();
});

test('a second receiver gets 2010; a closed session answers its close frame', () => {
  const { s } = session();
  s.attach(new RecordingReceiver(true));
  const second = new RecordingReceiver(true);
  s.attach(second);
  assert.deepEqual(second.frames, ['c[2010,"Another connection still open"]']);
  assert.ok(second.ended);
  s.close(3000, 'Go away!');
  const later = new RecordingReceiver(false);
  s.attach(later);
  assert.deepEqual(later.frames, ['c[3000,"Go away!"]']);
  s.dispose();
});

test('a client gone for the disconnect delay closes the session once and expires it (fake timers)', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { s, events, expired } = session();
  const poll = new RecordingReceiver(false);
  s.attach(poll); // 'o', then the poll ends
  assert.ok(poll.ended);
  t.mock.timers.tick(4_999);
  assert.deepEqual(events, ['open']);
  t.mock.timers.tick(1);
  assert.deepEqual(events, ['open', 'close:1001']);
  assert.equal(expired(), true);
  assert.equal(s.isOpen, false);
});

test('an interrupted request closes the session with 1002 "Connection interrupted" for later requests', () => {
  const { s, events } = session();
  const r = new RecordingReceiver(true);
  s.attach(r);
  s.interrupted(r);
  assert.deepEqual(events, ['open', 'close:1001']);
  const next = new RecordingReceiver(false);
  s.attach(next);
  assert.deepEqual(next.frames, ['c[1002,"Connection interrupted"]']);
  s.dispose();
});

test('overflow: terminate closes with 4500; drop-oldest keeps the newest within the limit', () => {
  const terminate = session({ limits: { sendBufferLimit: 10, overflow: 'terminate' } });
  terminate.s.attach(new RecordingReceiver(false)); // no receiver afterwards: messages queue
  assert.equal(terminate.s.send(new OutboundMessage('12345678')), true);
  assert.equal(terminate.s.send(new OutboundMessage('12345678')), false);
  assert.deepEqual(terminate.events, ['open', 'close:4500']);
  terminate.s.dispose();

  // Sizes are of the JSON-quoted text: '"aaaa"' is 6 bytes.
  const drop = session({ limits: { sendBufferLimit: 12, overflow: 'drop-oldest' } });
  drop.s.attach(new RecordingReceiver(false));
  drop.s.send(new OutboundMessage('aaaa'));
  drop.s.send(new OutboundMessage('bbbb'));
  drop.s.send(new OutboundMessage('cccc'));
  assert.equal(drop.s.dropped, 1);
  assert.ok(drop.s.bufferedAmount <= 12);
  const r = new RecordingReceiver(false);
  drop.s.attach(r);
  assert.deepEqual(r.frames, ['a["bbbb","cccc"]']);
  drop.s.dispose();
});

test('binary messages are refused: SockJS carries text only', () => {
  const stats = { dropped: 0 };
  const { s } = session({ stats });
  s.attach(new RecordingReceiver(true));
  assert.equal(s.send(new OutboundMessage(Buffer.from([0xff, 0xfe]), true)), false);
  assert.equal(s.dropped, 1);
  assert.equal(stats.dropped, 1, "counted in the service's total (stats().websocket.dropped)");
  s.dispose();
});

test('httpMessageCacheSize: messages held between requests are bounded (terminate closes with 4500)', () => {
  const { s, events } = session({
    maxQueuedMessages: 2,
    limits: { sendBufferLimit: 1 << 20, overflow: 'terminate' },
  });
  s.attach(new RecordingReceiver(false)); // the poll ends: messages now wait for the next request
  assert.equal(s.send(new OutboundMessage('1')), true);
  assert.equal(s.send(new OutboundMessage('2')), true);
  assert.equal(s.send(new OutboundMessage('3')), false);
  assert.deepEqual(events, ['open', 'close:4500']);
  s.dispose();
});
