import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import type { StompServerOptions } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { removeCertificate, selfSignedCertificate } from '../helpers/tls.js';

/** GET <endpoint>/iframe.html, then again with its ETag (the 304 must carry the same rule). */
async function iframeHeaders(
  t: Parameters<typeof startServer>[0],
  options: StompServerOptions,
): Promise<{ status: number; csp: string | null; xfo: string | null; revalidated: string | null }> {
  const { port } = await startServer(t, { sockjs: true, ...options });
  const page = await fetch(`http://127.0.0.1:${port}/stomp/iframe.html`);
  await page.arrayBuffer();
  const etag = page.headers.get('etag');
  const again = await fetch(`http://127.0.0.1:${port}/stomp/iframe.html`, {
    headers: { 'if-none-match': etag ?? '' },
  });
  return {
    status: page.status,
    csp: page.headers.get('content-security-policy'),
    xfo: page.headers.get('x-frame-options'),
    revalidated:
      again.status === 304 ? again.headers.get('content-security-policy') : `status ${again.status}`,
  };
}

test("iframe page with allowedOrigins '*': any page may frame it", async (t) => {
  assert.deepEqual(await iframeHeaders(t, { allowedOrigins: ['*'] }), {
    status: 200,
    csp: null,
    xfo: null,
    revalidated: null,
  });
});

test('iframe page with the same-origin default: only same-origin pages may frame it', async (t) => {
  assert.deepEqual(await iframeHeaders(t, {}), {
    status: 200,
    csp: "frame-ancestors 'self'",
    xfo: 'SAMEORIGIN',
    revalidated: "frame-ancestors 'self'",
  });
});

test('iframe page with a list of origins and patterns: served, frameable by exactly those', async (t) => {
  const rule = "frame-ancestors 'self' http://localhost:5173 https://*.example.com";
  assert.deepEqual(
    await iframeHeaders(t, {
      allowedOrigins: ['http://localhost:5173'],
      allowedOriginPatterns: ['https://*.example.com'],
    }),
    { status: 200, csp: rule, xfo: null, revalidated: rule },
  );
});

/** The JSESSIONID cookie of a session's first request (xhr polling), over HTTPS or HTTP. */
async function sessionCookie(
  t: Parameters<typeof startServer>[0],
  options: StompServerOptions,
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const { port } = await startServer(t, { ...options, sockjs: { cookieNeeded: true } });
  const path = `/stomp/000/${Math.random().toString(36).slice(2)}/xhr`;
  if (options.tls === undefined) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers });
    await res.arrayBuffer();
    return res.headers.get('set-cookie') ?? undefined;
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path, method: 'POST', headers, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.headers['set-cookie']?.[0]);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Every request of a page on another site is cross-site, the iframe's own included: browsers only
// keep a cookie there that says SameSite=None (and they only take that with Secure, over HTTPS).
test('the sticky-session cookie is usable cross-site over HTTPS, and unchanged over plain HTTP', async (t) => {
  const tls = selfSignedCertificate();
  t.after(() => removeCertificate(tls.dir));
  assert.equal(
    await sessionCookie(t, { tls: { cert: tls.cert, key: tls.key } }),
    'JSESSIONID=dummy; path=/; SameSite=None; Secure; Partitioned',
  );
  assert.equal(
    await sessionCookie(t, { trustProxy: true }, { 'x-forwarded-proto': 'https', cookie: 'JSESSIONID=n1' }),
    'JSESSIONID=n1; path=/; SameSite=None; Secure; Partitioned',
  );
  assert.equal(await sessionCookie(t, {}, { 'x-forwarded-proto': 'https' }), 'JSESSIONID=dummy; path=/');
});
