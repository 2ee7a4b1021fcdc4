/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { startServer } from '../helpers/server.js';

const require = createRequire(import.meta.url);
const stompBundle = readFileSync(
  path.join(path.dirname(require.resolve('@stomp/stompjs')), 'stomp.umd.min.js'),
);

/** A page that connects @stomp/stompjs through SockJS forced onto one transport and does a round trip. */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<script src="/stomp/sockjs.min.js"></script>
<script src="/lib/stomp.umd.min.js"></script>
<script>
  window.roundTrip = (transport) => new Promise((resolve, reject) => {
    const client = new StompJs.Client({
      webSocketFactory: () => new SockJS('/stomp', null, { transports: [transport] }),
      reconnectDelay: 0, heartbeatIncoming: 0, heartbeatOutgoing: 0,
    });
    client.onConnect = () => {
      client.subscribe('/topic/echo', (message) => {
        const used = client.webSocket && client.webSocket.transport;
        client.deactivate();
        resolve({ body: message.body, transport: used });
      });
      client.publish({ destination: '/app/echo', body: 'round trip via ' + transport + ' ✓' });
    };
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.onWebSocketClose = (event) => reject(new Error('closed ' + event.code));
    client.activate();
  });
</script></body></html>`;

const page: http.RequestListener = (req, res) => {
  if (req.url === '/lib/stomp.umd.min.js')
    return void res.writeHead(200, { 'content-type': 'application/javascript' }).end(stompBundle);
  if (req.url === '/')
    return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  res.writeHead(404).end();
};

const TRANSPORTS = [
  'websocket',
  'xhr-streaming',
  'xhr-polling',
  'eventsource',
  'iframe-eventsource',
  'iframe-htmlfile',
  'iframe-xhr-polling',
  'jsonp-polling',
];

test('Chromium completes a STOMP round trip over every SockJS transport', async (t) => {
  const { server, port } = await startServer(t, { sockjs: true, requestListener: page });
  server.handlers.map('/echo', (ctx) => ctx.payload);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  await tab.goto(`http://127.0.0.1:${port}/`);
  for (const transport of TRANSPORTS) {
    await t.test(transport, async () => {
      const result = await tab.evaluate(
        (name) =>
          (
            window as unknown as { roundTrip(t: string): Promise<{ body: string; transport: string }> }
          ).roundTrip(name),
        transport,
      );
      assert.equal(result.body, `round trip via ${transport} ✓`);
      assert.equal(result.transport, transport);
    });
  }
  assert.deepEqual(errors, []);
});
