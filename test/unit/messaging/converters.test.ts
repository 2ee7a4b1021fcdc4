import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PayloadConversionError, defaultConverter } from '../../../src/index.js';

test('fromMessage chooses by content-type', () => {
  const json = Buffer.from('{"a":1}');
  assert.deepEqual(defaultConverter.fromMessage(json, 'application/json'), { a: 1 });
  assert.deepEqual(defaultConverter.fromMessage(json, 'application/vnd.x+json; charset=utf-8'), { a: 1 });
  assert.equal(defaultConverter.fromMessage(json, 'text/plain'), '{"a":1}');
  assert.deepEqual(defaultConverter.fromMessage(json, 'application/octet-stream'), json);
});

test('without content-type: JSON if it parses, else text, else bytes', () => {
  assert.deepEqual(defaultConverter.fromMessage(Buffer.from('[1,2]'), undefined), [1, 2]);
  assert.equal(defaultConverter.fromMessage(Buffer.from('hello'), undefined), 'hello');
  const bytes = Buffer.from([0xff, 0xfe]);
  assert.deepEqual(defaultConverter.fromMessage(bytes, undefined), bytes);
  assert.equal(defaultConverter.fromMessage(Buffer.alloc(0), undefined), undefined);
});

test('invalid JSON with a JSON content-type is a conversion error', () => {
  assert.throws(
    () => defaultConverter.fromMessage(Buffer.from('{nope'), 'application/json'),
    (e: unknown) => e instanceof PayloadConversionError && /not valid JSON/.test(e.message),
  );
});

test('toMessage sets the content-type', () => {
  assert.deepEqual(defaultConverter.toMessage('hi'), {
    body: Buffer.from('hi'),
    contentType: 'text/plain;charset=UTF-8',
  });
  assert.equal(defaultConverter.toMessage(new Uint8Array([1])).contentType, 'application/octet-stream');
  const json = defaultConverter.toMessage({ a: [1] });
  assert.equal(json.contentType, 'application/json');
  assert.equal(json.body.toString(), '{"a":[1]}');
});
