import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeFrame, decodeMessages, messageFrame, quote } from '../../../src/sockjs/frames.js';

test('frames: a[...] and c[code,"reason"]', () => {
  assert.equal(messageFrame(['x', 'y"z']), 'a["x","y\\"z"]');
  assert.equal(closeFrame(3000, 'Go away!'), 'c[3000,"Go away!"]');
});

test('the characters SockJS requires escaped travel as \\uXXXX, and decode back', () => {
  for (const ch of ['\u0000', '\u001f', '\u200c', '\u2028', '\u2029', '\u2060', '\ufff0', '\uffff']) {
    const quoted = quote(`a${ch}b`);
    assert.match(quoted, /^"a\\u[0-9a-f]{4}b"$/, JSON.stringify(ch));
    assert.equal(JSON.parse(quoted), `a${ch}b`);
  }
  const emoji = 'smile 😀 ✓';
  assert.equal(JSON.parse(quote(emoji)), emoji);
  assert.equal(quote('plain'), '"plain"');
});

test('client payloads: arrays of strings; empty and broken are named', () => {
  assert.deepEqual(decodeMessages('["a","b"]'), ['a', 'b']);
  assert.deepEqual(decodeMessages('[]'), []);
  assert.deepEqual(decodeMessages('"one"'), ['one']);
  assert.deepEqual(decodeMessages('["\\u2028"]'), ['\u2028']);
  assert.equal(decodeMessages(''), 'empty');
  assert.equal(decodeMessages('["a"'), 'broken');
  assert.equal(decodeMessages('[1]'), 'broken');
  assert.equal(decodeMessages('{"a":1}'), 'broken');
});
