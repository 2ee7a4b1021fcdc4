import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { eventually, startServer, within } from '../helpers/server.js';
import { createStompServer } from '../../src/index.js';

/** Attempts a handshake; resolves to the HTTP status of a refusal, or 101 and the accepted protocol. */
function handshake(
  url: string,
  options: { origin?: string; protocols?: string[]; headers?: Record<string, string> } = {},
) {
  return within(
    new Promise<{ status: number; protocol?: string }>((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols, { origin: options.origin, headers: options.headers });
      ws.once('open', () => {
        resolve({ status: 101, protocol: ws.protocol });
        ws.close();
      });
      ws.once('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode ?? 0 });
        res.resume();
      });
      ws.once('error', reject);
    }),
    5000,
    'handshake',
  );
}

test('same-origin by default: a foreign Origin gets 403, the own origin and no Origin pass', async (t) => {
  const { url, port } = await startServer(t);
  assert.equal((await handshake(url, { origin: 'http://evil.example' })).status, 403);
  assert.equal((await handshake(url, { origin: `http://127.0.0.1:${port}` })).status, 101);
  assert.equal((await handshake(url)).status, 101);
});

test('allowed origins and origin patterns', async (t) => {
  const { url } = await startServer(t, {
    allowedOrigins: ['https://app.example.com'],
    allowedOriginPatterns: ['https://*.trusted.io'],
  });
  assert.equal((await handshake(url, { origin: 'https://app.example.com' })).status, 101);
  assert.equal((await handshake(url, { origin: 'https://eu.trusted.io' })).status, 101);
  assert.equal((await handshake(url, { origin: 'https://trusted.io.evil.com' })).status, 403);
});

test('sub-protocol negotiation: v12.stomp chosen; an unknown protocol still connects with none', async (t) => {
  const { url } = await startServer(t);
  assert.equal((await handshake(url, { protocols: ['v12.stomp', 'v10.stomp'] })).protocol, 'v12.stomp');
  assert.equal((await handshake(url, { protocols: ['v10.stomp'] })).protocol, 'v10.stomp');
  // The ws client refuses a server that answers with no protocol, so look at the raw response.
  const { port } = new URL(url);
  const response = await within(
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        path: '/stomp',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-protocol': 'mqtt',
        },
      });
      req.once('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res);
      });
      req.once('error', reject);
      req.end();
    }),
    5000,
    'raw upgrade',
  );
  assert.equal(response.statusCode, 101);
  assert.equal(response.headers['sec-websocket-protocol'], undefined);
});

test('handshake interceptors: reject with a status, or set attributes and the user', async (t) => {
  const { url, server } = await startServer(t, {
    handshakeInterceptors: [
      {
        beforeHandshake(request) {
          const token = request.query.get('token') ?? request.cookies.token;
          if (token === undefined) return { reject: { status: 401, reason: 'token required' } };
          if (token === 'banned') return false;
          request.setPrincipal({ name: `user-${token}` });
          request.attributes.set('tenant', 'acme');
          return true;
        },
      },
    ],
  });
  server.handlers.map('/whoami', (ctx) => ({
    user: ctx.user?.name,
    tenant: ctx.sessionAttributes.get('tenant'),
  }));
  assert.equal((await handshake(url)).status, 401);
  assert.equal((await handshake(`${url}?token=banned`)).status, 403);

  const client = await RawStompClient.open(`${url}?token=ann`);
  client.send('CONNECT\naccept-version:1.2\nhost:x\n\n\0');
  const connected = await client.next('CONNECTED');
  assert.equal(connected.headers['user-name'], 'user-ann');
  await client.request('SUBSCRIBE', { id: 's', destination: '/topic/whoami' });
  client.sendFrame('SEND', { destination: '/app/whoami' });
  const reply = await client.next('MESSAGE');
  assert.deepEqual(JSON.parse(reply.body.toString()), { user: 'user-ann', tenant: 'acme' });
  client.close();

  const cookieClient = await RawStompClient.open(url, undefined, { cookie: 'token=bob' });
  cookieClient.send('CONNECT\naccept-version:1.2\nhost:x\n\n\0');
  assert.equal((await cookieClient.next('CONNECTED')).headers['user-name'], 'user-bob');
  cookieClient.close();
});

test('an unknown path gets 404', async (t) => {
  const { url } = await startServer(t);
  assert.equal((await handshake(url.replace('/stomp', '/nope'))).status, 404);
});

test('a WebSocket message over maxWebSocketMessageSize closes with 1009', async (t) => {
  const { url, server } = await startServer(t, { limits: { maxWebSocketMessageSize: 4096 } });
  const client = await RawStompClient.connect(url);
  client.send(Buffer.alloc(8192, 0x61));
  assert.equal((await client.closed).code, 1009);
  await within(
    new Promise<void>((resolve) => {
      const check = (): void => (server.sessionCount === 0 ? resolve() : void setImmediate(check));
      check();
    }),
    5000,
    'session cleanup',
  );
});

test('attaches to an HTTP server the application owns, sharing its port with plain routes', async (t) => {
  const httpServer = http.createServer((_req, res) => res.end('app route'));
  const stomp = createStompServer({ server: httpServer, heartbeat: [0, 0] });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await stomp.close();
    await new Promise((resolve) => httpServer.close(resolve));
  });
  const { port } = httpServer.address() as AddressInfo;
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'app route');
  const client = await RawStompClient.connect(`ws://127.0.0.1:${port}/stomp`);
  await client.request('SUBSCRIBE', { id: 's', destination: '/topic/shared' });
  client.close();
});

test('server.close() closes sessions with 1001', async (t) => {
  const { url, server } = await startServer(t);
  const client = await RawStompClient.connect(url);
  await server.close();
  assert.equal((await client.closed).code, 1001);
});

/** Sends a hand-made upgrade request with `host` as its Host header; resolves to the status line. */
function rawUpgrade(port: number, host: string, t: { after(fn: () => void): void }): Promise<string> {
  return within(
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write(
          `GET /stomp HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ),
      );
      t.after(() => socket.destroy());
      socket.once('data', (data) => resolve(data.toString('latin1').split('\r\n', 1)[0]!));
      socket.once('error', reject);
    }),
    5000,
    'the answer to the upgrade',
  );
}

for (const interceptors of [false, true]) {
  test(`a Host header that is no valid host is upgraded, session.uri falls back to localhost (interceptors: ${interceptors})`, async (t) => {
    const { server, port } = await startServer(t, {
      handshakeInterceptors: interceptors ? [{ beforeHandshake: () => true }] : [],
    });
    assert.equal(await rawUpgrade(port, 'a b', t), 'HTTP/1.1 101 Switching Protocols');
    await eventually(() => server.sessions.size === 1, 5000, 'the session');
    const [session] = [...server.sessions];
    assert.equal(session!.uri.host, 'localhost');
    assert.equal(session!.uri.pathname, '/stomp');
    assert.equal(session!.handshakeHeaders.host, 'a b');
  });
}
