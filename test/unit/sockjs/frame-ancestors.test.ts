import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iframeFraming } from '../../../src/sockjs/frame-ancestors.js';

const csp = (options: Parameters<typeof iframeFraming>[0]): string | undefined =>
  iframeFraming(options).headers['content-security-policy'];

test("any origin ('*'): no framing restriction at all", () => {
  assert.deepEqual(iframeFraming({ allowedOrigins: ['*'] }), { headers: {}, inexpressible: [] });
  assert.deepEqual(iframeFraming({ allowedOrigins: ['https://a.example', '*'] }).headers, {});
});

test("same origin only (the default): frame-ancestors 'self' and X-Frame-Options SAMEORIGIN", () => {
  for (const options of [{}, { allowedOrigins: [] }, { allowedOrigins: ['null', 'not a url'] }]) {
    assert.deepEqual(iframeFraming(options).headers, {
      'content-security-policy': "frame-ancestors 'self'",
      'x-frame-options': 'SAMEORIGIN',
    });
  }
});

test('a list of origins: exactly those (normalized) and self, without X-Frame-Options', () => {
  const framing = iframeFraming({
    allowedOrigins: ['https://App.Example.com', 'http://localhost:3000/', 'https://b.example:443'],
  });
  assert.deepEqual(framing.headers, {
    'content-security-policy':
      "frame-ancestors 'self' https://app.example.com http://localhost:3000 https://b.example",
  });
});

test('strings that cannot be a CSP source are left out, not passed through', () => {
  // A quote, a semicolon or a space would end the directive or add a source.
  assert.equal(
    csp({ allowedOrigins: ["https://a.example'", 'https://a;b.example', 'http://[::1]:8080'] }),
    "frame-ancestors 'self'",
  );
});

test('origin patterns: translated where CSP matches the same origins', () => {
  assert.equal(
    csp({
      allowedOriginPatterns: [
        'https://*.example.com',
        'http://localhost:[*]',
        'http://127.0.0.1:[8080, 8081]',
        'https://*',
        'http://*:[9000]',
        'https://x.example:[443,8443]',
      ],
    }),
    "frame-ancestors 'self' https://*.example.com http://localhost:* http://127.0.0.1:8080 " +
      'http://127.0.0.1:8081 https: http://*:9000 https://x.example:8443',
  );
});

test('origin patterns CSP cannot express are reported and left out (refused, never widened)', () => {
  const framing = iframeFraming({
    allowedOrigins: ['https://a.example'],
    allowedOriginPatterns: [
      'https://app-*.example.com',
      '*://example.com',
      'http://localhost:*',
      'https://*.good',
    ],
  });
  assert.deepEqual(framing.inexpressible, [
    'https://app-*.example.com',
    '*://example.com',
    'http://localhost:*',
  ]);
  assert.equal(
    framing.headers['content-security-policy'],
    "frame-ancestors 'self' https://a.example https://*.good",
  );
  assert.equal(framing.headers['x-frame-options'], undefined);
});
