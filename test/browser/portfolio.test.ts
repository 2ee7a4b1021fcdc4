/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type * as StompJsModule from '@stomp/stompjs';
import type { Page } from 'playwright-core';
import { portfolioDemo } from '../../examples/portfolio/portfolio-app.js';
import { launchChromium } from '../helpers/browser.js';
import { requireRabbitStomp, startRelayServer } from '../helpers/rabbitmq.js';
import { startServer, within } from '../helpers/server.js';

/**
 * Opens a second STOMP session from the page (stompjs, as a hostile user would from the console),
 * optionally SENDs `body` to `destination`, and resolves with the ERROR the server answers, or
 * with 'CONNECTED' when it lets the session in and says nothing for `send`.
 */
function tryFromPage(page: Page, send?: { destination: string; body: string }): Promise<string> {
  return within(
    page.evaluate(
      (send) =>
        new Promise<string>((resolve) => {
          const client = new StompJs.Client({
            brokerURL: `ws://${location.host}/stomp`,
            reconnectDelay: 0,
          });
          client.onConnect = () => {
            if (send === undefined) resolve('CONNECTED');
            else client.publish({ ...send, headers: { 'content-type': 'application/json' } });
          };
          client.onStompError = (frame) => {
            resolve(`${frame.headers.code}: ${frame.headers.message}`);
            void client.deactivate();
          };
          client.activate();
        }),
      send,
    ),
    10000,
    `the server's answer to ${send === undefined ? 'CONNECT' : `SEND ${send.destination}`}`,
  );
}

declare const StompJs: typeof StompJsModule;

for (const broker of ['simple broker', 'RabbitMQ relay'] as const) {
  test(`portfolio demo in Chromium (${broker}): log in, live prices, a trade, and a rejected trade`, async (t) => {
    const demo = portfolioDemo({ quoteInterval: 200 });
    const options = {
      requestListener: demo.requestListener,
      handshakeInterceptors: [demo.handshakeInterceptor],
      authorization: demo.authorization,
    };
    if (broker === 'RabbitMQ relay') await requireRabbitStomp();
    const { server, port } =
      broker === 'simple broker' ? await startServer(t, options) : await startRelayServer(t, options);
    t.after(demo.install(server));
    const base = `http://127.0.0.1:${port}`;

    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${base}/`);
    await page.fill('#username', 'fabrice');
    await page.fill('#password', 'fabrice');
    await page.click('#login-button');
    await page.waitForSelector('#status.ok', { timeout: 10000 });
    assert.equal(await page.textContent('#user'), 'fabrice');

    // Positions arrive through @SubscribeMapping('/positions').
    await page.waitForFunction(() => document.querySelectorAll('#positions tr').length === 8, undefined, {
      timeout: 10000,
    });
    const goog = page.locator('tr[data-ticker="GOOG"]');
    assert.equal(await goog.locator('.shares').textContent(), '4');

    // Prices change through /topic/price.stock.*.
    const before = await goog.locator('.price').textContent();
    await page.waitForFunction(
      (old) => document.querySelector('tr[data-ticker="GOOG"] .price')?.textContent !== old,
      before,
      { timeout: 10000 },
    );

    // A trade: SEND /app/trade → @SendToUser('/queue/position-updates').
    await goog.locator('input').fill('3');
    await goog.locator('button.buy').click();
    await page.waitForFunction(
      () => document.querySelector('tr[data-ticker="GOOG"] .shares')?.textContent === '7',
      undefined,
      {
        timeout: 10000,
      },
    );

    // An impossible trade: @MessageExceptionHandler → /user/queue/errors.
    const dell = page.locator('tr[data-ticker="DELL"]');
    await dell.locator('input').fill('1000');
    await dell.locator('button.sell').click();
    await page.waitForSelector('#notice:not([hidden])', { timeout: 10000 });
    assert.match((await page.textContent('#notice')) ?? '', /cannot sell 1000 DELL, you hold 1/);
    assert.equal(await dell.locator('.shares').textContent(), '1');

    // Every value fabrice's page shows for GOOG, from here on.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const row = document.querySelector('tr[data-ticker="GOOG"]')!;
      new MutationObserver(() => {
        seen.push(`${row.querySelector('.price')!.textContent} ${row.querySelector('.shares')!.textContent}`);
      }).observe(row, { subtree: true, childList: true, characterData: true });
    });

    // A second user, ann, tries both forgeries from her own page: each gets an ERROR.
    const annPage = await browser.newPage(); // its own context: its own cookies
    annPage.on('pageerror', (error) => problems.push(error.message));
    await annPage.goto(`${base}/`);
    await annPage.fill('#username', 'ann');
    await annPage.fill('#password', 'ann');
    await annPage.click('#login-button');
    await annPage.waitForSelector('#status.ok', { timeout: 10000 });
    assert.equal(
      await tryFromPage(annPage, {
        destination: '/topic/price.stock.GOOG',
        body: '{"ticker":"GOOG","price":0.01}',
      }),
      "ERR_ACCESS_DENIED: Access denied: SEND to '/topic/price.stock.GOOG'",
    );
    assert.equal(
      await tryFromPage(annPage, {
        destination: '/user/fabrice/queue/position-updates',
        body: '{"ticker":"GOOG","shares":99999,"price":0.01}',
      }),
      "ERR_ACCESS_DENIED: Access denied: SEND to '/user/fabrice/queue/position-updates'",
    );
    // Two more price ticks reach fabrice after the attempts; none of what he saw was forged.
    const seenSoFar = await page.evaluate(() => (window as unknown as { seen: string[] }).seen.length);
    await page.waitForFunction(
      (n) => (window as unknown as { seen: string[] }).seen.length >= n + 2,
      seenSoFar,
      { timeout: 10000 },
    );
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    assert.ok(
      seen.every((value) => !value.startsWith('0.01 ') && !value.endsWith(' 99999')),
      `forged values shown: ${seen.join(', ')}`,
    );
    assert.equal(await goog.locator('.shares').textContent(), '7');

    mkdirSync('test-artifacts', { recursive: true });
    const shot = broker === 'simple broker' ? 'portfolio.png' : 'portfolio-relay.png';
    await page.screenshot({ path: `test-artifacts/${shot}`, fullPage: true });
    assert.deepEqual(problems, [], 'no page errors');
  });
}

/** The demo on the embedded broker, with its own login and rules, opened in a fresh Chromium page. */
async function openDemoPage(t: TestContext): Promise<Page> {
  const demo = portfolioDemo();
  const { port } = await startServer(t, {
    requestListener: demo.requestListener,
    handshakeInterceptors: [demo.handshakeInterceptor],
    authorization: demo.authorization,
  });
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  return page;
}

test('portfolio demo refuses a wrong password', async (t) => {
  const page = await openDemoPage(t);
  await page.fill('#username', 'fabrice');
  await page.fill('#password', 'wrong');
  await page.click('#login-button');
  await page.waitForSelector('#login-error:not([hidden])', { timeout: 10000 });
  assert.equal(await page.isVisible('#portfolio'), false);
});

test('portfolio demo refuses an anonymous STOMP session (CONNECT without logging in)', async (t) => {
  const page = await openDemoPage(t);
  await page.waitForSelector('#login:not([hidden])', { timeout: 10000 });
  assert.equal(await tryFromPage(page), 'ERR_ACCESS_DENIED: Access denied: CONNECT');
});
