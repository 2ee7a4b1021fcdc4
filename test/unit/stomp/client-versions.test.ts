import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DirectChannel, createMessage } from '../../../src/index.js';
import type { Message } from '../../../src/index.js';
import { resolveLimits } from '../../../src/limits.js';
import { createHeaders } from '../../../src/stomp/frame.js';
import { encodeMessageDelivery } from '../../../src/stomp/outbound-encoder.js';
import { StompProtocolHandler } from '../../../src/stomp/protocol-handler.js';
import { FakeSession } from '../../helpers/fake-session.js';

// What each client version is shown and may send, whatever the broker behind the handler.

function delivery(cache?: Map<unknown, unknown>): Message {
  return createMessage(
    {
      type: 'MESSAGE',
      sessionId: 's',
      subscriptionId: 'sub-1',
      destination: '/queue/q',
      nativeHeaders: createHeaders({ 'message-id': 'm-7', ack: 'a-7' }),
      deliveryCache: cache,
    },
    Buffer.from('x'),
  );
}

function headersOf(bytes: Buffer): Map<string, string> {
  const head = bytes.toString('utf8').split('\n\n')[0]!.split('\n').slice(1);
  return new Map(head.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));
}

for (const cache of [undefined, new Map<unknown, unknown>()]) {
  const how = cache === undefined ? 'one delivery' : 'an encode-once fan-out';
  test(`MESSAGE (${how}): 1.2 clients see ack, 1.1 clients message-id + subscription, 1.0 clients message-id`, () => {
    const message = delivery(cache);
    const v12 = headersOf(encodeMessageDelivery(message, '1.2').data);
    const v11 = headersOf(encodeMessageDelivery(message, '1.1').data);
    const v10 = headersOf(encodeMessageDelivery(message, '1.0').data);
    assert.equal(v12.get('ack'), 'a-7');
    assert.equal(v11.get('ack'), undefined);
    assert.equal(v10.get('ack'), undefined);
    for (const headers of [v12, v11, v10]) {
      assert.equal(headers.get('message-id'), 'm-7');
      assert.equal(headers.get('subscription'), 'sub-1');
    }
    assert.equal(message.headers.nativeHeaders.ack, 'a-7', 'the shared headers are not changed');
  });
}

function connectedHandler(version: string) {
  const inbound = new DirectChannel('in');
  const outbound = new DirectChannel('out');
  const handler = new StompProtocolHandler({ inbound, limits: resolveLimits(), heartbeat: [0, 0] });
  outbound.subscribe(handler);
  const received: string[] = [];
  inbound.subscribe({
    handleMessage(message) {
      received.push(message.headers.type);
      if (message.headers.type === 'CONNECT')
        void outbound.send(createMessage({ type: 'CONNECT_ACK', sessionId: message.headers.sessionId }));
    },
  });
  const session = new FakeSession();
  handler.onOpen(session);
  handler.onMessage(session, Buffer.from(`CONNECT\naccept-version:${version}\nhost:x\n\n\0`));
  return { handler, session, received };
}

test('NACK from a STOMP 1.0 client: an ERROR naming it, the session closed, no broker sees it', () => {
  const { handler, session, received } = connectedHandler('1.0');
  handler.onMessage(session, Buffer.from('NACK\nmessage-id:m-1\nsubscription:s\n\n\0'));
  const error = session.text().find((text) => text.startsWith('ERROR'));
  assert.ok(error, 'an ERROR frame');
  assert.match(error, /message:NACK is not part of STOMP 1\.0/);
  assert.match(error, /code:ERR_STOMP_UNKNOWN_COMMAND/);
  assert.notEqual(session.closeCode(), undefined, 'the session is closed');
  assert.deepEqual(
    received.filter((type) => type === 'NACK'),
    [],
  );
});

test('NACK from STOMP 1.1 and 1.2 clients reaches the broker', () => {
  for (const [version, id] of [
    ['1.1', 'message-id:m-1\nsubscription:s'],
    ['1.2', 'id:a-1'],
  ] as const) {
    const { handler, session, received } = connectedHandler(version);
    handler.onMessage(session, Buffer.from(`NACK\n${id}\n\n\0`));
    assert.deepEqual(
      received.filter((type) => type === 'NACK'),
      ['NACK'],
      version,
    );
    handler.onClose(session, 1000);
  }
});
