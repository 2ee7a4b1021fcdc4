/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { startAdminServer } from '../helpers/admin.js';
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
