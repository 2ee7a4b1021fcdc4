import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Socket } from 'node:net';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';
import { eventually, simpleBrokerStats, startServer } from '../helpers/server.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const LIMIT = 256 * 1024;
const BODY = 'x'.repeat(8 * 1024);

/** A subscriber whose TCP socket stops reading: the kernel buffers fill, then the server's. */
async function stalledSubscriber(url: string): Promise<RawStompClient> {
  const client = await RawStompClient.connect(url);
  await client.request('SUBSCRIBE', { id: 'slow', destination: '/topic/flood' });
  (client.ws as unknown as { _socket: Socket })._socket.pause();
  return client;
}

/**
 * Publishes `count` 8 KiB messages in batches, pacing on the healthy subscriber (a batch is
 * 128 KiB, under the limit), so only the stalled reader falls behind.
 */
async function flood(url: string, count: number, healthy: Inbox): Promise<void> {
  const publisher = await RawStompClient.connect(url);
  for (let i = 0; i < count; i++) {
    publisher.sendFrame('SEND', { destination: '/topic/flood' }, `${i}:${BODY}`);
    if (i % 16 === 15) await healthy.waitFor(i + 1, 20000);
  }
  await publisher.request('SEND', { destination: '/topic/other' });
  publisher.close();
}

test('terminate: a client that stops reading is closed with 4500 once past the limit; others keep everything', async (t) => {
  const { url, server } = await startServer(t, { limits: { sendBufferLimit: LIMIT, overflow: 'terminate' } });
  const slow = await stalledSubscriber(url);
  t.after(() => slow.ws.terminate());
  const { client: healthy } = await connectStompJs(url);
  t.after(() => healthy.deactivate());
  const inbox = new Inbox();
  await subscribed(healthy, '/topic/flood', inbox);

  const count = 2000; // 16 MiB to the stalled reader, far past kernel buffers + LIMIT
  await flood(url, count, inbox);
  await inbox.waitFor(count, 20000);
  assert.deepEqual(
    inbox.messages.map((m) => Number(m.body.split(':', 1)[0])),
    Array.from({ length: count }, (_, i) => i),
    'the healthy client got every message, in order',
  );
  await eventually(() => server.stats().websocket.limitExceeded === 1, 10000, 'limit exceeded once');
  await eventually(() => server.sessionCount === 1, 10000, 'the stalled session is gone');
  assert.equal(server.stats().stomp.closes.limitExceeded, 1);
  assert.equal(simpleBrokerStats(server).subscriptions, 1, "the stalled session's subscription was removed");
});

test('drop-oldest: the stalled client stays, its buffer stays under the limit, memory stays bounded', async (t) => {
  const { url, server } = await startServer(t, {
    limits: { sendBufferLimit: LIMIT, overflow: 'drop-oldest' },
  });
  const slow = await stalledSubscriber(url);
  t.after(() => slow.ws.terminate());
  const { client: healthy } = await connectStompJs(url);
  t.after(() => healthy.deactivate());
  const inbox = new Inbox({ retain: false });
  await subscribed(healthy, '/topic/flood', inbox);

  gc();
  const before = process.memoryUsage();
  const count = 4000; // 32 MiB published
  await flood(url, count, inbox);
  await inbox.waitFor(count, 30000);
  gc();
  const after = process.memoryUsage();

  await eventually(() => server.sessionCount === 2, 5000, 'publisher gone, stalled and healthy clients left');
  for (const session of server.sessions) {
    assert.ok(session.bufferedAmount <= LIMIT, `bufferedAmount ${session.bufferedAmount} <= ${LIMIT}`);
  }
  assert.ok(server.stats().websocket.dropped > 0, 'drops were counted');
  const queue = server.stats().outboundQueue;
  assert.ok(queue.max > 0 && queue.max <= LIMIT && queue.total >= queue.max, JSON.stringify(queue));
  const growth = after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed);
  assert.ok(
    growth < 16 * 1024 * 1024,
    `memory grew by ${(growth / 1048576).toFixed(1)} MiB for 32 MiB published`,
  );
});

test('sendTimeLimit: a socket that cannot drain for that long is closed with 4500, even under the buffer limit', async (t) => {
  const { url, server } = await startServer(t, {
    limits: { sendBufferLimit: 256 * 1024 * 1024, sendTimeLimit: 300, overflow: 'drop-oldest' },
  });
  const slow = await stalledSubscriber(url);
  t.after(() => slow.ws.terminate());
  const publisher = await RawStompClient.connect(url);
  // A few MiB fill the kernel buffers; the socket then stops draining, far below the byte limit.
  for (let i = 0; i < 1000; i++) publisher.sendFrame('SEND', { destination: '/topic/flood' }, `${i}:${BODY}`);
  await eventually(() => server.stats().websocket.limitExceeded === 1, 10000, 'the send time limit to trip');
  await eventually(() => server.sessionCount === 1, 5000, 'only the publisher left');
  publisher.close();
});
