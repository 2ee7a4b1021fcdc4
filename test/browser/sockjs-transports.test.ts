/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StompServer } from '../../src/index.js';
import { launchChromium } from '../helpers/browser.js';
import { startServer } from '../helpers/server.js';

const require = createRequire(import.meta.url);
const stompBundle = readFileSync(
  path.join(path.dirname(require.resolve('@stomp/stompjs')), 'stomp.umd.min.js'),
);

/**
 * A page that connects @stomp/stompjs through SockJS forced onto one transport and does a round
 * trip, against the endpoint at `endpoint` ('' for its own origin). It loads the SockJS client
 * from the endpoint, as the iframe does: the two must be the same version.
 */
const page = (endpoint: string): string => `<!doctype html><html><head><meta charset="utf-8"></head><body>
<script src="${endpoint}/stomp/sockjs.min.js"></script>
<script src="/lib/stomp.umd.min.js"></script>
<script>
  window.roundTrip = (transport) => new Promise((resolve, reject) => {
    const client = new StompJs.Client({
      webSocketFactory: () => new SockJS('${endpoint}/stomp', null, { transports: [transport] }),
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
    client.onWebSocketClose = (event) => reject(new Error('closed ' + event.code + ' ' + event.reason));
    client.activate();
  });
  // Frames the endpoint's iframe page; resolves on the frame's load event, refused or not.
  window.frameIframePage = () => new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.name = 'probe';
    frame.onload = () => resolve();
    frame.src = '${endpoint}/stomp/iframe.html';
    document.body.appendChild(frame);
  });
</script></body></html>`;

/** Serves the test page (`/?endpoint=<origin>`) and the STOMP client bundle. */
const pageListener: http.RequestListener = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://page');
  if (url.pathname === '/lib/stomp.umd.min.js')
    return void res.writeHead(200, { 'content-type': 'application/javascript' }).end(stompBundle);
  if (url.pathname === '/')
    return void res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(page(url.searchParams.get('endpoint') ?? ''));
  res.writeHead(404).end();
};

/** A second HTTP server (a second origin) for the page, on port 0. */
async function startPageServer(t: TestContext): Promise<number> {
  const server = http.createServer(pageListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

async function openTab(t: TestContext, browser: Browser, url: string): Promise<Page> {
  const tab = await browser.newPage();
  t.after(() => tab.close());
  const errors: string[] = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  t.after(() => assert.deepEqual(errors, [], 'page errors'));
  await tab.goto(url);
  return tab;
}

function roundTrip(tab: Page, transport: string): Promise<{ body: string; transport: string }> {
  return tab.evaluate(
    (name) =>
      (window as unknown as { roundTrip(t: string): Promise<{ body: string; transport: string }> }).roundTrip(
        name,
      ),
    transport,
  );
}

/** Frames `<endpoint>/stomp/iframe.html` from the tab; true when the SockJS iframe page ran in it. */
async function iframePageRuns(tab: Page): Promise<boolean> {
  await tab.evaluate(() => (window as unknown as { frameIframePage(): Promise<void> }).frameIframePage());
  const frame = tab.frame({ name: 'probe' });
  assert.ok(frame, 'the probe frame');
  return frame.evaluate(() => typeof (window as unknown as { SockJS?: unknown }).SockJS === 'function');
}

const sessionsOpened = (server: StompServer): number =>
  Object.values(server.stats().stomp.sessions.total).reduce((a, b) => a + b, 0);

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
const IFRAME_TRANSPORTS = TRANSPORTS.filter((name) => name.startsWith('iframe-'));

test('Chromium completes a STOMP round trip over every SockJS transport', async (t) => {
  const { server, port } = await startServer(t, { sockjs: true, requestListener: pageListener });
  server.handlers.map('/echo', (ctx) => ctx.payload);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const tab = await openTab(t, browser, `http://127.0.0.1:${port}/`);
  for (const transport of TRANSPORTS) {
    await t.test(transport, async () => {
      const result = await roundTrip(tab, transport);
      assert.equal(result.body, `round trip via ${transport} ✓`);
      assert.equal(result.transport, transport);
    });
  }
});

// The iframe transports exist for pages on another origin: the page frames the endpoint's
// iframe.html, which talks to the endpoint same-origin and to the page by postMessage.
test("a page on another origin completes a round trip over each iframe transport (allowedOrigins '*')", async (t) => {
  const { server, port } = await startServer(t, { sockjs: true, allowedOrigins: ['*'] });
  server.handlers.map('/echo', (ctx) => ctx.payload);
  const pagePort = await startPageServer(t);
  const browser = await launchChromium();
  t.after(() => browser.close());
  // localhost and 127.0.0.1 are different origins (and sites): nothing here is same-origin.
  const tab = await openTab(t, browser, `http://localhost:${pagePort}/?endpoint=http://127.0.0.1:${port}`);
  for (const transport of IFRAME_TRANSPORTS) {
    await t.test(transport, async () => {
      const result = await roundTrip(tab, transport);
      assert.equal(result.body, `round trip via ${transport} ✓`);
      assert.equal(result.transport, transport);
    });
  }
  assert.equal(await iframePageRuns(tab), true);
});

test('with a list of origins, a listed page frames the iframe and connects; another is refused', async (t) => {
  const pagePort = await startPageServer(t);
  const { server, port } = await startServer(t, {
    sockjs: true,
    allowedOrigins: [`http://localhost:${pagePort}`],
  });
  server.handlers.map('/echo', (ctx) => ctx.payload);
  const browser = await launchChromium();
  t.after(() => browser.close());
  const endpoint = `http://127.0.0.1:${port}`;

  const listed = await openTab(t, browser, `http://localhost:${pagePort}/?endpoint=${endpoint}`);
  for (const transport of IFRAME_TRANSPORTS) {
    await t.test(`listed origin: ${transport}`, async () => {
      const result = await roundTrip(listed, transport);
      assert.equal(result.body, `round trip via ${transport} ✓`);
      assert.equal(result.transport, transport);
    });
  }
  assert.equal(await iframePageRuns(listed), true);

  // The same page server under another name is another origin, not in the list.
  const opened = sessionsOpened(server);
  const other = await openTab(t, browser, `http://127.0.0.1:${pagePort}/?endpoint=${endpoint}`);
  assert.equal(await iframePageRuns(other), false, 'the browser must refuse to frame the iframe page');
  for (const transport of IFRAME_TRANSPORTS) {
    await t.test(`unlisted origin: ${transport} does not connect`, async () => {
      await assert.rejects(roundTrip(other, transport), /closed \d+/);
    });
  }
  assert.equal(sessionsOpened(server), opened, 'no STOMP session from the unlisted origin');
});
