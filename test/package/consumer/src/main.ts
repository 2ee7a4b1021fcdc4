// A strict consumer of the packed package: both entry points, run against a live server.
import assert from 'node:assert/strict';
import { Client, type IMessage } from '@stomp/stompjs';
import { createStompServer, type AuthorizationRule, type StompServerStats } from 'switchboard';
import { connectTestClient } from 'switchboard/testing';
import { ChatController } from './chat-controller.js';

function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const rules: AuthorizationRule[] = [
  { type: 'CONNECT', allow: 'authenticated' },
  { type: 'SUBSCRIBE', destination: '/topic/rooms.*', allow: 'authenticated' },
  { type: 'SUBSCRIBE', destination: '/user/queue/**', allow: true },
  { type: 'SUBSCRIBE', destination: '/app/rooms/*/welcome', allow: true },
  { type: 'SEND', destination: '/app/rooms/*', allow: (context) => context.user?.name !== 'mallory' },
];

const server = createStompServer({
  path: '/stomp',
  applicationPrefixes: ['/app'],
  broker: { prefixes: ['/topic', '/queue'] },
  authenticate: ({ login, passcode }) => {
    if (login === undefined || passcode !== `${login}-secret`) throw new Error('bad credentials');
    return { name: login };
  },
  authorization: rules,
});
server.handlers.register(new ChatController());

try {
  // switchboard/testing: the in-memory client, no socket.
  const alice = await connectTestClient(server, {
    connectHeaders: { login: 'alice', passcode: 'alice-secret' },
  });
  await alice.subscribe('/topic/rooms.lobby');
  alice.send('/app/rooms/lobby', { text: 'hello' });
  assert.deepEqual((await alice.nextMessage('/topic/rooms.lobby')).json(), {
    from: 'alice',
    room: 'lobby',
    text: 'hello',
  });
  alice.send('/app/rooms/lobby', { text: '' }); // the zod schema says min(1)
  assert.equal((await alice.nextError()).headers['code'], 'ERR_MESSAGE_REJECTED');

  // A live server and a real STOMP client over a real WebSocket.
  const { url } = await server.listen(0);
  const bob = new Client({
    brokerURL: url,
    connectHeaders: { login: 'bob', passcode: 'bob-secret' },
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
  });
  await within(
    new Promise<void>((resolve, reject) => {
      bob.onConnect = () => resolve();
      bob.onStompError = (frame) => reject(new Error(`STOMP ERROR: ${frame.headers['message']}`));
      bob.onWebSocketError = () => reject(new Error('WebSocket error'));
      bob.activate();
    }),
    'CONNECTED',
  );
  const next = (destination: string): Promise<IMessage> =>
    within(
      new Promise<IMessage>((resolve) => {
        const subscription = bob.subscribe(destination, (message) => {
          subscription.unsubscribe();
          resolve(message);
        });
      }),
      `a message on ${destination}`,
    );
  assert.equal((await next('/app/rooms/lobby/welcome')).body, 'welcome to lobby, bob');
  const errors = next('/user/queue/errors');
  const said = next('/topic/rooms.lobby');
  bob.publish({ destination: '/app/rooms/attic', body: JSON.stringify({ text: 'anyone?' }) });
  bob.publish({ destination: '/app/rooms/lobby', body: JSON.stringify({ text: 'hi alice' }) });
  assert.deepEqual(JSON.parse((await errors).body), { error: 'room attic is closed' });
  assert.deepEqual(JSON.parse((await said).body), { from: 'bob', room: 'lobby', text: 'hi alice' });
  await bob.deactivate();

  const stats: StompServerStats = server.stats();
  assert.equal(stats.stomp.connected, 2, `CONNECTED frames: ${stats.stomp.connected}`);
  console.log('consumer ok');
} finally {
  await server.close();
}
