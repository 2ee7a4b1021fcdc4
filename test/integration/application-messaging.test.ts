import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { eventually, simpleBrokerStats, startServer } from '../helpers/server.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { TradeController } from '../helpers/trade-controller.js';

/** Logs users in by `?user=` (a stand-in for real authentication). */
const loginByQuery = {
  beforeHandshake(request: { query: URLSearchParams; setPrincipal(p: { name: string }): void }) {
    const user = request.query.get('user');
    if (user) request.setPrincipal({ name: user });
    return true;
  },
};

async function setup(t: Parameters<typeof startServer>[0]) {
  const started = await startServer(t, { handshakeInterceptors: [loginByQuery] });
  started.server.handlers.register(new TradeController());
  return started;
}

test('@MessageMapping + @SendToUser: a trade reaches every session of the user, and only that user', async (t) => {
  const { url } = await setup(t);
  const inboxes = { ann1: new Inbox(), ann2: new Inbox(), bob: new Inbox() };
  const clients: Record<string, Awaited<ReturnType<typeof connectStompJs>>['client']> = {};
  for (const [key, user] of [
    ['ann1', 'ann'],
    ['ann2', 'ann'],
    ['bob', 'bob'],
  ] as const) {
    const { client } = await connectStompJs(`${url}?user=${user}`);
    t.after(() => client.deactivate());
    await subscribed(client, '/user/queue/position-updates', inboxes[key]);
    clients[key] = client;
  }
  clients.ann1!.publish({
    destination: '/app/trade/buy',
    body: JSON.stringify({ ticker: 'ACME', shares: 3 }),
  });
  await inboxes.ann1.waitFor(1);
  await inboxes.ann2.waitFor(1);
  assert.deepEqual(JSON.parse(inboxes.ann2.messages[0]!.body), { ticker: 'ACME', bought: 3 });
  assert.equal(inboxes.ann1.messages[0]!.headers.destination, '/user/queue/position-updates');
  // bob sends a marker to himself: if ann's update had leaked to him it would arrive first.
  clients.bob!.publish({ destination: '/app/trade/buy', body: JSON.stringify({ ticker: 'BOB', shares: 1 }) });
  await inboxes.bob.waitFor(1);
  assert.equal(JSON.parse(inboxes.bob.messages[0]!.body).ticker, 'BOB');
});

test('@SendToUser broadcast:false reaches only the originating session; @MessageExceptionHandler answers errors', async (t) => {
  const { url } = await setup(t);
  const updates = [new Inbox(), new Inbox()];
  const errors = [new Inbox(), new Inbox()];
  const clients = [];
  for (let i = 0; i < 2; i++) {
    const { client } = await connectStompJs(`${url}?user=ann`);
    t.after(() => client.deactivate());
    await subscribed(client, '/user/queue/position-updates', updates[i]!);
    await subscribed(client, '/user/queue/errors', errors[i]!);
    clients.push(client);
  }
  clients[0]!.publish({
    destination: '/app/trade/sell',
    body: JSON.stringify({ ticker: 'ACME', shares: 500 }),
  });
  await errors[0]!.waitFor(1);
  assert.match(JSON.parse(errors[0]!.messages[0]!.body).error, /cannot sell 500/);
  clients[0]!.publish({
    destination: '/app/trade/sell',
    body: JSON.stringify({ ticker: 'ACME', shares: 2 }),
  });
  await updates[0]!.waitFor(1);
  assert.deepEqual(JSON.parse(updates[0]!.messages[0]!.body), { ticker: 'ACME', sold: 2 });
  // The second session of the same user got neither the error nor the update: send it its own and check it is first.
  clients[1]!.publish({ destination: '/app/trade/sell', body: JSON.stringify({ ticker: 'TWO', shares: 1 }) });
  await updates[1]!.waitFor(1);
  assert.equal(JSON.parse(updates[1]!.messages[0]!.body).ticker, 'TWO');
  assert.equal(errors[1]!.count, 0);
});

test('@SubscribeMapping replies to the subscriber only, without a broker subscription', async (t) => {
  const { url, server } = await setup(t);
  const { client } = await connectStompJs(`${url}?user=ann`);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  const subscription = client.subscribe('/app/trade/positions', inbox.push);
  await inbox.waitFor(1);
  assert.deepEqual(JSON.parse(inbox.messages[0]!.body), { user: 'ann', held: 10 });
  assert.equal(inbox.messages[0]!.headers.subscription, subscription.id);
  assert.equal(simpleBrokerStats(server).subscriptions, 0);
  subscription.unsubscribe();
  // UNSUBSCRIBE of an application subscription is accepted (no ERROR): a later round trip works.
  const echo = new Inbox();
  await subscribed(client, '/topic/after', echo);
});

test('@SendTo with a destination variable, from an async handler, with the user from the handshake', async (t) => {
  const { url } = await setup(t);
  const { client } = await connectStompJs(`${url}?user=ann`);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/topic/rooms.7', inbox);
  client.publish({
    destination: '/app/trade/room.7',
    body: 'hello',
    headers: { 'content-type': 'text/plain' },
  });
  await inbox.waitFor(1);
  assert.equal(inbox.messages[0]!.body, 'ann in 7: hello');
});

test('validation failure is reported to the client with the field names', async (t) => {
  const { url } = await setup(t);
  const client = await RawStompClient.connect(`${url}?user=ann`);
  client.sendFrame(
    'SEND',
    { destination: '/app/trade/buy', 'content-type': 'application/json' },
    '{"ticker":1}',
  );
  const error = await client.next('ERROR');
  assert.equal(error.headers.code, 'ERR_MESSAGE_REJECTED');
  assert.match(error.headers.message ?? '', /ticker: Expected string; shares: Expected number/);
});

test('a payload that is not valid JSON for a JSON handler gets an ERROR naming the destination', async (t) => {
  const { url } = await setup(t);
  const client = await RawStompClient.connect(url);
  client.sendFrame('SEND', { destination: '/app/trade/buy', 'content-type': 'application/json' }, '{nope');
  const error = await client.next('ERROR');
  assert.equal(error.headers.code, 'ERR_MESSAGE_REJECTED');
  assert.match(error.headers.message ?? '', /\/app\/trade\/buy.*not valid JSON/);
});

test('template.convertAndSendToUser reaches the user; false for a user who is not connected', async (t) => {
  const { url, server } = await setup(t);
  const { client } = await connectStompJs(`${url}?user=carol`);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/user/queue/alerts', inbox);
  assert.equal(await server.template.convertAndSendToUser('carol', '/queue/alerts', { level: 'high' }), true);
  assert.equal(await server.template.convertAndSendToUser('nobody', '/queue/alerts', 'x'), false);
  await inbox.waitFor(1);
  assert.deepEqual(JSON.parse(inbox.messages[0]!.body), { level: 'high' });
  assert.equal(inbox.messages[0]!.headers.destination, '/user/queue/alerts');
});

test('a client SEND to /user/{name}/... reaches that user; to an unknown user it is dropped without an error', async (t) => {
  const { url } = await setup(t);
  const { client: dave } = await connectStompJs(`${url}?user=dave`);
  t.after(() => dave.deactivate());
  const inbox = new Inbox();
  await subscribed(dave, '/user/queue/dm', inbox);
  const sender = await RawStompClient.connect(`${url}?user=erin`);
  await sender.request('SEND', { destination: '/user/ghost/queue/dm' }, 'lost');
  await sender.request('SEND', { destination: '/user/dave/queue/dm' }, 'hi dave');
  await inbox.waitFor(1);
  assert.equal(inbox.messages[0]!.body, 'hi dave');
  assert.equal(sender.frames.filter((f) => f.command === 'ERROR').length, 0);
});

test('session events fire: connect, connected, subscribe, unsubscribe, disconnect (once, with the close code)', async (t) => {
  const { url, server } = await setup(t);
  const seen: string[] = [];
  server.on('connect', (e) => seen.push(`connect:${e.user?.name}`));
  server.on('connected', (e) => seen.push(`connected:${e.user?.name}`));
  server.on('subscribe', (e) => seen.push(`subscribe:${e.destination}`));
  server.on('unsubscribe', (e) => seen.push(`unsubscribe:${e.subscriptionId}`));
  server.on('disconnect', (e) => seen.push(`disconnect:${e.closeCode}`));
  const client = await RawStompClient.connect(`${url}?user=fay`);
  await client.request('SUBSCRIBE', { id: 's1', destination: '/topic/x' });
  assert.deepEqual(server.users.getUser('fay')?.sessions.size, 1);
  await client.request('UNSUBSCRIBE', { id: 's1' });
  client.sendFrame('DISCONNECT', { receipt: 'bye' });
  await client.closed;
  await eventually(() => seen.includes('disconnect:1000'), 5000, 'disconnect event');
  assert.deepEqual(seen, [
    'connect:fay',
    'connected:fay',
    'subscribe:/topic/x',
    'unsubscribe:s1',
    'disconnect:1000',
  ]);
  assert.equal(server.users.getUser('fay'), undefined);
});

test('async handlers with random delays keep per-session order over 1 000 frames', async (t) => {
  const { url, server } = await startServer(t);
  let seed = 5;
  server.handlers.map('/ordered', async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, (seed = (seed * 16807) % 2147483647) % 3));
    return ctx.payload;
  });
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/topic/ordered', inbox);
  for (let i = 0; i < 1000; i++) client.publish({ destination: '/app/ordered', body: String(i) });
  await inbox.waitFor(1000, 30000);
  assert.deepEqual(
    inbox.messages.map((m) => Number(m.body)),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test('a handler that never resolves frees the session queue after handlerTimeout, with a WARN', async (t) => {
  const logger = new RecordingLogger();
  const { url, server } = await startServer(t, { limits: { handlerTimeout: 100 }, logger });
  server.handlers.map('/stuck', () => new Promise(() => {}));
  const client = await RawStompClient.connect(url);
  await client.request('SUBSCRIBE', { id: 's', destination: '/topic/after' });
  client.sendFrame('SEND', { destination: '/app/stuck' }, 'x');
  client.sendFrame('SEND', { destination: '/topic/after' }, 'still served');
  const next = await client.next('MESSAGE');
  assert.equal(next.body.toString(), 'still served');
  const warning = logger.find('warn', /did not finish in time/);
  assert.equal(warning?.meta?.destination, '/app/stuck');
  assert.equal(warning?.meta?.handlerTimeout, 100);
});

test('a SEND to a user who is not connected is dropped with a WARN naming the user', async (t) => {
  const logger = new RecordingLogger();
  const { url } = await startServer(t, { logger });
  const client = await RawStompClient.connect(url);
  await client.request('SEND', { destination: '/user/nobody/queue/x' }, 'lost');
  const warning = logger.find('warn', /No session for user destination/);
  assert.equal(warning?.meta?.user, 'nobody');
  assert.equal(warning?.meta?.destination, '/user/nobody/queue/x');
});

test('the template publishes from a timer', async (t) => {
  const { url, server } = await startServer(t);
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/topic/clock', inbox);
  let n = 0;
  const timer = setInterval(() => void server.template.convertAndSend('/topic/clock', { tick: ++n }), 5);
  t.after(() => clearInterval(timer));
  await inbox.waitFor(3);
  assert.deepEqual(
    inbox.messages.slice(0, 3).map((m) => (JSON.parse(m.body) as { tick: number }).tick),
    [1, 2, 3],
  );
});

test('a CONNECT authenticator sets the user from CONNECT headers, or refuses with an ERROR', async (t) => {
  const logger = new RecordingLogger();
  const { url, server } = await startServer(t, {
    logger,
    authenticate: async ({ login, passcode }) => {
      await Promise.resolve();
      if (login === undefined) return undefined;
      if (passcode !== `secret-${login}`) throw new Error('bad credentials');
      return { name: login };
    },
  });
  const ok = await RawStompClient.open(url);
  ok.send('CONNECT\naccept-version:1.2\nhost:x\nlogin:gus\npasscode:secret-gus\n\n\0');
  assert.equal((await ok.next('CONNECTED')).headers['user-name'], 'gus');
  assert.equal(server.users.getUser('gus')?.sessions.size, 1);

  const bad = await RawStompClient.open(url);
  bad.send('CONNECT\naccept-version:1.2\nhost:x\nlogin:gus\npasscode:guess\n\n\0');
  const error = await bad.next('ERROR');
  assert.match(error.headers.message ?? '', /Authentication failed: bad credentials/);
  await bad.closed;
  assert.equal(
    logger.entries.some((e) => JSON.stringify(e).includes('guess')),
    false,
    'the passcode is never logged',
  );

  const anonymous = await RawStompClient.connect(url);
  assert.equal(anonymous.frames.length, 0);
});

test('broker availability events fire when the broker stops', async (t) => {
  const { server } = await startServer(t);
  const seen: boolean[] = [];
  server.on('brokerAvailability', (e) => seen.push(e.available));
  assert.equal(server.broker.available, true);
  await server.close();
  assert.deepEqual(seen, [false]);
});
