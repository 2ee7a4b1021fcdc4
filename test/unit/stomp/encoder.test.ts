import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StompDecoder } from '../../../src/stomp/decoder.js';
import { encodeFrame, encodeHeartbeat } from '../../../src/stomp/encoder.js';
import type { StompCommand, StompFrame, StompVersion } from '../../../src/stomp/frame.js';
import {
  CLIENT_COMMANDS,
  SERVER_COMMANDS,
  STOMP_VERSIONS,
  allowsBody,
  createFrame,
  createHeaders,
} from '../../../src/stomp/frame.js';
import { assertDecodes, frame, plain } from './codec-helpers.js';

const ALL_COMMANDS: readonly StompCommand[] = [...CLIENT_COMMANDS, ...SERVER_COMMANDS];
const NO_ESCAPE: readonly StompCommand[] = ['CONNECT', 'STOMP', 'CONNECTED'];

/** Decodes one encoded frame with a decoder set to `version`. */
function decodeWith(bytes: Buffer, version: StompVersion): StompFrame {
  const decoder = new StompDecoder({ commands: 'any' });
  decoder.version = version;
  const frames = decoder.decode(bytes);
  assert.equal(frames.length, 1);
  return frames[0]!;
}

const text = (bytes: Buffer): string => bytes.toString('latin1');

void describe('encodeFrame', () => {
  void test('the exact bytes of a simple frame', () => {
    const bytes = encodeFrame(createFrame('SUBSCRIBE', { id: 'sub-0', destination: '/topic/a' }));
    assert.equal(text(bytes), 'SUBSCRIBE\nid:sub-0\ndestination:/topic/a\n\n\0');
    const send = encodeFrame(createFrame('SEND', { destination: '/q' }, 'hi'));
    assert.equal(text(send), 'SEND\ndestination:/q\ncontent-length:2\n\nhi\0');
  });

  void test('round-trips every command in every version', () => {
    const body = Buffer.from([0x68, 0x00, 0x69, 0xff, 0x00]);
    for (const version of STOMP_VERSIONS) {
      for (const command of ALL_COMMANDS) {
        const headers = { destination: '/queue/a', id: '7', receipt: 'r-1', 'x-custom': 'value with spaces' };
        const original = createFrame(command, headers, allowsBody(command) ? body : undefined);
        const decoded = plain(decodeWith(encodeFrame(original, version), version));
        const expectedHeaders: [string, string][] = Object.entries(headers);
        if (allowsBody(command)) expectedHeaders.push(['content-length', String(body.length)]);
        assert.deepStrictEqual(
          decoded,
          frame(command, expectedHeaders, allowsBody(command) ? body : Buffer.alloc(0)),
          `${command} ${version}`,
        );
      }
    }
  });

  void test('binary bodies with all 256 byte values round-trip, also split at every byte', () => {
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const bytes = encodeFrame(createFrame('MESSAGE', { subscription: 's', 'message-id': 'm' }, body));
    assertDecodes(
      bytes,
      [
        frame(
          'MESSAGE',
          [
            ['subscription', 's'],
            ['message-id', 'm'],
            ['content-length', '256'],
          ],
          body,
        ),
      ],
      { options: { commands: 'server' } },
    );
  });

  void test('the default version is 1.2', () => {
    const frameWithColon = createFrame('MESSAGE', { destination: '/a:b' });
    assert.deepStrictEqual(encodeFrame(frameWithColon), encodeFrame(frameWithColon, '1.2'));
    assert.match(text(encodeFrame(frameWithColon)), /destination:\/a\\cb\n/);
  });
});

void describe('encodeFrame: header escaping', () => {
  const tricky = 'a:b\nc\\d\re';

  void test('1.2 escapes \\\\, \\r, \\n and : in names and values', () => {
    const bytes = encodeFrame(createFrame('MESSAGE', { 'na:me\n': tricky }), '1.2');
    assert.equal(text(bytes), 'MESSAGE\nna\\cme\\n:a\\cb\\nc\\\\d\\re\ncontent-length:0\n\n\0');
  });

  void test('1.1 escapes \\\\, \\n and :, and CR as \\r like Spring (1.1 does not define it)', () => {
    const bytes = encodeFrame(createFrame('MESSAGE', { k: tricky }), '1.1');
    assert.equal(text(bytes), 'MESSAGE\nk:a\\cb\\nc\\\\d\\re\ncontent-length:0\n\n\0');
  });

  void test('1.0 does not escape; CR and LF become spaces so the frame stays intact', () => {
    const bytes = encodeFrame(createFrame('MESSAGE', { 'k\n': tricky }), '1.0');
    assert.equal(text(bytes), 'MESSAGE\nk :a:b c\\d e\ncontent-length:0\n\n\0');
  });

  void test('escaped headers round-trip through the decoder in 1.1 and 1.2', () => {
    const headers = createHeaders({ 'we:ird\\name\r\n': tricky, plain: 'value', empty: '', trailing: 'x\\' });
    for (const version of ['1.1', '1.2'] as const) {
      for (const command of ['SEND', 'MESSAGE', 'SUBSCRIBE', 'ERROR', 'RECEIPT'] as const) {
        const decoded = decodeWith(
          encodeFrame({ command, headers, body: Buffer.alloc(0) }, version),
          version,
        );
        for (const [name, value] of Object.entries(headers)) {
          assert.equal(decoded.headers[name], value, `${command} ${version} ${JSON.stringify(name)}`);
        }
      }
    }
  });

  void test('1.0 headers with ":" and "\\" round-trip literally', () => {
    const headers = createHeaders({ destination: '/a:b\\c', selector: "x = 'y:z'" });
    const decoded = decodeWith(
      encodeFrame({ command: 'SEND', headers, body: Buffer.alloc(0) }, '1.0'),
      '1.0',
    );
    assert.equal(decoded.headers.destination, '/a:b\\c');
    assert.equal(decoded.headers.selector, "x = 'y:z'");
  });

  void test('CONNECT, STOMP and CONNECTED are never escaped, in any version', () => {
    for (const version of STOMP_VERSIONS) {
      for (const command of NO_ESCAPE) {
        const bytes = encodeFrame(createFrame(command, { login: 'a:b\\c', server: 'x\ny' }), version);
        assert.equal(text(bytes), `${command}\nlogin:a:b\\c\nserver:x y\n\n\0`, `${command} ${version}`);
        const decoded = decodeWith(bytes, version);
        assert.equal(decoded.headers.login, 'a:b\\c');
      }
    }
  });

  void test('UTF-8 header names and values are written as UTF-8', () => {
    const bytes = encodeFrame(createFrame('SEND', { ключ: 'значение 😀' }, 'тело'));
    const decoded = decodeWith(bytes, '1.2');
    assert.equal(decoded.headers['ключ'], 'значение 😀');
    assert.equal(decoded.body.toString('utf8'), 'тело');
    assert.equal(decoded.headers['content-length'], String(Buffer.byteLength('тело')));
  });

  void test('__proto__ is an ordinary header name', () => {
    const headers = createHeaders();
    headers['__proto__'] = 'p';
    const bytes = encodeFrame({ command: 'SEND', headers, body: Buffer.alloc(0) });
    assert.equal(text(bytes), 'SEND\n__proto__:p\ncontent-length:0\n\n\0');
    assert.equal(decodeWith(bytes, '1.2').headers['__proto__'], 'p');
  });

  void test('header order is kept; undefined values are left out', () => {
    const headers = createHeaders({ b: '2', a: '1' });
    (headers as Record<string, string | undefined>).c = undefined;
    headers.d = '4';
    assert.equal(
      text(encodeFrame({ command: 'SUBSCRIBE', headers, body: Buffer.alloc(0) })),
      'SUBSCRIBE\nb:2\na:1\nd:4\n\n\0',
    );
  });
});

void describe('encodeFrame: content-length', () => {
  void test('SEND, MESSAGE and ERROR always carry the body length, even for an empty body', () => {
    for (const command of ['SEND', 'MESSAGE', 'ERROR'] as const) {
      assert.equal(text(encodeFrame(createFrame(command))), `${command}\ncontent-length:0\n\n\0`);
      const decoded = decodeWith(encodeFrame(createFrame(command, {}, 'abc')), '1.2');
      assert.equal(decoded.headers['content-length'], '3');
    }
  });

  void test('a wrong content-length on the frame is replaced by the real one, written once', () => {
    const bytes = encodeFrame(
      createFrame('MESSAGE', { 'content-length': '999', destination: '/a' }, 'hello'),
    );
    const encoded = text(bytes);
    assert.equal(encoded.split('content-length:').length - 1, 1, encoded);
    assert.equal(decodeWith(bytes, '1.2').headers['content-length'], '5');
    assert.equal(decodeWith(bytes, '1.2').body.toString(), 'hello');
  });

  void test('content-length counts bytes, not characters', () => {
    const body = '€€€';
    const decoded = decodeWith(encodeFrame(createFrame('SEND', {}, body)), '1.2');
    assert.equal(decoded.headers['content-length'], '9');
    assert.equal(decoded.body.toString('utf8'), body);
  });

  void test('a body containing NUL bytes survives thanks to content-length', () => {
    const body = Buffer.from([0, 0, 1, 0]);
    assert.deepStrictEqual(decodeWith(encodeFrame(createFrame('SEND', {}, body)), '1.2').body, body);
  });

  void test('frames without a body other than SEND/MESSAGE/ERROR get no content-length; a stale one is dropped', () => {
    for (const command of ALL_COMMANDS.filter((c) => !allowsBody(c))) {
      assert.ok(!text(encodeFrame(createFrame(command, { id: '1' }))).includes('content-length'), command);
      const stale = encodeFrame(createFrame(command, { id: '1', 'content-length': '12' }));
      assert.equal(text(stale), `${command}\nid:1\n\n\0`);
    }
  });

  void test('a body on another command still gets a correct content-length', () => {
    const bytes = encodeFrame(createFrame('RECEIPT', { 'receipt-id': '1' }, 'x'));
    assert.equal(text(bytes), 'RECEIPT\nreceipt-id:1\ncontent-length:1\n\nx\0');
  });
});

void describe('encodeHeartbeat', () => {
  void test('is a single LF that the decoder counts as a heart-beat', () => {
    const beat = encodeHeartbeat();
    assert.deepStrictEqual(beat, Buffer.from('\n'));
    let beats = 0;
    const decoder = new StompDecoder({ onHeartbeat: () => beats++ });
    assert.deepStrictEqual(
      decoder.decode(Buffer.concat([beat, beat, encodeFrame(createFrame('SEND')), beat])).length,
      1,
    );
    assert.equal(beats, 3);
  });

  void test('returns a fresh buffer each time', () => {
    const a = encodeHeartbeat();
    a[0] = 0x41;
    assert.equal(encodeHeartbeat()[0], 0x0a);
  });
});
