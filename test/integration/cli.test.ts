import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Inbox, connectStompJs, subscribed } from '../helpers/stompjs.js';
import { within } from '../helpers/server.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { parseExposition } from '../helpers/prometheus-text.js';
import { removeCertificate, selfSignedCertificate } from '../helpers/tls.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789';
const cli = fileURLToPath(new URL('../../src/cli/switchboard.ts', import.meta.url));

/** Starts the CLI on a free port; resolves with its ws:// or wss:// URL once it prints it. */
async function startCli(t: TestContext, args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, '--port', '0', '--host', '127.0.0.1', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let logs = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (logs += chunk));
  const url = await within(
    new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /(wss?:\/\/\S+\/stomp)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${logs}`)));
    }),
    20000,
    'the server URL on stdout',
  );
  return { child, url, out: () => out, logs: () => logs };
}

for (const relay of [undefined, 'stomp://guest:guest@127.0.0.1:61613']) {
  test(`the standalone server${relay ? ' relaying to RabbitMQ (SWITCHBOARD_RELAY)' : ''} serves STOMP and the demo page, and stops cleanly on SIGTERM`, async (t) => {
    const { child, url, logs } = await startCli(t, ['--log-level', relay ? 'info' : 'warn'], {
      SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
      ...(relay ? { SWITCHBOARD_RELAY: relay } : {}),
    });

    const page = await fetch(url.replace('ws://', 'http://').replace('/stomp', '/'));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Switchboard/);
    const lib = await fetch(url.replace('ws://', 'http://').replace('/stomp', '/lib/stomp.umd.min.js'));
    assert.equal(lib.status, 200);

    // Prometheus metrics and the admin view (enabled by the token), beside the demo.
    const http = url.replace('ws://', 'http://').replace('/stomp', '');
    const metrics = parseExposition(await (await fetch(`${http}/metrics`)).text());
    assert.equal(metrics.types.get('switchboard_sessions'), 'gauge');
    assert.equal((await fetch(`${http}/admin/api`)).status, 401);
    const admin = await fetch(`${http}/admin/api`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
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
