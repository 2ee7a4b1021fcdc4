/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { manySessions, startAdminServer } from '../helpers/admin.js';
import { launchChromium } from '../helpers/browser.js';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';

const TOKEN = 'browser-admin-token-0123456789';

test('admin page in Chromium: refused without the token, then live sessions, users and destinations', async (t) => {
  const { url, port } = await startAdminServer(t, TOKEN);
  const { client } = await connectStompJs(url, { connectHeaders: { login: 'carol<script>' } });
  t.after(() => client.deactivate());
  await subscribed(client, '/topic/room.<b>1</b>', new Inbox());

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`http://127.0.0.1:${port}/admin#token=wrong-token-0123456789`);
  await page.waitForSelector('#login:not([hidden])');
  assert.match((await page.textContent('#error'))!, /Unauthorized/);
  assert.equal(await page.isHidden('#view'), true);

  await page.fill('#token', TOKEN);
  await page.click('#login button');
  await page.waitForSelector('#view:not([hidden])', { timeout: 10000 });
  await page.waitForFunction(() => document.getElementById('sessions')?.textContent === '1', undefined, {
    timeout: 10000,
  });
  // Client-chosen names are shown as text, never as markup.
  assert.equal(await page.textContent('#userRows td'), 'carol<script>');
  assert.equal(await page.textContent('#destinationRows td'), '/topic/room.<b>1</b>');
  assert.equal(await page.locator('#destinationRows b').count(), 0);

  // Live: a second session shows up without reloading.
  const { client: second } = await connectStompJs(url, { connectHeaders: { login: 'dave' } });
  t.after(() => second.deactivate());
  await page.waitForFunction(() => document.getElementById('sessions')?.textContent === '2', undefined, {
    timeout: 10000,
  });
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/admin.png', fullPage: true });
  assert.deepEqual(problems, []);
});

/** The drawn points of one chart's first line, and what its figure says. */
function chartState(id: string): { points: string; count: number; last: number; peak: number } {
  const figure = document.getElementById(`chart-${id}`)!;
  return {
    points: figure.querySelector('polyline')!.getAttribute('points') ?? '',
    count: Number(figure.dataset.points),
    last: Number((figure.dataset.last ?? '0').split(',')[0]),
    peak: Number(figure.dataset.peak),
  };
}

/** Waits until a chart's `count`, `last` or `peak` is within [min, max] (a function: the CSP forbids eval). */
function waitForChart(page: Page, id: string, field: 'count' | 'last' | 'peak', min: number, max = 1e12) {
  return page.waitForFunction(
    ([id, field, min, max]) => {
      const figure = document.getElementById(`chart-${id}`);
      if (!figure) return false;
      const text =
        field === 'count'
          ? figure.dataset.points
          : field === 'last'
            ? figure.dataset.last
            : figure.dataset.peak;
      const value = Number((text ?? '').split(',')[0]);
      return text !== undefined && value >= min && value <= max;
    },
    [id, field, min, max] as const,
    { timeout: 10000 },
  );
}

test('admin charts in Chromium: drawn from the server history, they move when traffic starts and survive a reload', async (t) => {
  const { url, port, server } = await startAdminServer(t, TOKEN);
  const { client } = await connectStompJs(url, { connectHeaders: { login: 'erin' } });
  t.after(() => client.deactivate());
  const inbox = new Inbox({ retain: false });
  await subscribed(client, '/topic/ticks', inbox);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`http://127.0.0.1:${port}/admin#token=${TOKEN}`);
  await page.waitForSelector('#view:not([hidden])', { timeout: 10000 });
  assert.equal(await page.locator('#charts figure').count(), 6);

  // Quiet: two samples drawn, nothing delivered.
  await waitForChart(page, 'deliveries', 'count', 2);
  const quiet = await page.evaluate(chartState, 'deliveries');
  assert.equal(quiet.peak, 0);

  // Traffic: a publisher at 50 messages a second (load, not synchronisation).
  const publisher = setInterval(() => void server.template.convertAndSend('/topic/ticks', { price: 1 }), 20);
  t.after(() => clearInterval(publisher));
  await waitForChart(page, 'deliveries', 'last', 0.001);
  // A few busy seconds, so the picture shows a line rather than a point.
  await waitForChart(page, 'deliveries', 'count', (await page.evaluate(chartState, 'deliveries')).count + 2);
  const busy = await page.evaluate(chartState, 'deliveries');
  assert.notEqual(busy.points, quiet.points, 'the deliveries line moved');
  assert.ok(busy.peak > 0);
  const framesOut = await page.evaluate(
    () => document.getElementById('chart-frames')!.dataset.last!.split(',')[1],
  );
  assert.ok(Number(framesOut) > 0, `frames out moved too (${framesOut})`);
  assert.ok(inbox.count > 0);
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/admin-charts.png', fullPage: true });

  // Quiet again, then a reload: the page draws the server's history at once, the peak included.
  clearInterval(publisher);
  await waitForChart(page, 'deliveries', 'last', 0, 0);
  await page.reload();
  await page.waitForSelector('#view:not([hidden])', { timeout: 10000 });
  await waitForChart(page, 'deliveries', 'count', 1);
  const reloaded = await page.evaluate(chartState, 'deliveries');
  assert.ok(reloaded.peak > 0, `after a reload the peak is still drawn (${JSON.stringify(reloaded)})`);
  assert.ok(reloaded.count >= busy.count, 'the history came back with the page');
  assert.deepEqual(problems, []);
});

test('admin sessions in Chromium: 10 000 sessions paged 50 at a time, filtered by the box, names as text', async (t) => {
  const { url, port, server } = await startAdminServer(t, TOKEN);
  const { client } = await connectStompJs(url, {
    connectHeaders: { login: 'mallory<img src=x onerror=alert(1)>' },
  });
  t.after(() => client.deactivate());
  await manySessions(server, 10_000);

  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('dialog', (dialog) => problems.push(`dialog: ${dialog.message()}`));
  await page.goto(`http://127.0.0.1:${port}/admin#token=${TOKEN}`);
  const info = (text: string): Promise<unknown> =>
    page.waitForFunction((expected) => document.getElementById('pageInfo')?.textContent === expected, text, {
      timeout: 10000,
    });
  const users = (): Promise<string[]> => page.locator('#sessionRows tr td:nth-child(2)').allTextContents();

  await info('1–50 of 10,001');
  assert.equal(await page.locator('#sessionRows tr').count(), 50);
  assert.equal(await page.isDisabled('#prev'), true);
  const firstPage = await users();
  await page.click('#next');
  await info('51–100 of 10,001');
  assert.notDeepEqual(await users(), firstPage);
  assert.equal(await page.isDisabled('#prev'), false);

  await page.fill('#filter', 'user-0042');
  await info('1–10 of 10 (filtered from 10,001)');
  assert.deepEqual(
    await users(),
    Array.from({ length: 10 }, (_, i) => `user-0042${i}`),
  );
  assert.equal(await page.isDisabled('#next'), true);

  await page.selectOption('#filterField', 'transport');
  await page.fill('#filter', 'websocket');
  await info('1–1 of 1 (filtered from 10,001)');
  assert.deepEqual(await users(), ['mallory<img src=x onerror=alert(1)>']);
  assert.equal(await page.locator('#sessionRows img').count(), 0, 'a name is text, never markup');
  assert.equal(await page.textContent('#usersMore'), '9,901 more users not listed');
  assert.deepEqual(problems, []);
});
