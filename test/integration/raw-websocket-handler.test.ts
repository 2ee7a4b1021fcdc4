import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import SockJS from 'sockjs-client';
import WebSocket from 'ws';
import type { Session, WebSocketHandler } from '../../src/index.js';
import { OutboundMessage, attachWebSocketHandlers } from '../../src/index.js';
import { eventually, within } from '../helpers/server.js';

/** Attaches `registrations` to `server`, listens on a free port, and closes it all after the test. */
async function listen(
  t: TestContext,
  server: http.Server,
  registrations: Parameters<typeof attachWebSocketHandlers>[1],
): Promise<number> {
  const handlers = attachWebSocketHandlers(server, registrations);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await handlers.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

test('a raw WebSocket handler (no STOMP) over WebSocket and SockJS, with the session seam', async (t) => {
  const opened: Session[] = [];
  const closed: [string, number][] = [];
  const handler: WebSocketHandler = {
    onOpen: (session) => void opened.push(session),
    onMessage: (session, data, isBinary) => {
      if (data.toString() === 'bye') return session.close(4000, 'asked to leave');
      session.send(new OutboundMessage(data, isBinary));
    },
    onClose: (session, code) => void closed.push([session.transport, code]),
  };
  const port = await listen(
    t,
    http.createServer((_req, res) => res.end('app')),
    [
      {
        path: '/echo',
        handler,
        sockjs: true,
        handshakeInterceptors: [
          {
            beforeHandshake(request) {
              request.setPrincipal({ name: request.query.get('user') ?? 'anon' });
              request.attributes.set('ip', request.remoteAddress);
              return true;
            },
          },
        ],
      },
    ],
  );
  assert.equal(
    await (await fetch(`http://127.0.0.1:${port}/other`)).text(),
    'app',
    'other routes reach the app',
  );

  // Plain WebSocket: text and binary echo, then a server-side close with a code.
  const ws = new WebSocket(`ws://127.0.0.1:${port}/echo?user=ann`);
  const messages: [string, boolean][] = [];
  ws.on('message', (data: Buffer, isBinary) =>
    messages.push([isBinary ? data.toString('hex') : data.toString(), isBinary]),
  );
  await within(new Promise((resolve) => ws.on('open', resolve)), 5000, 'open');
  ws.send('hello ✓');
  ws.send(Buffer.from([0, 1, 255]));
  await within(
    new Promise<void>((resolve) => {
      const check = (): void => (messages.length >= 2 ? resolve() : void setTimeout(check, 5));
      check();
    }),
    5000,
    'two echoes',
  );
  assert.deepEqual(messages, [
    ['hello ✓', false],
    ['0001ff', true],
  ]);
  const session = opened[0]!;
  assert.equal(session.principal?.name, 'ann');
  assert.equal(session.attributes.get('ip'), '127.0.0.1');
  assert.equal(session.uri.pathname, '/echo');
  assert.equal(session.transport, 'websocket');
  const closedWith = new Promise<[number, string]>((resolve) =>
    ws.on('close', (code, reason) => resolve([code, reason.toString()])),
  );
  ws.send('bye');
  assert.deepEqual(await within(closedWith, 5000, 'server close'), [4000, 'asked to leave']);

  // The same handler over SockJS (xhr-streaming): same seam, text messages.
  const sock = new SockJS(`http://127.0.0.1:${port}/echo?user=bob`, undefined, {
    transports: ['xhr-streaming'],
  });
  const echoed = within(
    new Promise<string>((resolve) => {
      sock.onopen = () => sock.send('over sockjs \u2028 😀');
      sock.onmessage = (event: { data: string }) => resolve(event.data);
    }),
    5000,
    'sockjs echo',
  );
  assert.equal(await echoed, 'over sockjs \u2028 😀');
  const sockSession = opened[1]!;
  assert.equal(sockSession.transport, 'xhr_streaming');
  assert.equal(sockSession.principal?.name, 'bob');
  sock.close();
  await within(
    new Promise<void>((resolve) => {
      const check = (): void => (closed.length >= 2 ? resolve() : void setTimeout(check, 5));
      check();
    }),
    10000,
    'both sessions closed',
  );
  assert.deepEqual(
    closed.map(([transport]) => transport),
    ['websocket', 'xhr_streaming'],
  );
});

test('close() behind a backed-up socket: everything queued is delivered first, then the close with its code', async (t) => {
  const COUNT = 64;
  const body = Buffer.alloc(64 * 1024, 0x61);
  let serverSession: Session | undefined;
  let backedUp = false;
  const handler: WebSocketHandler = {
    onOpen: (session) => (serverSession = session),
    onMessage: (session) => {
      // The client has stopped reading: 4 MiB overflow the kernel buffers into the session's queue.
      for (let i = 0; i < COUNT; i++)
        session.send(new OutboundMessage(Buffer.concat([Buffer.from(`${i}:`), body])));
      backedUp = session.bufferedAmount > 0;
      session.close(4001, 'done');
    },
  };
  const port = await listen(t, http.createServer(), [
    { path: '/flood', handler, limits: { sendBufferLimit: 16 * 1024 * 1024, sendTimeLimit: 10_000 } },
  ]);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/flood`);
  await within(new Promise((resolve) => ws.once('open', resolve)), 5000, 'open');
  const socket = (ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  const received: string[] = [];
  ws.on('message', (data: Buffer) => received.push(data.subarray(0, data.indexOf(0x3a)).toString()));
  const closed = within(
    new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))),
    10_000,
    'close',
  );
  ws.send('go');
  await eventually(() => backedUp, 5000, 'the server to queue');
  assert.ok(serverSession?.isOpen === false, 'the session is closing');
  socket.resume();
  assert.equal(await closed, 4001);
  assert.deepEqual(
    received,
    Array.from({ length: COUNT }, (_, i) => String(i)),
  );
});
