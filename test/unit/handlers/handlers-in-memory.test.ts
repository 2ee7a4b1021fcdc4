// Handler behaviour through the in-memory test client (switchboard/testing): no sockets, no ports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStompServer } from '../../../src/index.js';
import { connectTestClient } from '../../../src/testing/index.js';
import { TradeController } from '../../helpers/trade-controller.js';

function server() {
  const s = createStompServer({ heartbeat: [0, 0] });
  s.handlers.register(new TradeController());
  return s;
}

test('@MessageMapping + @SendToUser: the reply reaches the sending user only', async (t) => {
  const s = server();
  t.after(() => s.close());
  const alice = await connectTestClient(s, { user: { name: 'alice' } });
  const bob = await connectTestClient(s, { user: { name: 'bob' } });
  await alice.subscribe('/user/queue/position-updates');
  await bob.subscribe('/user/queue/position-updates');
  alice.send('/app/trade/sell', { ticker: 'ACME', shares: 3 });
  const reply = await alice.nextMessage('/user/queue/position-updates');
  assert.deepEqual(reply.json(), { ticker: 'ACME', sold: 3 });
  assert.equal(reply.headers['content-type'], 'application/json');
  assert.equal(bob.messages().length, 0);
});

test('@MessageExceptionHandler answers a thrown error; a payload that fails validation gets an ERROR naming the field', async (t) => {
  const s = server();
  t.after(() => s.close());
  const alice = await connectTestClient(s, { user: { name: 'alice' } });
  await alice.subscribe('/user/queue/errors');
  alice.send('/app/trade/sell', { ticker: 'ACME', shares: 100 });
  assert.deepEqual((await alice.nextMessage('/user/queue/errors')).json(), {
    error: 'cannot sell 100, holding 10',
  });

  alice.send('/app/trade/sell', { ticker: 'ACME', shares: 'many' });
  const error = await alice.nextError();
  assert.equal(error.headers.code, 'ERR_MESSAGE_REJECTED');
  assert.match(error.headers.message!, /shares/);
  await alice.session.closed;
});

test('@SendTo with a destination variable and the user; @SubscribeMapping replies to the subscriber only', async (t) => {
  const s = server();
  t.after(() => s.close());
  const alice = await connectTestClient(s, { user: { name: 'alice' } });
  const bob = await connectTestClient(s);
  await bob.subscribe('/topic/rooms.42');
  alice.send('/app/trade/room.42', 'hi');
  assert.equal((await bob.nextMessage('/topic/rooms.42')).text, 'alice in 42: hi');

  await alice.subscribe('/app/trade/positions');
  assert.deepEqual((await alice.nextMessage('/app/trade/positions')).json(), { user: 'alice', held: 10 });
  assert.equal(bob.messages('/app/trade/positions').length, 0);
});

test('the template reaches in-memory users; CONNECT authentication sees the headers', async (t) => {
  const s = createStompServer({
    heartbeat: [0, 0],
    authenticate: ({ login }) => {
      if (login !== 'carol') throw new Error('unknown user');
      return { name: login };
    },
  });
  t.after(() => s.close());
  await assert.rejects(
    connectTestClient(s, { connectHeaders: { login: 'mallory' } }),
    /Authentication failed/,
  );
  const carol = await connectTestClient(s, { connectHeaders: { login: 'carol' } });
  await carol.subscribe('/user/queue/notes');
  assert.equal(await s.template.convertAndSendToUser('carol', '/queue/notes', { n: 1 }), true);
  assert.deepEqual((await carol.nextMessage('/user/queue/notes')).json(), { n: 1 });
  await carol.disconnect();
  assert.equal(s.sessionCount, 0);
  assert.equal(s.stats().stomp.sessions.total['in-memory'], 2);
});

test('heart-beats run on the server timers, so mocked timers drive them: a silent client is closed after 3 intervals', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const s = createStompServer({ heartbeat: [1000, 1000] });
  t.after(() => s.close());
  const client = await connectTestClient(s, { heartbeat: [1000, 1000] });
  const error = client.nextError(10_000);
  t.mock.timers.tick(1000); // the server sends heart-beats at half its interval...
  assert.ok(client.heartbeats >= 1, 'a heart-beat from the server');
  t.mock.timers.tick(3000); // ...and, hearing nothing for 3 × 1000 ms, gives up
  assert.equal((await error).headers.code, 'ERR_STOMP_HEARTBEAT_TIMEOUT');
  await client.session.closed;
  assert.equal(s.stats().stomp.closes.heartbeatTimeout, 1);
});
