import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { AdminSample, AdminSnapshot } from '../../src/index.js';
import { createAdminView } from '../../src/index.js';
import { manySessions, startAdminServer } from '../helpers/admin.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { eventually } from '../helpers/server.js';
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
  assert.deepEqual(data.users.total, 2);
  assert.deepEqual(data.users.items.map((u) => [u.name, u.sessions]).sort(), [
    ['alice', 1],
    ['bob', 1],
  ]);
  assert.deepEqual(data.destinations, {
    total: 2,
    items: [
      { destination: '/topic/prices', subscriptions: 2 },
      { destination: '/user/queue/fills', subscriptions: 1 },
    ],
  });
  assert.deepEqual(data.broker, { kind: 'simple', available: true });
  const alice = data.sessions.items.find((s) => s.user === 'alice')!;
  assert.equal(alice.transport, 'websocket');
  assert.deepEqual(Object.values(alice.subscriptions).sort(), ['/topic/prices', '/user/queue/fills']);
  assert.deepEqual({ ...data.sessions, items: [] }, { matched: 2, offset: 0, limit: 50, items: [] });

  const page = await fetch(`http://127.0.0.1:${port}/admin`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.match(await page.text(), /<script src="\/admin\/admin\.js">/);
  assert.equal((await fetch(`http://127.0.0.1:${port}/admin/admin.js`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);

  // Past maxSessions a page is cut, and says how many matched; so are the users and destinations.
  const capped = createAdminView(server, { token: TOKEN, maxSessions: 1, maxListed: 1 });
  t.after(() => capped.close());
  const cut = capped.snapshot(new URLSearchParams({ limit: '1000' }));
  assert.equal(cut.sessions.items.length, 1);
  assert.equal(cut.sessions.limit, 1);
  assert.equal(cut.sessions.matched, 2);
  assert.equal(cut.stats.sessions, 2);
  assert.deepEqual(cut.users.items.length, 1);
  assert.deepEqual(cut.users.total, 2);
  assert.deepEqual(cut.destinations.items, [{ destination: '/topic/prices', subscriptions: 2 }]);
  assert.deepEqual(cut.destinations.total, 2);

  assert.throws(() => createAdminView(server, { token: 'short' }), /at least 16 characters/);
});

test('admin history: a sample a second with every chart rate, bounded by historySeconds; since= sends only what is new', async (t) => {
  const { url, port, admin, server } = await startAdminServer(t, TOKEN, {
    // A stalled reader overflows 256 KiB (drops) and cannot drain for 300 ms (closed as a slow consumer).
    server: { limits: { sendBufferLimit: 256 * 1024, sendTimeLimit: 300, overflow: 'drop-oldest' } },
    admin: { historySeconds: 3 },
  });
  const slow = await RawStompClient.connect(url);
  await slow.request('SUBSCRIBE', { id: 'slow', destination: '/topic/flood' });
  (slow.ws as unknown as { _socket: Socket })._socket.pause();
  t.after(() => slow.ws.terminate());
  const publisher = await RawStompClient.connect(url);
  t.after(() => publisher.close());
  const body = 'x'.repeat(8 * 1024);
  for (let i = 0; i < 1000; i++) publisher.sendFrame('SEND', { destination: '/topic/flood' }, body);

  const seen = (key: keyof AdminSample): boolean => admin.snapshot().history.samples.some((s) => s[key] > 0);
  await eventually(
    () => seen('deliveries') && seen('framesIn') && seen('connects'),
    8000,
    'traffic in a sample',
  );
  await eventually(() => seen('dropped'), 8000, 'drops in a sample');
  await eventually(() => seen('slowConsumersClosed'), 8000, 'the slow consumer closed in a sample');

  // Bounded: once full, a new sample pushes the oldest out.
  await eventually(() => admin.snapshot().history.samples.length === 3, 8000, 'three samples');
  const oldest = admin.snapshot().history.samples[0]!.at;
  await eventually(() => admin.snapshot().history.samples[0]!.at > oldest, 8000, 'a fourth sample');
  const full = admin.snapshot();
  assert.equal(full.history.seconds, 3);
  assert.equal(full.history.samples.length, 3);
  const latest = full.history.samples[2]!;
  const { at: _at, sessions, ...rates } = latest;
  assert.deepEqual(full.rates, rates, 'rates are the newest sample');
  assert.equal(sessions, full.stats.sessions);

  // What a polling page asks for: only the samples after its newest.
  const answer = await fetch(`http://127.0.0.1:${port}/admin/api?since=${full.history.samples[1]!.at}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.deepEqual(((await answer.json()) as AdminSnapshot).history.samples.map((s) => s.at).slice(0, 1), [
    latest.at,
  ]);
  assert.throws(() => createAdminView(server, { token: TOKEN, historySeconds: 0 }), /historySeconds/);
});

test('admin sessions, 10 000 of them: bounded pages, filters by user, session id, transport and address; a bad query is a 400 naming it', async (t) => {
  const { url, port, server } = await startAdminServer(t, TOKEN);
  for (const name of ['alice', 'bob']) {
    const { client } = await connectStompJs(url, { connectHeaders: { login: name } });
    t.after(() => client.deactivate());
  }
  await manySessions(server, 10_000);
  assert.equal(server.stats().sessions, 10_002);

  const get = async (query: string): Promise<{ status: number; text: string; data: AdminSnapshot }> => {
    const response = await fetch(`http://127.0.0.1:${port}/admin/api?${query}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const text = await response.text();
    return { status: response.status, text, data: JSON.parse(text) as AdminSnapshot };
  };
  const page = async (query: string): Promise<AdminSnapshot['sessions']> => {
    const answer = await get(query);
    assert.equal(answer.status, 200, answer.text);
    return answer.data.sessions;
  };

  const first = await get('');
  assert.equal(first.status, 200);
  assert.ok(first.text.length < 64 * 1024, `one answer is ${first.text.length} bytes, not the whole list`);
  assert.deepEqual(
    { ...first.data.sessions, items: first.data.sessions.items.length },
    {
      matched: 10_002,
      offset: 0,
      limit: 50,
      items: 50,
    },
  );
  assert.deepEqual([first.data.users.total, first.data.users.items.length], [10_002, 100]);
  assert.equal((await page('limit=100000')).items.length, 500, 'a page is never more than maxSessions');
  assert.equal((await page('offset=10000')).items.length, 2);
  const second = await page('offset=50&limit=50');
  assert.notDeepEqual(second.items[0], first.data.sessions.items[0]);

  const alice = await page('user=ALICE');
  assert.deepEqual(
    [alice.matched, alice.items[0]?.user, alice.items[0]?.transport],
    [1, 'alice', 'websocket'],
  );
  assert.equal((await page(`id=${alice.items[0]!.id.slice(0, 13)}`)).items[0]?.user, 'alice');
  assert.equal((await page('transport=websocket')).matched, 2);
  assert.equal((await page('transport=in-memory')).matched, 10_000);
  assert.equal((await page('address=127.0.0.1')).matched, 2);
  assert.equal((await page('q=WebSocket')).matched, 2);
  const users = await page('user=user-0042&offset=5&limit=3');
  assert.equal(users.matched, 10);
  assert.deepEqual(
    users.items.map((s) => s.user),
    ['user-00425', 'user-00426', 'user-00427'],
  );

  for (const [query, named] of [
    ['limit=0', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=ten', 'offset'],
    [`user=${'x'.repeat(201)}`, 'user'],
    ['since=soon', 'since'],
    ['sort=user', 'sort'],
  ] as const) {
    const answer = await get(query);
    assert.equal(answer.status, 400, query);
    assert.equal((answer.data as unknown as { code: string }).code, 'ERR_ADMIN_BAD_QUERY');
    assert.match((answer.data as unknown as { error: string }).error, new RegExp(named), query);
  }
});
