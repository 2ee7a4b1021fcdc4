import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StompServerOptions } from '../../src/index.js';
import { startServer } from '../helpers/server.js';

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
