/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { portfolioDemo } from '../../examples/portfolio/portfolio-app.js';
import { launchChromium } from '../helpers/browser.js';
import { requireRabbitStomp, startRelayServer } from '../helpers/rabbitmq.js';
import { startServer } from '../helpers/server.js';

for (const broker of ['simple broker', 'RabbitMQ relay'] as const) {
  test(`portfolio demo in Chromium (${broker}): log in, live prices, a trade, and a rejected trade`, async (t) => {
    const demo = portfolioDemo({ quoteInterval: 200 });
    const options = {
      requestListener: demo.requestListener,
      handshakeInterceptors: [demo.handshakeInterceptor],
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

    mkdirSync('test-artifacts', { recursive: true });
    const shot = broker === 'simple broker' ? 'portfolio.png' : 'portfolio-relay.png';
    await page.screenshot({ path: `test-artifacts/${shot}`, fullPage: true });
    assert.deepEqual(problems, [], 'no page errors');
  });
}

test('portfolio demo refuses a wrong password', async (t) => {
  const demo = portfolioDemo();
  const { port } = await startServer(t, {
    requestListener: demo.requestListener,
    handshakeInterceptors: [demo.handshakeInterceptor],
  });
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.fill('#username', 'fabrice');
  await page.fill('#password', 'wrong');
  await page.click('#login-button');
  await page.waitForSelector('#login-error:not([hidden])', { timeout: 10000 });
  assert.equal(await page.isVisible('#portfolio'), false);
});
