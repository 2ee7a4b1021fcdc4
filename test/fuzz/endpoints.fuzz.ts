/**
 * Property-based tests of the HTTP-facing endpoints of a live server: random SockJS requests
 * (methods, paths, headers, bodies) and random WebSocket messages to the STOMP endpoint. Every
 * request gets an answer (status and headers) in bounded time, no uncaught exception, the
 * server keeps serving real clients, sessions are all gone afterwards, and memory stays bounded.
 * FUZZ_RUNS sets the number of cases (each is a request, so this runs a fifth as many).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import WebSocket from 'ws';
import { createStompServer } from '../../src/index.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { connectOverSockJs } from '../helpers/security.js';
import { eventually, within } from '../helpers/server.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

const RUNS = Math.max(20, Math.floor(Number(process.env.FUZZ_RUNS ?? 300) / 5));
const ANSWER_MS = 2000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let uncaught: unknown;
process.on('uncaughtException', (error) => (uncaught ??= error));

/** One HTTP request; resolves with the status once headers arrive (streams are then dropped). */
function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      });
      req.on('error', reject);
      req.end(body.length > 0 ? body : undefined);
    }),
    ANSWER_MS,
    `an answer to ${method} ${path}`,
  );
}

const segment = fc.oneof(
  fc.constantFrom('000', 'abc', 'a.b', '', '..', '%2F', 'x'.repeat(300), 'é', '{}', 'iframe.html', 'info'),
  fc.stringMatching(/^[a-z0-9._-]{0,12}$/),
);
const transport = fc.constantFrom(
  'xhr',
  'xhr_send',
  'xhr_streaming',
  'eventsource',
  'htmlfile',
  'jsonp',
  'jsonp_send',
  'websocket',
  'nope',
  // Not transports, but names every plain object answers to.
  'toString',
  '__proto__',
  'constructor',
);
const path = fc
  .oneof(
    fc.tuple(segment, segment, transport).map(([server, session, t]) => `/stomp/${server}/${session}/${t}`),
    fc.array(segment, { maxLength: 5 }).map((parts) => `/stomp/${parts.join('/')}`),
    fc.constantFrom('/stomp', '/stomp/', '/stomp/info', '/stomp/iframe.html', '/stomp/iframe-1.0.html'),
  )
  .chain((p) =>
    fc
      .option(
        fc.constantFrom(
          '?c=cb',
          '?c=',
          '?c=alert(1)',
          '?c=%0a',
          '?callback=x.y',
          '?t=1',
          '?c=' + 'a'.repeat(500),
        ),
        { nil: '' },
      )
      .map((q) => p + q),
  );
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'x/y',
    ),
    origin: fc.constantFrom('http://evil.example', 'null', 'http://127.0.0.1', 'file://'),
    cookie: fc.constantFrom('JSESSIONID=x', 'a=b; c', '==', ''),
    'if-none-match': fc.constantFrom('"x"', '*'),
    'access-control-request-headers': fc.constantFrom('x-a', 'content-type'),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
  fc
    .array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 5 })
    .map((messages) => Buffer.from(JSON.stringify(messages))),
  fc
    .constantFrom('[', '["a"', '[1,2]', '{}', 'd=', 'd=%5B%22x%22%5D', '[""]', 'null')
    .map((s) => Buffer.from(s)),
  fc.constant(Buffer.alloc(0)),
);

void test(`SockJS endpoints under random requests: always answered in bounded time, nothing thrown, still serving, nothing left (${RUNS} runs)`, async (t) => {
  const logger = new RecordingLogger();
  const server = createStompServer({
    heartbeat: [0, 0],
    sockjs: { disconnectDelay: 100 },
    allowedOrigins: ['http://127.0.0.1'],
    logger,
  });
  const { port, url } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  gc();
  const heapBefore = process.memoryUsage().heapUsed;

  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'HEAD'),
      path,
      headers,
      body,
      async (method, p, h, b) => {
        const status = await request(
          port,
          method,
          p,
          h,
          method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : b,
        );
        assert.ok(status >= 100 && status < 600, `status ${status}`);
        // 500 is what the SockJS protocol answers for a bad JSONP callback or payload; nothing else may be.
        if (status === 500) assert.match(p, /jsonp|htmlfile|xhr_send/);
      },
    ),
    { numRuns: RUNS },
  );

  // Still serving real clients, over WebSocket and SockJS.
  const { client } = await connectStompJs(url);
  t.after(() => client.deactivate());
  const inbox = new Inbox();
  await subscribed(client, '/topic/after-fuzz', inbox);
  const sockjs = await connectOverSockJs(`http://127.0.0.1:${port}/stomp`, 'xhr-streaming');
  sockjs.client.publish({ destination: '/topic/after-fuzz', body: 'alive' });
  await inbox.waitFor(1);
  await sockjs.client.deactivate();
  await client.deactivate();
  await eventually(() => server.sessionCount === 0, 5000, 'every session to be gone');
  assert.equal(uncaught, undefined);
  assert.equal(
    logger.entries.filter((e) => e.level === 'error').length,
    0,
    JSON.stringify(logger.entries.find((e) => e.level === 'error')),
  );
  gc();
  const grown = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  assert.ok(grown < 64, `heap grew ${grown.toFixed(1)} MiB`);
});

void test(`STOMP over WebSocket under random messages: ERROR and close or valid frames, never a crash (${RUNS} runs)`, async (t) => {
  const server = createStompServer({ heartbeat: [0, 0], limits: { maxFrameSize: 4096 } });
  const { url } = await server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  const connect = 'CONNECT\naccept-version:1.2\nhost:h\n\n\0';
  const message = fc.oneof(
    fc.uint8Array({ maxLength: 6000 }).map((b) => Buffer.from(b)),
    fc
      .array(
        fc.constantFrom(
          'SEND\n',
          'SUBSCRIBE\n',
          'destination:/topic/x\n',
          'id:1\n',
          '\n',
          ':',
          '\\',
          '\0',
          'content-length:3\n',
          'ACK\n',
          'x',
        ),
        { maxLength: 60 },
      )
      .map((parts) => Buffer.from(parts.join(''))),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.array(message, { minLength: 1, maxLength: 4 }),
      async (connectFirst, messages) => {
        const ws = new WebSocket(url, ['v12.stomp']);
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        ws.on('error', () => {});
        await within(new Promise((resolve) => ws.once('open', resolve)), ANSWER_MS, 'open');
        if (connectFirst) ws.send(connect);
        for (const m of messages) ws.send(m);
        // A well-formed end: DISCONNECT with a receipt, then a ping. The server either closes
        // because of the input, or, when the input ended inside a frame (a content-length not yet
        // reached, which legitimately waits for more bytes), still answers the ping.
        ws.send('DISCONNECT\nreceipt:bye\n\n\0');
        const pong = new Promise<'pong'>((resolve) => ws.once('pong', () => resolve('pong')));
        ws.ping();
        const answer = await within(Promise.race([closed, pong]), ANSWER_MS, 'a close or a pong');
        if (answer === 'pong') return void ws.terminate();
        assert.ok([1000, 1002, 1005, 1006, 1009].includes(answer), `close code ${answer}`);
      },
    ),
    { numRuns: RUNS },
  );
  await eventually(() => server.sessionCount === 0, 5000, 'every session to be gone');
  assert.equal(uncaught, undefined);
});
