import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  comparePatterns,
  compilePattern,
  hasPrefix,
  isPattern,
  normalizePrefix,
} from '../../../src/messaging/destinations.js';

const cases: [
  pattern: string,
  separator: '/' | '.',
  destination: string,
  expected: Record<string, string> | null,
][] = [
  ['/topic/a', '/', '/topic/a', {}],
  ['/topic/a', '/', '/topic/b', null],
  ['/topic/*', '/', '/topic/a', {}],
  ['/topic/*', '/', '/topic/a/b', null],
  ['/topic/**', '/', '/topic', {}],
  ['/topic/**', '/', '/topic/a/b/c', {}],
  ['/topic/**/x', '/', '/topic/x', {}],
  ['/topic/**/x', '/', '/topic/a/b/x', {}],
  ['/topic/**/x', '/', '/topic/a/b/y', null],
  ['**', '/', '/anything/at/all', {}],
  ['/topic/?', '/', '/topic/a', {}],
  ['/topic/?', '/', '/topic/ab', null],
  ['/chat/{room}', '/', '/chat/42', { room: '42' }],
  ['/chat/{room}/{user}', '/', '/chat/42/ann', { room: '42', user: 'ann' }],
  ['/chat/{room:\\d+}', '/', '/chat/42', { room: '42' }],
  ['/chat/{room:\\d+}', '/', '/chat/abc', null],
  ['/chat/{room:(a|b)+}', '/', '/chat/abab', { room: 'abab' }],
  ['/files/{name}.json', '/', '/files/report.json', { name: 'report' }],
  ['price.stock.*', '.', 'price.stock.ACME', {}],
  ['price.stock.*', '.', 'price.stock.ACME.x', null],
  ['price.**', '.', 'price.stock.ACME', {}],
  ['chat.{room}', '.', 'chat.42', { room: '42' }],
  ['chat.{room}', '.', 'chat.4.2', null],
  ['/topic/price.*', '/', '/topic/price.ACME', {}],
];

for (const [pattern, separator, destination, expected] of cases) {
  test(`'${pattern}' (${separator}) vs '${destination}'`, () => {
    assert.deepEqual(compilePattern(pattern, separator).match(destination), expected);
  });
}

test('plain destinations are not patterns', () => {
  assert.equal(isPattern('/topic/a.b'), false);
  assert.equal(compilePattern('/topic/a').isPattern, false);
  assert.equal(isPattern('/topic/*'), true);
  assert.equal(isPattern('/chat/{room}'), true);
});

test('invalid patterns are rejected with ERR_INVALID_PATTERN', () => {
  for (const bad of ['/chat/{room', '/chat/{a}}', '/chat/{1x}', '/chat/{a}/{a}', '/chat/{r:(}']) {
    assert.throws(
      () => compilePattern(bad),
      (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_PATTERN',
      bad,
    );
  }
});

test('specificity: exact beats pattern, fewer wildcards beat more, longer beats shorter', () => {
  const sorted = ['/**', '/a/**', '/a/*', '/a/{x}', '/a/b', '/a/*/c', '/a/b*'].sort(comparePatterns);
  assert.equal(sorted[0], '/a/b', 'the plain destination first');
  assert.equal(sorted.at(-1), '/**', 'the catch-all last');
  assert.ok(comparePatterns('/a/b*', '/a/*') < 0, 'longer literal is more specific');
  assert.ok(comparePatterns('/a/*', '/a/**') < 0, '* is more specific than **');
  assert.equal(comparePatterns('/a/{x}', '/a/{y}'), 0, 'equally specific');
});

test('prefixes are normalised and matched', () => {
  assert.equal(normalizePrefix('/app'), '/app/');
  assert.equal(normalizePrefix('/app/'), '/app/');
  assert.equal(normalizePrefix('app.'), 'app.');
  assert.ok(hasPrefix('/app/x', ['/topic/', '/app/']));
  assert.ok(!hasPrefix('/application/x', ['/app/']));
});
