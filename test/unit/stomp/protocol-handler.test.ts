import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DirectChannel, createMessage } from '../../../src/index.js';
import type { Message } from '../../../src/index.js';
import { resolveLimits } from '../../../src/limits.js';
import { StompProtocolHandler } from '../../../src/stomp/protocol-handler.js';
import { FakeSession } from '../../helpers/fake-session.js';

/** A protocol handler whose inbound channel records messages and acks CONNECT like a broker. */
function setup(options: { delay?: (m: Message) => number; heartbeat?: [number, number] } = {}) {
  const inbound = new DirectChannel('in');
  const outbound = new DirectChannel('out');
  const handler = new StompProtocolHandler({
    inbound,
    limits: resolveLimits(),
    heartbeat: options.heartbeat ?? [0, 0],
  });
  outbound.subscribe(handler);
  const received: Message[] = [];
  inbound.subscribe({
    handleMessage(message) {
      const finish = (): void => {
        received.push(message);
        if (message.headers.type === 'CONNECT') {
          void outbound.send(createMessage({ type: 'CONNECT_ACK', sessionId: message.headers.sessionId }));
        }
      };
      const ms = options.delay?.(message) ?? 0;
      if (ms === 0) return finish();
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          finish();
          resolve();
        }, ms),
      );
    },
  });
  const session = new FakeSession();
  handler.onOpen(session);
  return { handler, session, received };
}

const frame = (text: string): Buffer => Buffer.from(text, 'utf8');

test('CONNECT is answered with CONNECTED carrying version, heart-beat, server and session', () => {
  const { handler, session } = setup({ heartbeat: [5000, 7000] });
  handler.onMessage(session, frame('CONNECT\naccept-version:1.1,1.2\nhost:x\nheart-beat:1000,0\n\n\0'));
  const connected = session.text()[0]!;
  assert.match(connected, /^CONNECTED\n/);
  assert.match(connected, /\nversion:1\.2\n/);
  assert.match(connected, /\nheart-beat:5000,7000\n/);
  assert.match(connected, new RegExp(`\\nsession:${session.id}\\n`));
  handler.onClose(session, 1000);
});

test('frames of one session are handled in order even when handling is async with random delays', async () => {
  let seed = 42;
  const random = (): number => ((seed = (seed * 16807) % 2147483647) % 20) + 0;
  const { handler, session, received } = setup({
    delay: (m) => (m.headers.type === 'MESSAGE' ? random() % 3 : 0),
  });
  handler.onMessage(session, frame('CONNECT\naccept-version:1.2\nhost:x\n\n\0'));
  const total = 200;
  let batch = '';
  for (let i = 0; i < total; i++) {
    batch += `SEND\ndestination:/topic/t\n\n${i}\0`;
    if (i % 7 === 0) {
      handler.onMessage(session, frame(batch));
      batch = '';
    }
  }
  handler.onMessage(session, frame(batch));
  const deadline = Date.now() + 10_000;
  while (received.filter((m) => m.headers.type === 'MESSAGE').length < total && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const bodies = received
    .filter((m) => m.headers.type === 'MESSAGE')
    .map((m) => Number(m.payload.toString()));
  assert.deepEqual(
    bodies,
    Array.from({ length: total }, (_, i) => i),
  );
  handler.onClose(session, 1000);
});

test('a receipt is sent only after an async step has completed', async () => {
  const { handler, session, received } = setup({ delay: (m) => (m.headers.type === 'MESSAGE' ? 20 : 0) });
  handler.onMessage(session, frame('CONNECT\naccept-version:1.2\nhost:x\n\n\0'));
  handler.onMessage(session, frame('SEND\ndestination:/topic/a\nreceipt:r1\n\nx\0'));
  assert.equal(session.text().filter((t) => t.startsWith('RECEIPT')).length, 0, 'not yet');
  const deadline = Date.now() + 5000;
  while (!session.text().some((t) => t.startsWith('RECEIPT')) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(received.filter((m) => m.headers.type === 'MESSAGE').length, 1);
  assert.match(
    session.text().find((t) => t.startsWith('RECEIPT'))!,
    /receipt-id:r1/,
  );
  handler.onClose(session, 1000);
});

test('closing the session tells the broker once, with the close code', () => {
  const { handler, session, received } = setup();
  handler.onMessage(session, frame('CONNECT\naccept-version:1.2\nhost:x\n\n\0'));
  handler.onMessage(session, frame('DISCONNECT\nreceipt:bye\n\n\0'));
  handler.onClose(session, 1000);
  const disconnects = received.filter((m) => m.headers.type === 'DISCONNECT');
  assert.equal(disconnects.length, 1);
  assert.equal(session.closedWith?.code, 1000);
  assert.match(session.text().at(-1)!, /receipt-id:bye/);
  assert.equal(handler.sessionCount, 0);
});

test('a session that never sends CONNECT is closed after connectTimeout', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const inbound = new DirectChannel('in');
  const handler = new StompProtocolHandler({
    inbound,
    limits: resolveLimits({ connectTimeout: 1000 }),
    heartbeat: [0, 0],
  });
  const session = new FakeSession();
  handler.onOpen(session);
  t.mock.timers.tick(999);
  assert.equal(session.closedWith, undefined);
  t.mock.timers.tick(1);
  assert.equal(session.closeCode(), 1002);
  assert.match(session.text()[0]!, /^ERROR\n[\s\S]*connectTimeout/);
  handler.onClose(session, 1002);
});

test('one connect-deadline timer: a session that connected in time stays, the silent one is closed', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const inbound = new DirectChannel('in');
  const outbound = new DirectChannel('out');
  const handler = new StompProtocolHandler({
    inbound,
    limits: resolveLimits({ connectTimeout: 1000 }),
    heartbeat: [0, 0],
  });
  outbound.subscribe(handler);
  inbound.subscribe({
    handleMessage(message) {
      if (message.headers.type === 'CONNECT') {
        void outbound.send(createMessage({ type: 'CONNECT_ACK', sessionId: message.headers.sessionId }));
      }
    },
  });
  const connected = new FakeSession();
  const silent = new FakeSession();
  handler.onOpen(connected);
  handler.onOpen(silent);
  handler.onMessage(connected, frame('CONNECT\naccept-version:1.2\nhost:x\n\n\0'));
  assert.match(connected.text()[0]!, /^CONNECTED\n/);
  t.mock.timers.tick(1000);
  assert.equal(silent.closeCode(), 1002);
  assert.equal(connected.closedWith, undefined, 'the connected session is not closed');
  assert.equal(connected.text().length, 1, 'and gets no ERROR');
  handler.onClose(connected, 1000);
  handler.onClose(silent, 1002);
});

test('heart-beats: sent when idle, and a silent client is closed after 3× its interval (fake timers)', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  const { handler, session } = setup({ heartbeat: [1000, 1000] });
  handler.onMessage(session, frame('CONNECT\naccept-version:1.2\nhost:x\nheart-beat:1000,1000\n\n\0'));
  const beats = () => session.text().filter((t) => t === '\n').length;
  t.mock.timers.tick(1000);
  assert.ok(beats() >= 1, 'a heart-beat within one interval of silence');
  t.mock.timers.tick(1999);
  assert.equal(session.closedWith, undefined, 'not closed before 3 × 1000 ms');
  t.mock.timers.tick(1);
  assert.equal(session.closeCode(), 1002);
  handler.onClose(session, 1002);
});
