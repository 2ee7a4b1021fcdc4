import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { createProtocolServer } from '../../scripts/sockjs-protocol-server.js';
import { within } from '../helpers/server.js';

async function start(t: TestContext): Promise<string> {
  const server = createProtocolServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let n = 0;
const sid = (): string => `s${Date.now()}${n++}`;

/** Reads a streaming response until `predicate(body)` holds. */
function stream(
  url: string,
  method: string,
  predicate: (body: string) => boolean,
  onResponse?: () => void,
): Promise<{ res: http.IncomingMessage; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const req = http.request(url, { method }, (res) => {
        onResponse?.();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (predicate(body)) {
            resolve({ res, body });
            req.destroy();
          }
        });
        res.on('end', () => resolve({ res, body }));
      });
      req.on('error', reject);
      req.end();
    }),
    5000,
    `stream ${url}`,
  );
}

test('greeting, info, iframe (with ETag → 304), unknown paths 404', async (t) => {
  const base = await start(t);
  const greeting = await fetch(`${base}/echo`);
  assert.equal(await greeting.text(), 'Welcome to SockJS!\n');
  assert.equal(greeting.headers.get('content-type'), 'text/plain;charset=UTF-8');
  const info = await fetch(`${base}/echo/info`);
  const body = (await info.json()) as {
    websocket: boolean;
    cookie_needed: boolean;
    origins: string[];
    entropy: number;
  };
  assert.deepEqual(
    { ...body, entropy: 0 },
    { websocket: true, cookie_needed: false, origins: ['*:*'], entropy: 0 },
  );
  assert.equal(
    info.headers.get('cache-control'),
    'no-store, no-cache, no-transform, must-revalidate, max-age=0',
  );
  assert.equal(
    ((await (await fetch(`${base}/disabled_websocket_echo/info`)).json()) as { websocket: boolean })
      .websocket,
    false,
  );
  const iframe = await fetch(`${base}/echo/iframe-1.2.3.html?t=1`);
  assert.equal(iframe.status, 200);
  assert.match(await iframe.text(), /SockJS\.bootstrap_iframe\(\)/);
  const etag = iframe.headers.get('etag')!;
  assert.equal((await fetch(`${base}/echo/iframe.html`, { headers: { 'if-none-match': etag } })).status, 304);
  for (const bad of [
    '/echo/iframe.htm',
    '/echo/IFRAME.HTML',
    '/echo/a/b',
    '/echo/a/b/c/d',
    '/echo/a.b/c/xhr',
    '/echo/a/b/nope',
  ]) {
    assert.equal(
      (await fetch(`${base}${bad}`, { method: 'POST' })).status,
      bad.endsWith('.htm') || bad.endsWith('HTML') ? 404 : 404,
      bad,
    );
  }
});

test('a transport named like an Object.prototype member is 404, and the server keeps serving', async (t) => {
  const base = await start(t);
  // Such a name once reached the session code with a function for a response format: the
  // process died of an unhandled rejection on one GET.
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    for (const method of ['GET', 'POST']) {
      const res = await within(
        fetch(`${base}/echo/000/${sid()}/${name}`, { method }),
        2000,
        `${method} ${name}`,
      );
      assert.equal(res.status, 404, `${method} ${name}`);
      assert.equal(await res.text(), 'Not found\n');
    }
  }
  assert.equal(await (await fetch(`${base}/echo/000/${sid()}/xhr`, { method: 'POST' })).text(), 'o\n');
});

test('xhr polling + xhr_send: open, echo, errors, and 2010 for a second concurrent poll', async (t) => {
  const base = await start(t);
  const url = `${base}/echo/000/${sid()}`;
  const open = await fetch(`${url}/xhr`, { method: 'POST' });
  assert.equal(await open.text(), 'o\n');
  assert.equal(open.headers.get('content-type'), 'application/javascript;charset=UTF-8');
  const sent = await fetch(`${url}/xhr_send`, { method: 'POST', body: '["a","\\u2028 ✓"]' });
  assert.equal(sent.status, 204);
  assert.equal(await (await fetch(`${url}/xhr`, { method: 'POST' })).text(), 'a["a","\\u2028 ✓"]\n');

  assert.equal(
    (await fetch(`${base}/echo/000/unknown/xhr_send`, { method: 'POST', body: '["x"]' })).status,
    404,
  );
  const empty = await fetch(`${url}/xhr_send`, { method: 'POST', body: '' });
  assert.deepEqual([empty.status, await empty.text()], [500, 'Payload expected.']);
  const broken = await fetch(`${url}/xhr_send`, { method: 'POST', body: '["x"' });
  assert.deepEqual([broken.status, await broken.text()], [500, 'Broken JSON encoding.']);

  let attached!: () => void;
  const firstAttached = new Promise<void>((resolve) => (attached = resolve));
  const first = stream(`${url}/xhr`, 'POST', (b) => b.length > 0, attached);
  await within(firstAttached, 5000, 'the first poll to be answering');
  assert.equal(
    await (await fetch(`${url}/xhr`, { method: 'POST' })).text(),
    'c[2010,"Another connection still open"]\n',
  );
  await fetch(`${url}/xhr_send`, { method: 'POST', body: '["done"]' });
  assert.equal((await first).body, 'a["done"]\n');
});

test('xhr_streaming: prelude, frames, and the response ends at the stream limit', async (t) => {
  const base = await start(t);
  const url = `${base}/echo/000/${sid()}`;
  // One streaming request: the prelude and 'o', then a 5000-byte echo passes /echo's 4096-byte
  // limit, so the frame arrives and the response ends (the client would open the next one).
  const body = await within(
    new Promise<string>((resolve, reject) => {
      let text = '';
      let sent = false;
      const req = http.request(`${url}/xhr_streaming`, { method: 'POST' }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (!sent && text.endsWith('o\n')) {
            sent = true;
            void fetch(`${url}/xhr_send`, { method: 'POST', body: JSON.stringify(['x'.repeat(5000)]) });
          }
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    }),
    5000,
    'the stream to end at its limit',
  );
  assert.equal(body, `${'h'.repeat(2048)}\no\na["${'x'.repeat(5000)}"]\n`);
});

test('eventsource and htmlfile framing; callbacks validated; jsonp + jsonp_send', async (t) => {
  const base = await start(t);
  const es = await stream(`${base}/echo/000/${sid()}/eventsource`, 'GET', (b) => b.includes('data: o'));
  assert.equal(es.res.headers['content-type'], 'text/event-stream');
  assert.equal(es.body, '\r\ndata: o\r\n\r\n');

  const html = await stream(`${base}/echo/000/${sid()}/htmlfile?c=%63allback`, 'GET', (b) =>
    b.includes('p("o")'),
  );
  assert.match(html.body, /var c = parent\.callback;/);
  assert.ok(html.body.indexOf('<script>\np("o");\n</script>\r\n') > 1024, 'padded past 1 KiB');
  const missing = await fetch(`${base}/echo/000/${sid()}/htmlfile`);
  assert.deepEqual([missing.status, await missing.text()], [500, '"callback" parameter required']);
  const evil = await fetch(`${base}/echo/000/${sid()}/jsonp?c=alert(1)`);
  assert.deepEqual([evil.status, await evil.text()], [500, 'invalid "callback" parameter']);

  const url = `${base}/echo/000/${sid()}`;
  assert.equal(await (await fetch(`${url}/jsonp?c=cb`)).text(), '/**/cb("o");\r\n');
  const form = await fetch(`${url}/jsonp_send`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `d=${encodeURIComponent('["via form"]')}`,
  });
  assert.deepEqual([form.status, await form.text()], [200, 'ok']);
  assert.equal(await (await fetch(`${url}/jsonp?c=cb`)).text(), '/**/cb("a[\\"via form\\"]");\r\n');
});

test('a session answers only the transport that opened it; CORS and cookies', async (t) => {
  const base = await start(t);
  const url = `${base}/cookie_needed_echo/000/${sid()}`;
  const open = await fetch(`${url}/xhr`, { method: 'POST', headers: { origin: 'https://a.example' } });
  assert.equal(open.headers.get('access-control-allow-origin'), 'https://a.example');
  assert.equal(open.headers.get('access-control-allow-credentials'), 'true');
  assert.equal(open.headers.get('set-cookie'), 'JSESSIONID=dummy; path=/');
  assert.equal((await fetch(`${url}/jsonp?c=x`)).status, 404, 'another receiving transport');
  const preflight = await fetch(`${url}/xhr`, {
    method: 'OPTIONS',
    headers: { origin: 'https://a.example', 'access-control-request-headers': 'x-custom' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'x-custom');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
});

test('an oversize xhr_send body gets 413 naming the limit; the session carries on', async (t) => {
  const base = await start(t);
  const url = `${base}/echo/000/${sid()}`;
  await fetch(`${url}/xhr`, { method: 'POST' });
  // A raw request, so the 413 is read even though the server stops reading the body.
  const status = await within(
    new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = http.request(`${url}/xhr_send`, { method: 'POST' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(['x'.repeat(2 * 1024 * 1024)]));
    }),
    5000,
    '413',
  );
  assert.equal(status.code, 413);
  assert.match(status.body, /maxRequestBodySize \(\d+ bytes\)/);
  await fetch(`${url}/xhr_send`, { method: 'POST', body: '["after"]' });
  assert.equal(await (await fetch(`${url}/xhr`, { method: 'POST' })).text(), 'a["after"]\n');
});

test('the websocket transport: o, echo in a[...], broken JSON drops the connection; /close and raw websocket', async (t) => {
  const base = await start(t);
  const wsBase = base.replace('http', 'ws');
  const ws = new WebSocket(`${wsBase}/echo/000/${sid()}/websocket`);
  const frames: string[] = [];
  const got = (count: number) =>
    within(
      new Promise<void>((resolve) => {
        const check = (): void => (frames.length >= count ? resolve() : void setTimeout(check, 5));
        check();
      }),
      5000,
      `${count} frames`,
    );
  ws.on('message', (d: Buffer) => frames.push(d.toString()));
  await got(1);
  ws.send('["hi"]');
  await got(2);
  assert.deepEqual(frames, ['o', 'a["hi"]']);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.send('["broken"');
  await within(closed, 5000, 'drop on broken JSON');

  const bye = new WebSocket(`${wsBase}/close/000/${sid()}/websocket`);
  const byeFrames: string[] = [];
  bye.on('message', (d: Buffer) => byeFrames.push(d.toString()));
  await within(new Promise((resolve) => bye.on('close', resolve)), 5000, '/close');
  assert.deepEqual(byeFrames, ['o', 'c[3000,"Go away!"]']);

  const raw = new WebSocket(`${wsBase}/echo/websocket`);
  await within(new Promise((resolve) => raw.on('open', resolve)), 5000, 'raw open');
  raw.send('plain text');
  const echoed = await within(
    new Promise<Buffer>((resolve) => raw.once('message', (data: Buffer) => resolve(data))),
    5000,
    'raw echo',
  );
  assert.equal(echoed.toString(), 'plain text');
  raw.close();
});
