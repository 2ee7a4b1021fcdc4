import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdminSnapshot } from '../../src/index.js';
import { createAdminView } from '../../src/index.js';
import { startAdminServer } from '../helpers/admin.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

const TOKEN = 'a-long-admin-token-0123456789';

test('admin JSON: sessions, users, subscriptions per destination and the broker state, behind the token', async (t) => {
  const { url, port, server } = await startAdminServer(t, TOKEN);
  for (const name of ['alice', 'bob']) {
    const { client } = await connectStompJs(url, { connectHeaders: { login: name } });
    t.after(() => client.deactivate());
    await subscribed(client, '/topic/prices', new Inbox());
    if (name === 'alice') await subscribed(client, '/user/queue/fills', new Inbox());
  }
  const api = `http://127.0.0.1:${port}/admin/api`;

  const anonymous = await fetch(api);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await fetch(api, { headers: { authorization: `Bearer ${TOKEN}x` } })).status, 401);

  const answer = await fetch(api, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  const data = (await answer.json()) as AdminSnapshot;
  assert.equal(data.stats.sessions, 2);
  assert.deepEqual(data.users.map((u) => [u.name, u.sessions]).sort(), [
    ['alice', 1],
    ['bob', 1],
  ]);
  assert.deepEqual(data.destinations, [
    { destination: '/topic/prices', subscriptions: 2 },
    { destination: '/user/queue/fills', subscriptions: 1 },
  ]);
  assert.deepEqual(data.broker, { kind: 'simple', available: true });
  const alice = data.sessions.find((s) => s.user === 'alice')!;
  assert.equal(alice.transport, 'websocket');
  assert.deepEqual(Object.values(alice.subscriptions).sort(), ['/topic/prices', '/user/queue/fills']);
  assert.equal(data.sessionsOmitted, 0);

  const page = await fetch(`http://127.0.0.1:${port}/admin`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.match(await page.text(), /<script src="\/admin\/admin\.js">/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/admin/admin.js`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);

  // Past maxSessions the list is cut, and says how many it left out.
  const capped = createAdminView(server, { token: TOKEN, maxSessions: 1 });
  t.after(() => capped.close());
  const cut = capped.snapshot();
  assert.equal(cut.sessions.length, 1);
  assert.equal(cut.sessionsOmitted, 1);
  assert.equal(cut.stats.sessions, 2);

  assert.throws(() => createAdminView(server, { token: 'short' }), /at least 16 characters/);
});
