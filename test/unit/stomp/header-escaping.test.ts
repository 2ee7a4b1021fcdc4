import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from '../../../src/errors.js';
import {
  escapeHeader,
  escapesHeaders,
  flattenHeader,
  unescapeHeader,
} from '../../../src/stomp/header-escaping.js';

test('escapeHeader and unescapeHeader are inverse for every escaped character', () => {
  for (const text of ['plain', 'a:b', 'line\nbreak', 'cr\rlf\n', 'back\\slash', '\\c:\\n', '', ':::']) {
    assert.equal(unescapeHeader(escapeHeader(text), 'x'), text);
  }
  assert.equal(escapeHeader('a:b\\c\r\n'), 'a\\cb\\\\c\\r\\n');
});

test('flattenHeader turns CR and LF into spaces and keeps the rest', () => {
  assert.equal(flattenHeader('a\r\nb:c\\'), 'a  b:c\\');
});

test('escapesHeaders: not in 1.0, never on CONNECT, STOMP and CONNECTED, otherwise yes', () => {
  assert.equal(escapesHeaders('1.0', 'SEND'), false);
  assert.equal(escapesHeaders('1.2', 'CONNECT'), false);
  assert.equal(escapesHeaders(undefined, 'STOMP'), false);
  assert.equal(escapesHeaders('1.1', 'CONNECTED'), false);
  assert.equal(escapesHeaders('1.1', 'MESSAGE'), true);
  assert.equal(escapesHeaders(undefined, 'SEND'), true);
});

test('unescapeHeader rejects undefined escapes and a trailing backslash, naming the header', () => {
  assert.throws(
    () => unescapeHeader('a\\tb', 'x-name'),
    (error: unknown) => {
      assert.equal((error as { code?: string }).code, ErrorCodes.ERR_STOMP_INVALID_ESCAPE);
      assert.match((error as Error).message, /"\\t" in STOMP header "x-name"/);
      return true;
    },
  );
  assert.throws(() => unescapeHeader('end\\', 'x-name'), { code: ErrorCodes.ERR_STOMP_INVALID_ESCAPE });
});
