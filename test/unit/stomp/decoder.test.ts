import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCodes, StompProtocolError } from '../../../src/errors.js';
import { DEFAULT_LIMITS } from '../../../src/limits.js';
import { StompDecoder } from '../../../src/stomp/decoder.js';
import { CLIENT_COMMANDS, SERVER_COMMANDS, allowsBody } from '../../../src/stomp/frame.js';
import type { PlainFrame } from './codec-helpers.js';
import { assertDecodes, assertRejects, decodeOnce, frame, prng, run, withCode } from './codec-helpers.js';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

void describe('StompDecoder: frames', () => {
  void test('a SEND frame with a body and no content-length', () => {
    assertDecodes('SEND\ndestination:/queue/a\n\nhello\0', [
      frame('SEND', [['destination', '/queue/a']], 'hello'),
    ]);
  });

  void test('a frame without headers or body', () => {
    assertDecodes('DISCONNECT\n\n\0', [frame('DISCONNECT')]);
  });

  void test('several frames in one chunk, with heart-beat EOLs before, between and after them', () => {
    const input =
      '\n\r\nCONNECT\naccept-version:1.2\nhost:h\n\n\0\n\n' +
      'SUBSCRIBE\nid:0\ndestination:/topic/t\n\n\0\r\n' +
      'SEND\ndestination:/topic/t\ncontent-length:2\n\nhi\0' +
      'SEND\ndestination:/topic/t\n\nho\0\n';
    assertDecodes(
      input,
      [
        frame('CONNECT', [
          ['accept-version', '1.2'],
          ['host', 'h'],
        ]),
        frame('SUBSCRIBE', [
          ['id', '0'],
          ['destination', '/topic/t'],
        ]),
        frame(
          'SEND',
          [
            ['destination', '/topic/t'],
            ['content-length', '2'],
          ],
          'hi',
        ),
        frame('SEND', [['destination', '/topic/t']], 'ho'),
      ],
      { heartbeats: 6 },
    );
  });

  void test('heart-beats alone are counted, one per EOL (LF or CRLF)', () => {
    assertDecodes('\n\r\n\n\r\n', [], { heartbeats: 4 });
    const outcome = run([Buffer.from('\r'), Buffer.from('\n'), Buffer.from('\r\n\n')]);
    assert.equal(outcome.heartbeats, 3);
    assert.deepStrictEqual(outcome.frames, []);
  });

  void test('CRLF line endings', () => {
    assertDecodes('SEND\r\ndestination:/a\r\nreceipt:r-1\r\n\r\nbody\r\n\0\r\n', [
      frame(
        'SEND',
        [
          ['destination', '/a'],
          ['receipt', 'r-1'],
        ],
        'body\r\n',
      ),
    ]);
  });

  void test('mixed LF and CRLF lines in one frame', () => {
    assertDecodes('SEND\r\na:1\nb:2\r\n\nx\0', [
      frame(
        'SEND',
        [
          ['a', '1'],
          ['b', '2'],
        ],
        'x',
      ),
    ]);
  });

  void test('a content-length body may contain NUL bytes', () => {
    const body = Buffer.from([0, 1, 0, 0, 2, 0]);
    const input = Buffer.concat([
      Buffer.from('SEND\ndestination:/a\ncontent-length:6\n\n'),
      body,
      Buffer.from([0]),
    ]);
    assertDecodes(input, [
      frame(
        'SEND',
        [
          ['destination', '/a'],
          ['content-length', '6'],
        ],
        body,
      ),
    ]);
  });

  void test('a binary body with all 256 byte values (content-length)', () => {
    const input = Buffer.concat([
      Buffer.from('MESSAGE\nsubscription:s\ncontent-length:256\n\n'),
      ALL_BYTES,
      Buffer.from([0]),
    ]);
    assertDecodes(
      input,
      [
        frame(
          'MESSAGE',
          [
            ['subscription', 's'],
            ['content-length', '256'],
          ],
          ALL_BYTES,
        ),
      ],
      { options: { commands: 'server' } },
    );
  });

  void test('without content-length the body ends at the first NUL', () => {
    const body = ALL_BYTES.subarray(1); // every byte value but NUL
    const input = Buffer.concat([
      Buffer.from('SEND\n\n'),
      body,
      Buffer.from([0]),
      Buffer.from('SEND\n\nb\0'),
    ]);
    assertDecodes(input, [frame('SEND', [], body), frame('SEND', [], 'b')]);
  });

  void test('content-length: 0 and an empty body', () => {
    assertDecodes('SEND\ncontent-length:0\n\n\0SEND\n\n\0', [
      frame('SEND', [['content-length', '0']]),
      frame('SEND'),
    ]);
  });

  void test('content-length may be written with leading zeros', () => {
    assertDecodes('SEND\ncontent-length:003\n\nabc\0', [frame('SEND', [['content-length', '003']], 'abc')]);
  });

  void test('an empty body is fine on any command, with or without content-length: 0', () => {
    assertDecodes('SUBSCRIBE\nid:1\ndestination:/a\ncontent-length:0\n\n\0UNSUBSCRIBE\nid:1\n\n\0', [
      frame('SUBSCRIBE', [
        ['id', '1'],
        ['destination', '/a'],
        ['content-length', '0'],
      ]),
      frame('UNSUBSCRIBE', [['id', '1']]),
    ]);
  });

  void test('ERROR and MESSAGE may carry bodies (server commands)', () => {
    assertDecodes(
      'ERROR\nmessage:bad\n\ndetails\0MESSAGE\ndestination:/a\nsubscription:1\nmessage-id:m\n\npayload\0RECEIPT\nreceipt-id:7\n\n\0CONNECTED\nversion:1.2\n\n\0',
      [
        frame('ERROR', [['message', 'bad']], 'details'),
        frame(
          'MESSAGE',
          [
            ['destination', '/a'],
            ['subscription', '1'],
            ['message-id', 'm'],
          ],
          'payload',
        ),
        frame('RECEIPT', [['receipt-id', '7']]),
        frame('CONNECTED', [['version', '1.2']]),
      ],
      { options: { commands: 'server' } },
    );
  });

  void test('every client command is accepted in client mode and rejected in server mode', () => {
    for (const command of CLIENT_COMMANDS) {
      assert.deepStrictEqual(decodeOnce(`${command}\n\n\0`), [frame(command)]);
      assert.throws(
        () => decodeOnce(`${command}\n\n\0`, { options: { commands: 'server' } }),
        withCode(ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND, command),
      );
    }
  });

  void test('every server command is accepted in server mode and rejected in client mode', () => {
    for (const command of SERVER_COMMANDS) {
      assert.deepStrictEqual(decodeOnce(`${command}\n\n\0`, { options: { commands: 'server' } }), [
        frame(command),
      ]);
      assert.throws(
        () => decodeOnce(`${command}\n\n\0`),
        withCode(ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND, command),
      );
    }
  });

  void test("commands: 'any' accepts both sides", () => {
    assertDecodes('SEND\n\n\0MESSAGE\n\n\0', [frame('SEND'), frame('MESSAGE')], {
      options: { commands: 'any' },
    });
  });

  void test('repeated headers: the first occurrence wins', () => {
    assertDecodes('SEND\ndestination:/first\ndestination:/second\nx:1\nx:2\nx:3\n\n\0', [
      frame('SEND', [
        ['destination', '/first'],
        ['x', '1'],
      ]),
    ]);
  });

  void test('a repeated content-length: the first one counts, later ones are ignored', () => {
    assertDecodes('SEND\ncontent-length:2\ncontent-length:junk\n\na\0\0', [
      frame('SEND', [['content-length', '2']], Buffer.from('a\0')),
    ]);
  });

  void test('header values may contain ":" (the first colon splits), in every version', () => {
    for (const version of ['1.0', '1.1', '1.2', undefined] as const) {
      assertDecodes(
        'SEND\ndestination:/a:b:c\nurl:http://x:80/\n\n\0',
        [
          frame('SEND', [
            ['destination', '/a:b:c'],
            ['url', 'http://x:80/'],
          ]),
        ],
        { version },
      );
    }
  });

  void test('empty header values and whitespace are kept as they are (no trimming)', () => {
    assertDecodes('SEND\nempty:\n spaced : value \n\n\0', [
      frame('SEND', [
        ['empty', ''],
        [' spaced ', ' value '],
      ]),
    ]);
  });

  void test('UTF-8 header names, values and bodies', () => {
    const body = Buffer.from('тело 🚀 ünïcödé', 'utf8');
    const input = Buffer.concat([
      Buffer.from('SEND\nключ:значение\nemoji:😀\ndestination:/ü\n\n', 'utf8'),
      body,
      Buffer.from([0]),
    ]);
    assertDecodes(input, [
      frame(
        'SEND',
        [
          ['ключ', 'значение'],
          ['emoji', '😀'],
          ['destination', '/ü'],
        ],
        body,
      ),
    ]);
  });

  void test('__proto__, constructor and toString are ordinary header names', () => {
    const decoded = decodeOnce('SEND\n__proto__:polluted\nconstructor:c\ntoString:t\nhasOwnProperty:h\n\n\0');
    assert.deepStrictEqual(decoded, [
      frame('SEND', [
        ['__proto__', 'polluted'],
        ['constructor', 'c'],
        ['toString', 't'],
        ['hasOwnProperty', 'h'],
      ]),
    ]);
    assertDecodes('SEND\n__proto__:polluted\n__proto__:second\n\n\0', [
      frame('SEND', [['__proto__', 'polluted']]),
    ]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  void test('the raw decoded frame has a null-prototype header map and a Buffer body', () => {
    const [decoded] = new StompDecoder().decode(Buffer.from('SEND\na:1\n\nxyz\0'));
    assert.ok(decoded);
    assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(decoded.headers)), null);
    assert.equal('toString' in decoded.headers, false);
    assert.equal(decoded.headers.a, '1');
    assert.ok(Buffer.isBuffer(decoded.body));
    assert.equal(decoded.body.toString(), 'xyz');
  });

  void test('frames of one chunk are decoded without copying the body', () => {
    const chunk = Buffer.from('SEND\ncontent-length:3\n\nabc\0SEND\n\ndef\0');
    const frames = new StompDecoder().decode(chunk);
    assert.equal(frames.length, 2);
    assert.equal(frames[0]!.body.buffer, chunk.buffer, 'body is a view of the chunk');
    assert.equal(frames[1]!.body.buffer, chunk.buffer, 'body is a view of the chunk');
  });

  void test('a frame split across chunks is assembled in order', () => {
    const body = Buffer.alloc(1000, 'x');
    const decoder = new StompDecoder();
    const input = Buffer.concat([Buffer.from('SEND\ndestination:/a\n\n'), body, Buffer.from('\0')]);
    const out = [];
    for (let i = 0; i < input.length; i += 7) out.push(...decoder.decode(input.subarray(i, i + 7)));
    assert.equal(out.length, 1);
    assert.deepStrictEqual(out[0]!.body, body);
    assert.equal(out[0]!.headers.destination, '/a');
  });

  void test('an empty chunk decodes to nothing', () => {
    const decoder = new StompDecoder();
    assert.deepStrictEqual(decoder.decode(Buffer.alloc(0)), []);
    assert.equal(decoder.decode(Buffer.from('SEND\n\n\0')).length, 1);
  });
});

void describe('StompDecoder: header escaping', () => {
  const escaped = 'SEND\nna\\cme:a\\cb\\nc\\\\d\\re\n\n\0';

  void test('1.2 unescapes \\r \\n \\c \\\\ in names and values', () => {
    assertDecodes(escaped, [frame('SEND', [['na:me', 'a:b\nc\\d\re']])], { version: '1.2' });
  });

  void test('1.1 unescapes the same, accepting \\r leniently', () => {
    assertDecodes(escaped, [frame('SEND', [['na:me', 'a:b\nc\\d\re']])], { version: '1.1' });
  });

  void test('before negotiation (version undefined) non-CONNECT frames are unescaped', () => {
    assertDecodes(escaped, [frame('SEND', [['na:me', 'a:b\nc\\d\re']])]);
  });

  void test('1.0 does not unescape: \\c stays literal and unknown escapes are no error', () => {
    assertDecodes('SEND\nna\\cme:a\\cb\\\\c\\t\\\n\n\0', [frame('SEND', [['na\\cme', 'a\\cb\\\\c\\t\\']])], {
      version: '1.0',
    });
  });

  void test('CONNECT and STOMP frames are never unescaped, whatever the version', () => {
    for (const version of ['1.0', '1.1', '1.2', undefined] as const) {
      for (const command of ['CONNECT', 'STOMP']) {
        assertDecodes(
          `${command}\nlogin:us\\cer\npasscode:p\\a\\ss\n\n\0`,
          [
            frame(command, [
              ['login', 'us\\cer'],
              ['passcode', 'p\\a\\ss'],
            ]),
          ],
          { version },
        );
      }
    }
  });

  void test('CONNECTED frames are never unescaped', () => {
    for (const version of ['1.1', '1.2', undefined] as const) {
      assertDecodes('CONNECTED\nserver:a\\cb\\q\n\n\0', [frame('CONNECTED', [['server', 'a\\cb\\q']])], {
        version,
        options: { commands: 'server' },
      });
    }
  });

  void test('an undefined escape sequence is an error in 1.1, 1.2 and before negotiation', () => {
    for (const version of ['1.1', '1.2', undefined] as const) {
      const message = assertRejects('SEND\ndestination:/a\\tb\n\n\0', ErrorCodes.ERR_STOMP_INVALID_ESCAPE, {
        version,
      });
      assert.match(message, /\\t/);
      assert.match(message, /destination/);
    }
  });

  void test('a lone backslash at the end of a value or name is an error', () => {
    assertRejects('SEND\ndestination:/a\\\n\n\0', ErrorCodes.ERR_STOMP_INVALID_ESCAPE, { version: '1.2' });
    assertRejects('SEND\nname\\:v\n\n\0', ErrorCodes.ERR_STOMP_INVALID_ESCAPE, { version: '1.2' });
  });

  void test('escaped content-length is unescaped before it is read', () => {
    assertDecodes('SEND\ncontent\\c:1\ncontent-length:1\n\nx\0', [
      frame(
        'SEND',
        [
          ['content:', '1'],
          ['content-length', '1'],
        ],
        'x',
      ),
    ]);
  });

  void test('a version set between frames applies from the next frame on', () => {
    const decoder = new StompDecoder();
    const [connect] = decoder.decode(Buffer.from('CONNECT\naccept-version:1.0\n\n\0'));
    assert.equal(connect?.command, 'CONNECT');
    decoder.version = '1.0';
    const [send] = decoder.decode(Buffer.from('SEND\ndestination:/a\\cb\n\n\0'));
    assert.equal(send?.headers.destination, '/a\\cb');
    decoder.version = '1.2';
    const [send2] = decoder.decode(Buffer.from('SEND\ndestination:/a\\cb\n\n\0'));
    assert.equal(send2?.headers.destination, '/a:b');
  });
});

void describe('StompDecoder: errors', () => {
  void test('ERR_STOMP_UNKNOWN_COMMAND names the command', () => {
    const message = assertRejects('FOO\n\n\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
    assert.match(message, /"FOO"/);
    assertRejects('send\n\n\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
    assertRejects('SEND \n\n\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
    assertRejects('SEN\n\n\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
  });

  void test('ERR_STOMP_UNKNOWN_COMMAND after valid frames', () => {
    assertRejects('SEND\n\na\0\nBOGUS\n\n\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND, {
      before: [frame('SEND', [], 'a')],
    });
  });

  void test('a long or binary command is truncated and made printable in the message', () => {
    const long = assertRejects(`${'X'.repeat(500)}\n\n\0`, ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
    assert.ok(long.length < 120, long);
    assert.ok(long.includes('…'), long);
    const binary = Buffer.from([0x81, 0xff, 0x07, 0x1b, 0x41, 0x0a]);
    const message = assertRejects(binary, ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
    assert.match(message, /^[\x20-\x7e]*$/, 'only printable ASCII');
    assert.match(message, /\\x81\\xff\\x07\\x1bA/);
  });

  void test('ERR_STOMP_MALFORMED_HEADER: a header line without ":"', () => {
    const message = assertRejects('SEND\ndestination /a\n\n\0', ErrorCodes.ERR_STOMP_MALFORMED_HEADER);
    assert.match(message, /destination \/a/);
  });

  void test('ERR_STOMP_MALFORMED_HEADER: an empty header name', () => {
    assertRejects('SEND\n:value\n\n\0', ErrorCodes.ERR_STOMP_MALFORMED_HEADER);
  });

  void test('ERR_STOMP_MALFORMED_HEADER: a NUL byte in the headers (missing blank line)', () => {
    const message = assertRejects('SEND\ndestination:/a\n\0', ErrorCodes.ERR_STOMP_MALFORMED_HEADER);
    assert.match(message, /NUL/);
    assertRejects('SEND\ndestination:/a\0', ErrorCodes.ERR_STOMP_MALFORMED_HEADER);
  });

  void test('ERR_STOMP_UNKNOWN_COMMAND: a NUL byte in the command line', () => {
    const message = assertRejects('DISCONNECT\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
    assert.match(message, /"DISCONNECT\\x00"/);
    assert.match(message, /NUL/);
    assertRejects('\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND);
    assertRejects('SEND\n\n\0\0', ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND, { before: [frame('SEND')] });
  });

  void test('ERR_STOMP_INVALID_CONTENT_LENGTH: non-numeric, negative, fractional, padded or empty', () => {
    for (const value of ['abc', '-1', '1.5', ' 5', '5 ', '', '0x10', '+3', '1e3']) {
      const message = assertRejects(
        `SEND\ncontent-length:${value}\n\n\0`,
        ErrorCodes.ERR_STOMP_INVALID_CONTENT_LENGTH,
      );
      assert.match(message, /content-length/);
    }
  });

  void test('ERR_STOMP_MISSING_NUL: the byte after content-length bytes is not NUL', () => {
    const message = assertRejects('SEND\ncontent-length:3\n\nabcd\0', ErrorCodes.ERR_STOMP_MISSING_NUL);
    assert.match(message, /content-length mismatch/);
    assertRejects('SEND\ncontent-length:0\n\nx\0', ErrorCodes.ERR_STOMP_MISSING_NUL);
    assertRejects('SUBSCRIBE\ncontent-length:0\n\nx\0', ErrorCodes.ERR_STOMP_MISSING_NUL);
  });

  void test('ERR_STOMP_INVALID_EOL: a CR not followed by LF', () => {
    assertRejects('SEND\rX\n\n\0', ErrorCodes.ERR_STOMP_INVALID_EOL);
    assertRejects('SEND\ndestination:/a\rb\n\n\0', ErrorCodes.ERR_STOMP_INVALID_EOL);
    assertRejects('SEND\na:1\r\r\n\n\0', ErrorCodes.ERR_STOMP_INVALID_EOL);
    assertRejects('SEND\n\r\0', ErrorCodes.ERR_STOMP_INVALID_EOL);
    assertRejects('\rSEND\n\n\0', ErrorCodes.ERR_STOMP_INVALID_EOL);
    assertRejects('SEND\n\n\0\r\r\n', ErrorCodes.ERR_STOMP_INVALID_EOL, { before: [frame('SEND')] });
  });

  void test('ERR_STOMP_BODY_NOT_ALLOWED: a body on SUBSCRIBE (and other body-less commands)', () => {
    const message = assertRejects(
      'SUBSCRIBE\nid:1\ndestination:/a\n\nbody\0',
      ErrorCodes.ERR_STOMP_BODY_NOT_ALLOWED,
    );
    assert.match(message, /SUBSCRIBE/);
    assertRejects('SUBSCRIBE\nid:1\ncontent-length:4\n\nbody\0', ErrorCodes.ERR_STOMP_BODY_NOT_ALLOWED);
    assertRejects('CONNECT\naccept-version:1.2\n\n\n\0', ErrorCodes.ERR_STOMP_BODY_NOT_ALLOWED);
    assertRejects('RECEIPT\nreceipt-id:1\n\nx\0', ErrorCodes.ERR_STOMP_BODY_NOT_ALLOWED, {
      options: { commands: 'server' },
    });
  });

  void test('the decoder is poisoned after an error: every later decode() throws the same error', () => {
    const decoder = new StompDecoder();
    let first: unknown;
    assert.throws(
      () => decoder.decode(Buffer.from('BAD\n\n\0')),
      (err) => {
        first = err;
        return withCode(ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND)(err);
      },
    );
    for (let i = 0; i < 3; i++) {
      assert.throws(
        () => decoder.decode(Buffer.from('SEND\n\n\0')),
        (err) => err === first,
      );
    }
    assert.throws(
      () => decoder.decode(Buffer.alloc(0)),
      (err) => err === first,
    );
  });

  void test('an exception from onHeartbeat propagates and poisons the decoder too', () => {
    const boom = new Error('callback failed');
    const decoder = new StompDecoder({
      onHeartbeat: () => {
        throw boom;
      },
    });
    assert.throws(
      () => decoder.decode(Buffer.from('\nSEND\n\n\0')),
      (err) => err === boom,
    );
    assert.throws(
      () => decoder.decode(Buffer.from('SEND\n\n\0')),
      (err) => err === boom,
    );
  });

  void test('an error in the middle of a chunk discards nothing from earlier chunks', () => {
    const decoder = new StompDecoder();
    assert.equal(decoder.decode(Buffer.from('SEND\n\na\0')).length, 1);
    assert.throws(
      () => decoder.decode(Buffer.from('SEND\nno colon\n\n\0')),
      withCode(ErrorCodes.ERR_STOMP_MALFORMED_HEADER),
    );
  });
});

void describe('StompDecoder: limits', () => {
  const max = DEFAULT_LIMITS.maxFrameSize;

  void test('ERR_STOMP_FRAME_TOO_LARGE as soon as content-length alone exceeds maxFrameSize (default limit)', () => {
    const message = assertRejects(
      `SEND\ncontent-length:${max + 1}\n\n`,
      ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE,
    );
    assert.ok(message.includes(`maxFrameSize (${max} bytes)`), message);
    // No body bytes needed: the header alone decides.
    assertRejects(`SEND\ncontent-length:${max}\n`, ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE);
    assertRejects('SEND\ncontent-length:99999999999999999999999\n', ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE);
  });

  void test('ERR_STOMP_FRAME_TOO_LARGE for a body without content-length, before its NUL arrives (default limit)', () => {
    const decoder = new StompDecoder();
    decoder.decode(Buffer.from('SEND\ndestination:/a\n\n'));
    decoder.decode(Buffer.alloc(max - 100, 'a'));
    assert.throws(
      () => decoder.decode(Buffer.alloc(200, 'a')),
      withCode(ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, `maxFrameSize (${max} bytes)`),
    );
    // The same bytes in one chunk, and at every split.
    const input = Buffer.concat([Buffer.from('SEND\n\n'), Buffer.alloc(max, 'b'), Buffer.from('\0')]);
    assert.throws(() => decodeOnce(input), withCode(ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, `(${max} bytes)`));
    assertRejects(input, ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE);
  });

  void test('maxFrameSize counts every byte from the command to the NUL: exactly at the limit passes', () => {
    const frameBytes = (n: number): string => `SEND\n\n${'x'.repeat(n)}\0`;
    // 'SEND\n\n' is 6 bytes.
    assertDecodes(frameBytes(94), [frame('SEND', [], 'x'.repeat(94))], { options: { maxFrameSize: 100 } });
    assertRejects(frameBytes(95), ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, { options: { maxFrameSize: 100 } });
    // 'SEND\ncontent-length:NN\n\n' is 24 bytes.
    const withLength = (n: number): string => `SEND\ncontent-length:${n}\n\n${'y'.repeat(n)}\0`;
    assertDecodes(withLength(76), [frame('SEND', [['content-length', '76']], 'y'.repeat(76))], {
      options: { maxFrameSize: 100 },
    });
    const message = assertRejects(withLength(77), ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, {
      options: { maxFrameSize: 100 },
    });
    assert.ok(message.includes('maxFrameSize (100 bytes)'), message);
  });

  void test('maxFrameSize is enforced at the first byte past it, not later', () => {
    const options = { maxFrameSize: 100 };
    // Body without NUL yet: 94 body bytes may still be a valid frame, 95 cannot be.
    assertDecodes(`SEND\n\n${'x'.repeat(94)}`, [], { options });
    assertRejects(`SEND\n\n${'x'.repeat(95)}`, ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, { options });
    // content-length: 76 still fits once the blank line comes; 77 cannot, known before the blank line.
    assertDecodes('SEND\ncontent-length:76\n', [], { options });
    assertRejects('SEND\ncontent-length:77\n', ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, { options });
    // Headers after content-length count too: checked again at the blank line.
    const late = (n: number): string => `SEND\ncontent-length:${n}\nh:12345\n\n${'b'.repeat(n)}\0`;
    assertDecodes(
      late(68),
      [
        frame(
          'SEND',
          [
            ['content-length', '68'],
            ['h', '12345'],
          ],
          'b'.repeat(68),
        ),
      ],
      { options },
    );
    assertRejects(late(69), ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, { options });
    // A header section of exactly 100 bytes (blank line included) leaves room for no body byte.
    const head = `SEND\nh:${'v'.repeat(91)}\n\n`;
    assert.equal(head.length, 100);
    assertDecodes(`${head}\0`, [frame('SEND', [['h', 'v'.repeat(91)]])], { options });
    assertRejects(`${head}x\0`, ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, { options });
    assertRejects(`${head.slice(0, -1)}z\n\n\0`, ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, { options });
  });

  void test('maxFrameSize also bounds the header section', () => {
    const headers = Array.from({ length: 20 }, (_, i) => `h${i}:value-${i}\n`).join('');
    const message = assertRejects(`SEND\n${headers}\n\0`, ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, {
      options: { maxFrameSize: 100 },
    });
    assert.ok(message.includes('maxFrameSize (100 bytes)'), message);
    // Headers that never end are refused once the limit is passed, not buffered forever.
    const decoder = new StompDecoder({ maxFrameSize: 1000, maxHeaders: 1e6 });
    decoder.decode(Buffer.from('SEND\n'));
    assert.throws(
      () => {
        for (let i = 0; i < 1000; i++) decoder.decode(Buffer.from('a:b\n'));
      },
      withCode(ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE, 'maxFrameSize (1000 bytes)'),
    );
  });

  void test('ERR_STOMP_TOO_MANY_HEADERS: more than maxHeaders header lines', () => {
    const headers = (n: number): string => Array.from({ length: n }, (_, i) => `h${i}:${i}\n`).join('');
    const expected = Array.from({ length: 5 }, (_, i): [string, string] => [`h${i}`, String(i)]);
    assertDecodes(`SEND\n${headers(5)}\n\0`, [frame('SEND', expected)], { options: { maxHeaders: 5 } });
    const message = assertRejects(`SEND\n${headers(6)}\n\0`, ErrorCodes.ERR_STOMP_TOO_MANY_HEADERS, {
      options: { maxHeaders: 5 },
    });
    assert.ok(message.includes('maxHeaders (5)'), message);
    // Repeated headers count too.
    assertRejects(`SEND\n${'a:1\n'.repeat(6)}\n\0`, ErrorCodes.ERR_STOMP_TOO_MANY_HEADERS, {
      options: { maxHeaders: 5 },
    });
  });

  void test('ERR_STOMP_TOO_MANY_HEADERS with the default limit', () => {
    const n = DEFAULT_LIMITS.maxHeaders;
    const headers = Array.from({ length: n + 1 }, (_, i) => `h${i}:${i}\n`).join('');
    assert.throws(
      () => decodeOnce(`SEND\n${headers}\n\0`),
      withCode(ErrorCodes.ERR_STOMP_TOO_MANY_HEADERS, `maxHeaders (${n})`),
    );
  });

  void test('ERR_STOMP_HEADER_TOO_LONG: a header line longer than maxHeaderLineLength (LF or CRLF)', () => {
    const line = (n: number): string => `k:${'v'.repeat(n - 2)}`;
    const options = { maxHeaderLineLength: 20 };
    assertDecodes(`SEND\n${line(20)}\n\n\0`, [frame('SEND', [['k', 'v'.repeat(18)]])], { options });
    assertDecodes(`SEND\r\n${line(20)}\r\n\r\n\0`, [frame('SEND', [['k', 'v'.repeat(18)]])], { options });
    const message = assertRejects(`SEND\n${line(21)}\n\n\0`, ErrorCodes.ERR_STOMP_HEADER_TOO_LONG, {
      options,
    });
    assert.ok(message.includes('maxHeaderLineLength (20 bytes)'), message);
    assertRejects(`SEND\r\n${line(21)}\r\n\r\n\0`, ErrorCodes.ERR_STOMP_HEADER_TOO_LONG, { options });
    // A line that never ends is refused at the limit.
    assertRejects(`SEND\n${line(200)}`, ErrorCodes.ERR_STOMP_HEADER_TOO_LONG, { options });
  });

  void test('ERR_STOMP_HEADER_TOO_LONG with the default limit', () => {
    const n = DEFAULT_LIMITS.maxHeaderLineLength;
    const message = assertRejects(`SEND\nk:${'v'.repeat(n)}\n\n\0`, ErrorCodes.ERR_STOMP_HEADER_TOO_LONG);
    assert.ok(message.includes(`maxHeaderLineLength (${n} bytes)`), message);
  });

  void test('ERR_STOMP_HEADER_TOO_LONG for the command line too', () => {
    const message = assertRejects(`${'S'.repeat(50)}`, ErrorCodes.ERR_STOMP_HEADER_TOO_LONG, {
      options: { maxHeaderLineLength: 20 },
    });
    assert.ok(message.includes('maxHeaderLineLength (20 bytes)'), message);
  });

  void test('invalid limit options are refused', () => {
    assert.throws(
      () => new StompDecoder({ maxFrameSize: 0 }),
      (err: Error & { code?: string }) => {
        return err.code === ErrorCodes.ERR_INVALID_OPTION && /maxFrameSize/.test(err.message);
      },
    );
    assert.throws(
      () => new StompDecoder({ commands: 'broker' as 'any' }),
      (err: Error & { code?: string }) =>
        err.code === ErrorCodes.ERR_INVALID_OPTION && /commands/.test(err.message),
    );
    assert.throws(
      () => new StompDecoder({ maxHeaders: Number.NaN }),
      (err: Error & { code?: string }) => {
        return err.code === ErrorCodes.ERR_INVALID_OPTION;
      },
    );
  });
});

void describe('StompDecoder: fuzzing', () => {
  const pieces = [
    'SEND',
    'SUBSCRIBE',
    'MESSAGE',
    'CONNECT',
    '\n',
    '\r\n',
    '\r',
    '\0',
    ':',
    '\\',
    '\\c',
    '\\n',
    '\\x',
    'content-length:',
    '3',
    '0',
    '-',
    'destination',
    '/a',
    'é',
    '\n\n',
  ];

  function randomInput(random: () => number): Buffer {
    const parts: Buffer[] = [];
    const count = 1 + Math.floor(random() * 24);
    for (let i = 0; i < count; i++) {
      if (random() < 0.25) {
        parts.push(
          Buffer.from(Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * 256))),
        );
      } else {
        parts.push(Buffer.from(pieces[Math.floor(random() * pieces.length)]!, 'utf8'));
      }
    }
    return Buffer.concat(parts);
  }

  /** Mostly well-formed frames and heart-beats, with random pieces spliced in now and then. */
  function randomStream(random: () => number): Buffer {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const parts: string[] = [];
    const count = 1 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) {
      if (random() < 0.2) parts.push(pick(['\n', '\r\n', '\n\n']));
      const eol = random() < 0.7 ? '\n' : '\r\n';
      const command = pick(['SEND', 'MESSAGE', 'ERROR', 'SUBSCRIBE', 'CONNECT'] as const);
      // Body-less commands get a body now and then (an error case).
      const body = allowsBody(command) || random() < 0.1 ? pick(['', 'x', 'hello', 'a\nb', 'é']) : '';
      let text = command + eol;
      const headers = Math.floor(random() * 4);
      for (let h = 0; h < headers; h++)
        text += pick(['a', 'b', 'dest', 'x\\cy']) + ':' + pick(['1', '', 'v:w', 'p\\nq']) + eol;
      if (random() < 0.4)
        text += `content-length:${Buffer.byteLength(body) + pick([0, 0, 0, 0, 0, 1, -1])}${eol}`;
      text += eol + body + '\0';
      if (random() < 0.3) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + pick(pieces) + text.slice(at);
      }
      parts.push(text);
    }
    return Buffer.from(parts.join(''), 'utf8');
  }

  function randomChunks(input: Buffer, random: () => number): Buffer[] {
    const chunks: Buffer[] = [];
    let pos = 0;
    while (pos < input.length) {
      const size = Math.floor(random() * 8);
      chunks.push(input.subarray(pos, pos + size));
      pos += size;
    }
    return chunks;
  }

  function outcome(chunks: Buffer[], options: { maxFrameSize: number; maxHeaderLineLength: number }) {
    const decoder = new StompDecoder({ ...options, commands: 'any' });
    const frames: unknown[] = [];
    for (const chunk of chunks) {
      try {
        frames.push(
          ...decoder.decode(chunk).map((f) => [f.command, { ...f.headers }, f.body.toString('hex')]),
        );
      } catch (err) {
        assert.ok(
          err instanceof StompProtocolError,
          `only StompProtocolError may be thrown, got ${String(err)}`,
        );
        return { frames, error: `${err.code}: ${err.message}` };
      }
    }
    return { frames, error: undefined };
  }

  void test('random bytes only ever raise StompProtocolError (seeded, 20000 inputs)', () => {
    const random = prng(0x5eed);
    let errors = 0;
    for (let i = 0; i < 20000; i++) {
      const input =
        random() < 0.5
          ? Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)))
          : randomInput(random);
      const decoder = new StompDecoder({ commands: random() < 0.5 ? 'client' : 'any', maxFrameSize: 64 });
      decoder.version = (['1.0', '1.1', '1.2', undefined] as const)[i % 4];
      try {
        for (const chunk of randomChunks(input, random)) decoder.decode(chunk);
      } catch (err) {
        errors++;
        assert.ok(err instanceof StompProtocolError, `input ${input.toString('hex')}: ${String(err)}`);
        assert.ok(err.code.startsWith('ERR_STOMP_'), err.code);
        assert.ok(err.message.length > 0 && err.message.length < 300, err.message);
      }
    }
    assert.ok(errors > 1000, `the fuzzer reaches error paths (${errors})`);
  });

  void test('the outcome never depends on how random input is split (seeded)', () => {
    const random = prng(42);
    let frames = 0;
    const codes = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const input = random() < 0.2 ? randomInput(random) : randomStream(random);
      const options = {
        maxFrameSize: 24 + Math.floor(random() * 200),
        maxHeaderLineLength: 4 + Math.floor(random() * 40),
      };
      const whole = outcome([input], options);
      frames += whole.frames.length;
      if (whole.error !== undefined) codes.add(whole.error.slice(0, whole.error.indexOf(':')));
      const bytes = Array.from(input, (_, j) => input.subarray(j, j + 1));
      const chunked = outcome(randomChunks(input, random), options);
      const single = outcome(bytes, options);
      for (const other of [chunked, single]) {
        assert.equal(other.error, whole.error, `input ${JSON.stringify(input.toString('latin1'))}`);
        if (whole.error === undefined) assert.deepStrictEqual(other.frames, whole.frames);
      }
    }
    assert.ok(frames > 1000, `the fuzzer produces valid frames too (${frames})`);
    assert.ok(codes.size >= 9, `the fuzzer reaches most error codes (${[...codes].join(', ')})`);
  });

  void test('valid frames with random mutations only raise StompProtocolError', () => {
    const random = prng(7);
    const base = Buffer.from(
      'SEND\ndestination:/a\\cb\ncontent-length:5\n\nhe\0lo\0SUBSCRIBE\r\nid:1\r\n\r\n\0\nMESSAGE\nx:y\n\nbody\0',
    );
    for (let i = 0; i < 5000; i++) {
      const input = Buffer.from(base);
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) input[Math.floor(random() * input.length)] = Math.floor(random() * 256);
      const result = outcome(randomChunks(input, random), { maxFrameSize: 1024, maxHeaderLineLength: 64 });
      assert.ok(result.frames.length <= 3);
    }
  });
});

void describe('StompDecoder: expected frames helper', () => {
  void test('assertDecodes fails when frames differ (the harness can fail)', () => {
    const wrong: PlainFrame[] = [frame('SEND', [['destination', '/b']])];
    assert.throws(() => assertDecodes('SEND\ndestination:/a\n\n\0', wrong), assert.AssertionError);
    assert.throws(() => assertRejects('SEND\n\n\0', ErrorCodes.ERR_STOMP_MISSING_NUL), assert.AssertionError);
  });
});
