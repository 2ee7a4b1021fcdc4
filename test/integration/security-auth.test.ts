import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../../src/index.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { connectOverSockJs, handshakeStatus } from '../helpers/security.js';
import { eventually, startServer, within } from '../helpers/server.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

/** Tokens the tests' authenticators accept: token → user. */
const TOKENS: Record<string, Principal> = {
  'alice-token': { name: 'alice', roles: ['trader'] },
  'bob-token': { name: 'bob' },
};

function userOfToken(token: string | null | undefined): Principal {
  const user = token ? TOKENS[token] : undefined;
  if (user === undefined)
    throw Object.assign(new Error(`unknown token`), token === 'banned' ? { status: 403 } : {});
  return user;
}

test('handshake authenticator: 401 without a token, 403 when the error says so, the user set otherwise (WebSocket and SockJS)', async (t) => {
  const logger = new RecordingLogger();
  const { port, server } = await startServer(t, {
    sockjs: true,
    logger,
    authenticateHandshake: (request) => userOfToken(request.query.get('token') ?? request.cookies.token),
  });
  const ws = `ws://127.0.0.1:${port}/stomp`;

  const missing = await handshakeStatus(ws);
  assert.equal(missing.status, 401);
  assert.equal((await handshakeStatus(`${ws}?token=banned`)).status, 403);
  const byCookie = await handshakeStatus(ws, { cookie: 'token=bob-token' });
  assert.equal(byCookie.status, 101);
  byCookie.ws!.close();
  // Why a credential failed is logged, never sent to the client, and the token never logged.
  assert.ok(logger.find('info', /Handshake refused/));
  assert.doesNotMatch(JSON.stringify(logger.entries), /banned|bob-token/);

  const { client, connected } = await connectStompJs(`${ws}?token=alice-token`);
  t.after(() => client.deactivate());
  assert.equal(connected.headers['user-name'], 'alice');
  await eventually(() => server.users.getUser('alice') !== undefined, 5000, 'alice in the registry');

  // SockJS: the session's first request is the handshake.
  const refused = await fetch(`http://127.0.0.1:${port}/stomp/000/s1/xhr`, { method: 'POST' });
  assert.equal(refused.status, 401);
  await assert.rejects(connectOverSockJs(`http://127.0.0.1:${port}/stomp`, 'xhr-streaming'));
  const sockjs = await connectOverSockJs(`http://127.0.0.1:${port}/stomp?token=bob-token`, 'xhr-streaming');
  t.after(() => sockjs.client.deactivate());
  assert.equal(sockjs.connected.headers['user-name'], 'bob');
  const sockjsWs = await connectOverSockJs(`http://127.0.0.1:${port}/stomp?token=bob-token`, 'websocket');
  t.after(() => sockjsWs.client.deactivate());
  assert.equal(sockjsWs.connected.headers['user-name'], 'bob');
});

test('CONNECT authenticator: an Authorization header sets the user; a bad one gets ERROR and close', async (t) => {
  const { url } = await startServer(t, {
    authenticate: ({ headers }) => userOfToken(headers.Authorization?.replace(/^Bearer /, '')),
  });
  const { client, connected } = await connectStompJs(url, {
    connectHeaders: { Authorization: 'Bearer alice-token' },
  });
  t.after(() => client.deactivate());
  assert.equal(connected.headers['user-name'], 'alice');

  const raw = await RawStompClient.open(url);
  raw.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'localhost', Authorization: 'Bearer nope' });
  const error = await raw.next('ERROR');
  assert.match(error.headers.message!, /Authentication failed/);
  assert.equal((await raw.closed).code, 1002);
});

test('token expiry: at expiresAt the session gets ERROR ERR_AUTH_EXPIRED and closes, unless refreshUser extends it', async (t) => {
  let refreshes = 0;
  const { url, server } = await startServer(t, {
    authenticate: ({ login }) => ({
      name: login!,
      expiresAt: Date.now() + (login === 'short' ? 300 : 200),
    }),
    refreshUser: ({ user }) => {
      if (user.name === 'switcher') return { name: 'mallory', expiresAt: Date.now() + 60_000 };
      if (user.name !== 'renewed') return undefined;
      refreshes++;
      return refreshes < 3 ? { name: user.name, expiresAt: Date.now() + 200 } : undefined;
    },
  });
  const short = await RawStompClient.connect(url, { login: 'short' });
  const error = await short.next('ERROR', () => true, 5000);
  assert.equal(error.headers.code, 'ERR_AUTH_EXPIRED');
  assert.match(error.headers.message!, /Authentication expired/);
  assert.equal((await short.closed).code, 1002);

  // Refreshed twice, then no longer: it lives through two expiries, then ends the same way.
  const renewed = await RawStompClient.connect(url, { login: 'renewed' });
  const ended = await renewed.next('ERROR', () => true, 5000);
  assert.equal(ended.headers.code, 'ERR_AUTH_EXPIRED');
  assert.equal(refreshes, 3);
  // A refresh may never turn the session into another user: that ends it too.
  const switcher = await RawStompClient.connect(url, { login: 'switcher' });
  assert.equal((await switcher.next('ERROR', () => true, 5000)).headers.code, 'ERR_AUTH_EXPIRED');
  assert.equal(server.users.getUser('mallory'), undefined);
  await eventually(() => server.sessionCount === 0, 5000, 'sessions gone');
  assert.equal(server.stats().stomp.closes.authExpired, 3);
});

test('authorization: per-destination rules with captured variables, async predicates, deny by default, ERROR naming the destination', async (t) => {
  const rooms: Record<string, string[]> = { alice: ['1', '2'], bob: ['2'] };
  const logger = new RecordingLogger();
  const { url, port, server } = await startServer(t, {
    sockjs: true,
    logger,
    authenticate: ({ login }) => (login ? { name: login } : undefined),
    authorization: [
      {
        type: ['SUBSCRIBE', 'SEND'],
        destination: '/topic/room.{id}',
        allow: async ({ user, params }) => {
          await new Promise((resolve) => setImmediate(resolve));
          return user !== undefined && (rooms[user.name] ?? []).includes(params.id!);
        },
      },
      { type: 'SUBSCRIBE', destination: '/topic/public', allow: true },
      { type: 'SEND', destination: '/app/secret/**', allow: ({ user }) => user?.name === 'alice' },
      { type: 'SUBSCRIBE', destination: '/user/queue/**', allow: 'authenticated' },
    ],
  });
  server.handlers.map('/secret/{what}', (ctx) => `ok ${ctx.params.what}`, { sendTo: '/topic/public' });

  const { client: alice } = await connectStompJs(url, { connectHeaders: { login: 'alice' } });
  t.after(() => alice.deactivate());
  const room = new Inbox();
  await subscribed(alice, '/topic/room.1', room);
  const pub = new Inbox();
  await subscribed(alice, '/topic/public', pub);
  alice.publish({ destination: '/topic/room.1', body: 'hi room 1' });
  await room.waitFor(1);
  alice.publish({ destination: '/app/secret/plans', body: '' });
  await pub.waitFor(1);
  assert.equal(pub.messages[0]!.body, 'ok plans');

  // bob may not subscribe to room 1: ERROR naming the destination (not the rule), then close.
  const bob = await RawStompClient.connect(url, { login: 'bob' });
  bob.sendFrame('SUBSCRIBE', { id: 's', destination: '/topic/room.1' });
  const denied = await bob.next('ERROR');
  assert.equal(denied.headers.code, 'ERR_ACCESS_DENIED');
  assert.equal(denied.headers.message, "Access denied: SUBSCRIBE to '/topic/room.1'");
  assert.equal((await bob.closed).code, 1002);

  // Unmatched destinations are denied: a SEND with no rule for it, a SUBSCRIBE to another topic.
  for (const [command, destination] of [
    ['SEND', '/topic/public'],
    ['SUBSCRIBE', '/topic/other'],
    ['SEND', '/app/secret/plans'],
  ] as const) {
    const client = await RawStompClient.connect(url, { login: 'bob' });
    client.sendFrame(command, { id: 'x', destination }, command === 'SEND' ? 'x' : undefined);
    const error = await client.next('ERROR');
    assert.equal(error.headers.message, `Access denied: ${command} to '${destination}'`);
    await client.closed;
  }
  // Anonymous sessions are not 'authenticated'.
  const anonymous = await RawStompClient.connect(url);
  anonymous.sendFrame('SUBSCRIBE', { id: 'u', destination: '/user/queue/inbox' });
  assert.equal((await anonymous.next('ERROR')).headers.code, 'ERR_ACCESS_DENIED');
  assert.ok(logger.find('info', /Access denied/));

  // The same rules over SockJS.
  const sockjs = await connectOverSockJs(`http://127.0.0.1:${port}/stomp`, 'xhr-polling', { login: 'bob' });
  t.after(() => sockjs.client.deactivate());
  const bobRoom = new Inbox();
  await subscribed(sockjs.client, '/topic/room.2', bobRoom);
  const errored = new Promise<string>(
    (resolve) => (sockjs.client.onStompError = (f) => resolve(f.headers.message!)),
  );
  sockjs.client.subscribe('/topic/room.1', () => {});
  assert.equal(
    await within(errored, 5000, 'ERROR over SockJS'),
    "Access denied: SUBSCRIBE to '/topic/room.1'",
  );
  assert.equal(room.count, 1);
});

test("/user/ isolation: a user never receives another user's session messages, whatever they subscribe to", async (t) => {
  const { url, server } = await startServer(t, {
    authenticate: ({ login }) => (login ? { name: login } : undefined),
  });
  const { client: alice } = await connectStompJs(url, { connectHeaders: { login: 'alice' } });
  t.after(() => alice.deactivate());
  const aliceInbox = new Inbox();
  await subscribed(alice, '/user/queue/inbox', aliceInbox);
  const aliceSession = [...(server.users.getUser('alice')?.sessions.keys() ?? [])][0]!;

  // bob cannot name alice's session destination directly...
  const bob = await RawStompClient.connect(url, { login: 'bob' });
  bob.sendFrame('SUBSCRIBE', { id: 'steal', destination: `/queue/inbox-user${aliceSession}` });
  const error = await bob.next('ERROR');
  assert.equal(error.headers.code, 'ERR_ACCESS_DENIED');
  await bob.closed;

  // ...nor catch it with a pattern: his pattern sees other queues, never alice's user queue.
  const { client: bob2 } = await connectStompJs(url, { connectHeaders: { login: 'bob' } });
  t.after(() => bob2.deactivate());
  const wildcard = new Inbox();
  await subscribed(bob2, '/queue/**', wildcard);
  // (Queues deliver round-robin among matching subscriptions: two messages would reach bob once.)
  await server.template.convertAndSendToUser('alice', '/queue/inbox', 'for alice only');
  await server.template.convertAndSendToUser('alice', '/queue/inbox', 'for alice only, again');
  await server.template.convertAndSend('/queue/other', 'for anyone');
  await aliceInbox.waitFor(2);
  await wildcard.waitFor(1);
  assert.deepEqual(
    aliceInbox.messages.map((m) => m.body),
    ['for alice only', 'for alice only, again'],
  );
  assert.deepEqual(
    wildcard.messages.map((m) => m.body),
    ['for anyone'],
  );
  // bob sending to alice's session destination directly is refused the same way.
  const bob3 = await RawStompClient.connect(url, { login: 'bob' });
  bob3.sendFrame('SEND', { destination: `/queue/inbox-user${aliceSession}` }, 'spoof');
  assert.equal((await bob3.next('ERROR')).headers.code, 'ERR_ACCESS_DENIED');
  assert.equal(aliceInbox.count, 2);
});

test('CSRF: with csrf on, CONNECT must repeat the XSRF-TOKEN cookie in X-XSRF-TOKEN', async (t) => {
  const { url } = await startServer(t, { csrf: true });
  const cookie = { cookie: 'XSRF-TOKEN=3f9a2c; other=1' };

  const good = await RawStompClient.open(url, ['v12.stomp'], cookie);
  good.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'localhost', 'X-XSRF-TOKEN': '3f9a2c' });
  await good.next('CONNECTED');
  good.close();

  const wrong = await RawStompClient.open(url, ['v12.stomp'], cookie);
  wrong.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'localhost', 'X-XSRF-TOKEN': '3f9a2d' });
  const mismatch = await wrong.next('ERROR');
  assert.equal(mismatch.headers.code, 'ERR_CSRF');
  assert.match(mismatch.headers.message!, /does not match/);
  await wrong.closed;

  const noCookie = await RawStompClient.open(url);
  noCookie.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'localhost', 'X-XSRF-TOKEN': '3f9a2c' });
  assert.match((await noCookie.next('ERROR')).headers.message!, /no 'XSRF-TOKEN' cookie/);
});
