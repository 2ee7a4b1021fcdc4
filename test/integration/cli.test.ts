import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';
import { within } from '../helpers/server.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { parseExposition } from '../helpers/prometheus-text.js';
import { removeCertificate, selfSignedCertificate } from '../helpers/tls.js';
import { OPEN_RULES, startCli, tempFile } from '../helpers/cli.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789';

for (const relay of [undefined, 'stomp://guest:guest@127.0.0.1:61613']) {
  test(`the standalone server${relay ? ' relaying to RabbitMQ (SWITCHBOARD_RELAY)' : ''} serves STOMP and the demo page, and stops cleanly on SIGTERM`, async (t) => {
    const rules = tempFile(t, 'open-rules.json', OPEN_RULES);
    const { child, url, logs, internalUrl } = await startCli(t, ['--log-level', relay ? 'info' : 'warn'], {
      SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
      SWITCHBOARD_RULES: rules,
      ...(relay ? { SWITCHBOARD_RELAY: relay } : {}),
    });

    const page = await fetch(url.replace('ws://', 'http://').replace('/stomp', '/'));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Switchboard/);
    const lib = await fetch(url.replace('ws://', 'http://').replace('/stomp', '/lib/stomp.umd.min.js'));
    assert.equal(lib.status, 200);

    // Prometheus metrics and the admin view (enabled by the token) on the internal listener
    // (loopback), not on the public port.
    const http = url.replace('ws://', 'http://').replace('/stomp', '');
    assert.equal((await fetch(`${http}/metrics`)).status, 404);
    assert.equal((await fetch(`${http}/admin/api`)).status, 404);
    const internal = await internalUrl();
    assert.match(internal, /^http:\/\/127\.0\.0\.1:\d+$/);
    const metrics = parseExposition(await (await fetch(`${internal}/metrics`)).text());
    assert.equal(metrics.types.get('switchboard_sessions'), 'gauge');
    assert.equal((await fetch(`${internal}/admin/api`)).status, 401);
    const admin = await fetch(`${internal}/admin/api`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(
      ((await admin.json()) as { broker: { kind: string } }).broker.kind,
      relay ? 'relay' : 'simple',
    );

    const { client } = await connectStompJs(url);
    const inbox = new Inbox();
    await subscribed(client, '/topic/echo', inbox);
    client.publish({ destination: '/app/echo', body: 'via the CLI' });
    await inbox.waitFor(1);
    assert.equal(inbox.messages[0]!.body, 'via the CLI');

    const closed = new Promise<number>((resolve) => {
      client.onWebSocketClose = (event: { code: number }) => resolve(event.code);
    });
    child.kill('SIGTERM');
    const [code] = (await within(once(child, 'exit'), 10000, 'exit after SIGTERM')) as [number];
    assert.equal(code, 0);
    assert.equal(await within(closed, 5000, 'client close'), 1001);
    await client.deactivate();
    if (relay) {
      assert.match(logs(), /Relaying broker destinations.*127\.0\.0\.1:61613/);
      assert.match(logs(), /Connected to the message broker/);
      assert.doesNotMatch(logs(), /guest:guest|passcode/, 'the relay password is not logged');
      assert.ok(!logs().includes(ADMIN_TOKEN), 'the admin token is not logged');
    }
  });
}

test('the standalone server with --tls-cert/--tls-key serves wss:// and https://, and SIGTERM drains (ERROR, then 1001)', async (t) => {
  const tls = selfSignedCertificate();
  t.after(() => removeCertificate(tls.dir));
  const { child, url, out } = await startCli(t, [
    '--rules',
    tempFile(t, 'open-rules.json', OPEN_RULES),
    '--log-level',
    'warn',
    '--tls-cert',
    tls.certFile,
    '--tls-key',
    tls.keyFile,
    '--drain-spread',
    '300',
  ]);
  assert.match(out(), /demo: https:\/\//);
  const client = await RawStompClient.connect(url.replace('localhost', '127.0.0.1'), {}, { ca: tls.cert });
  await client.request('SUBSCRIBE', { id: 's', destination: '/topic/echo' });
  client.sendFrame('SEND', { destination: '/app/echo' }, 'over wss');
  assert.equal((await client.next('MESSAGE')).body.toString(), 'over wss');

  child.kill('SIGTERM');
  assert.equal((await client.next('ERROR')).headers.code, 'ERR_SERVER_DRAINING');
  assert.equal((await within(client.closed, 5000, 'close')).code, 1001);
  const [code] = (await within(once(child, 'exit'), 10000, 'exit after SIGTERM')) as [number];
  assert.equal(code, 0);
});

test('metrics on the public port only when asked for (--metrics-public true), and the internal listener can be turned off', async (t) => {
  const { url, out } = await startCli(t, [
    '--log-level',
    'warn',
    '--internal-port',
    'off',
    '--metrics-public',
    'true',
  ]);
  const http = url.replace('ws://', 'http://').replace('/stomp', '');
  const metrics = parseExposition(await (await fetch(`${http}/metrics`)).text());
  assert.equal(metrics.types.get('switchboard_sessions'), 'gauge');
  assert.doesNotMatch(out(), /Internal endpoints/);
});

/** Logs in through the demo's form; returns the session cookie. */
async function login(http: string, user: string): Promise<string> {
  const res = await fetch(`${http}/login`, {
    method: 'POST',
    body: new URLSearchParams({ username: user, password: user }),
    redirect: 'manual',
  });
  assert.equal(res.status, 303);
  return res.headers.get('set-cookie')!.split(';', 1)[0]!;
}

async function stompSession(url: string, cookie?: string): Promise<RawStompClient> {
  const client = await RawStompClient.open(url, undefined, cookie === undefined ? {} : { cookie });
  client.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'localhost', 'heart-beat': '0,0' });
  return client;
}

test("the standalone demo's default rules: anonymous CONNECT refused; a logged-in user cannot forge prices or another user's positions", async (t) => {
  const { url, logs } = await startCli(t, ['--log-level', 'info']);
  const http = url.replace('ws://', 'http://').replace('/stomp', '');
  assert.match(logs(), /Authorization rules.*"rules":6/);

  const anonymous = await stompSession(url);
  const refused = await anonymous.next('ERROR');
  assert.equal(refused.headers.code, 'ERR_ACCESS_DENIED');
  assert.match(refused.headers.message!, /CONNECT/);
  await within(anonymous.closed, 5000, 'the anonymous session to close');
  assert.ok(!anonymous.frames.some((f) => f.command === 'CONNECTED'));

  const cookie = await login(http, 'ann');
  for (const [destination, body] of [
    ['/topic/price.stock.GOOG', '{"ticker":"GOOG","price":0.01}'],
    ['/user/fabrice/queue/position-updates', '{"ticker":"GOOG","shares":100000,"price":1}'],
  ] as const) {
    const ann = await stompSession(url, cookie);
    await ann.next('CONNECTED');
    ann.sendFrame('SEND', { destination, 'content-type': 'application/json' }, body);
    const error = await ann.next('ERROR');
    assert.equal(error.headers.code, 'ERR_ACCESS_DENIED');
    assert.equal(error.headers.message, `Access denied: SEND to '${destination}'`);
    await within(ann.closed, 5000, 'the session to close');
  }

  // What the page does is allowed: prices, positions, own queues, trades.
  const ok = await stompSession(url, cookie);
  await ok.next('CONNECTED');
  await ok.request('SUBSCRIBE', { id: 'p', destination: '/topic/price.stock.*' });
  await ok.request('SUBSCRIBE', { id: 'u', destination: '/user/queue/position-updates' });
  ok.sendFrame(
    'SEND',
    { destination: '/app/trade', 'content-type': 'application/json' },
    '{"action":"Buy","ticker":"GOOG","shares":1}',
  );
  const update = await ok.next('MESSAGE', (f) => f.headers.subscription === 'u');
  assert.equal(JSON.parse(update.body.toString()).shares, 3);
});
