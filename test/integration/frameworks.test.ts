import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startExpressExample } from '../../examples/express/server.js';
import { startFastifyExample } from '../../examples/fastify/server.js';
import { connectOverSockJs } from '../helpers/security.js';
import { within } from '../helpers/server.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

for (const [name, start] of [
  ['Express', startExpressExample],
  ['Fastify', startFastifyExample],
] as const) {
  test(`${name} example: the app's routes, STOMP over WebSocket and SockJS on one port; closing closes the sessions`, async (t) => {
    const example = await start();
    t.after(() => example.close());
    const base = `http://127.0.0.1:${example.port}`;

    const { client } = await connectStompJs(`ws://127.0.0.1:${example.port}/stomp`);
    t.after(() => client.deactivate());
    const chat = new Inbox();
    const announcements = new Inbox();
    await subscribed(client, '/topic/chat', chat);
    await subscribed(client, '/topic/announcements', announcements);

    const health = await fetch(`${base}/api/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { ok: true, sessions: 1 });

    client.publish({ destination: '/app/chat', body: `hello from ${name}` });
    await chat.waitFor(1);
    assert.equal(chat.messages[0]!.body, `hello from ${name}`);

    // An HTTP route of the app publishes to STOMP subscribers.
    const posted = await fetch(`${base}/api/announce`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ release: '1.0' }),
    });
    assert.equal(posted.status, 202);
    await announcements.waitFor(1);
    assert.deepEqual(JSON.parse(announcements.messages[0]!.body), { release: '1.0' });

    // SockJS on the same port, beside the app's routes.
    const sockjs = await connectOverSockJs(`${base}/stomp`, 'xhr-streaming');
    sockjs.client.publish({ destination: '/app/chat', body: 'over SockJS' });
    await chat.waitFor(2);
    assert.equal(chat.messages[1]!.body, 'over SockJS');
    await sockjs.client.deactivate();
    assert.equal((await fetch(`${base}/no-such-route`)).status, 404);

    const closed = new Promise<number>(
      (resolve) => (client.onWebSocketClose = (e: { code: number }) => resolve(e.code)),
    );
    await example.close();
    assert.equal(await within(closed, 5000, 'the client to be closed'), 1001);
    assert.equal(example.stomp.sessionCount, 0);
  });
}
