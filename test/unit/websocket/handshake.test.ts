import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOrigin, parseCookies, selectProtocol } from '../../../src/websocket/handshake.js';
import { encodeWebSocketFrame } from '../../../src/websocket/outbound-message.js';

const cases: [
  origin: string | undefined,
  host: string,
  options: Parameters<typeof checkOrigin>[2],
  allowed: boolean,
][] = [
  [undefined, 'example.com', {}, true],
  ['http://example.com', 'example.com', {}, true],
  ['http://example.com:80', 'example.com', {}, true],
  ['http://example.com:8080', 'example.com:8080', {}, true],
  ['http://evil.com', 'example.com', {}, false],
  ['http://example.com:8081', 'example.com:8080', {}, false],
  ['null', 'example.com', {}, false],
  ['not a url', 'example.com', {}, false],
  ['http://evil.com', 'example.com', { allowedOrigins: ['*'] }, true],
  ['https://app.example.com', 'api.example.com', { allowedOrigins: ['https://app.example.com'] }, true],
  ['http://app.example.com', 'api.example.com', { allowedOrigins: ['https://app.example.com'] }, false],
  ['https://a.example.com', 'x', { allowedOriginPatterns: ['https://*.example.com'] }, true],
  ['https://example.com', 'x', { allowedOriginPatterns: ['https://*.example.com'] }, false],
  ['https://a.example.com.evil.io', 'x', { allowedOriginPatterns: ['https://*.example.com'] }, false],
  ['http://localhost:3000', 'x', { allowedOriginPatterns: ['http://localhost:[*]'] }, true],
  ['http://localhost:8081', 'x', { allowedOriginPatterns: ['http://localhost:[8080,8081]'] }, true],
  ['http://localhost:9000', 'x', { allowedOriginPatterns: ['http://localhost:[8080,8081]'] }, false],
];

for (const [origin, host, options, allowed] of cases) {
  test(`origin ${origin ?? '(none)'} on host ${host} with ${JSON.stringify(options)} → ${allowed}`, () => {
    assert.equal(checkOrigin(origin, host, options), allowed);
  });
}

test('sub-protocol: first offered that is supported, case-insensitive; none → false', () => {
  const supported = ['v12.stomp', 'v11.stomp', 'v10.stomp'];
  assert.equal(selectProtocol(['v10.stomp', 'v12.stomp'], supported), 'v10.stomp');
  assert.equal(selectProtocol(['V12.STOMP'], supported), 'V12.STOMP');
  assert.equal(selectProtocol(['mqtt'], supported), false);
});

test('cookies are parsed, first occurrence wins, values decoded', () => {
  assert.deepEqual({ ...parseCookies('a=1; b="two"; a=3; c=%20x') }, { a: '1', b: 'two', c: ' x' });
  assert.deepEqual({ ...parseCookies(undefined) }, {});
});

test('WebSocket frame header lengths at the 125/126/65535/65536 boundaries', () => {
  for (const [size, header] of [
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
  ] as const) {
    const frame = encodeWebSocketFrame(Buffer.alloc(size, 7), 0x1);
    assert.equal(frame.length, size + header, `size ${size}`);
    assert.equal(frame[0], 0x81);
    const length =
      header === 2 ? frame[1] : header === 4 ? frame.readUInt16BE(2) : Number(frame.readBigUInt64BE(2));
    assert.equal(length, size);
  }
});
