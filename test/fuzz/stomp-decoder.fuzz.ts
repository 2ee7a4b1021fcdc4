/**
 * Property-based tests of the STOMP decoder: random bytes, random splits, valid frames and
 * mutations of them. Whatever arrives, the decoder returns frames or throws a
 * StompProtocolError (never anything else), its answer does not depend on how the bytes were
 * split, it answers in bounded time, and what it holds is bounded by its limits.
 * FUZZ_RUNS sets the number of cases per property (`npm run fuzz` runs many).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import fc from 'fast-check';
import { StompProtocolError } from '../../src/errors.js';
import { StompDecoder } from '../../src/stomp/decoder.js';
import type { StompDecoderOptions } from '../../src/stomp/decoder.js';
import { encodeFrame } from '../../src/stomp/encoder.js';
import { CLIENT_COMMANDS, createFrame } from '../../src/stomp/frame.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** Generous: a decode of a few KiB takes microseconds; this only catches a hang or a blow-up. */
const MAX_MS = 1000;

interface Outcome {
  frames: { command: string; headers: [string, string][]; body: string }[];
  error?: string;
}

function decodeAll(chunks: readonly Buffer[], options: StompDecoderOptions = {}): Outcome {
  const decoder = new StompDecoder(options);
  const outcome: Outcome = { frames: [] };
  const started = performance.now();
  for (const chunk of chunks) {
    try {
      for (const f of decoder.decode(chunk)) {
        outcome.frames.push({
          command: f.command,
          headers: Object.entries(f.headers),
          body: f.body.toString('base64'),
        });
      }
    } catch (error) {
      if (!(error instanceof StompProtocolError)) throw error; // the property fails
      outcome.error = `${error.code}: ${error.message}`;
      break;
    }
  }
  assert.ok(performance.now() - started < MAX_MS, 'decoding took too long');
  return outcome;
}

/** Cuts `data` at the given fractions (deduplicated, sorted). */
function split(data: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * data.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const i of at) {
    chunks.push(data.subarray(last, i));
    last = i;
  }
  chunks.push(data.subarray(last));
  return chunks;
}

/** The split does not change the answer: same error, and frames one a prefix of the other. */
function assertSplitIndependent(data: Buffer, cuts: readonly number[], options?: StompDecoderOptions): void {
  const whole = decodeAll([data], options);
  const pieces = decodeAll(split(data, cuts), options);
  assert.equal(pieces.error, whole.error);
  if (whole.error === undefined) {
    assert.deepEqual(pieces.frames, whole.frames);
  } else {
    const n = Math.min(whole.frames.length, pieces.frames.length);
    assert.deepEqual(pieces.frames.slice(0, n), whole.frames.slice(0, n));
  }
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength }).filter((s) => !s.includes('\0'));

/** Commands a client sends whose headers are escaped in STOMP 1.2 (CONNECT's are not). */
const COMMANDS = CLIENT_COMMANDS.filter((c) => c !== 'CONNECT' && c !== 'STOMP');

const validFrame = fc
  .record({
    command: fc.constantFrom(...COMMANDS),
    headers: fc.uniqueArray(
      fc.tuple(
        text(16).filter((n) => n.length > 0 && n.toLowerCase() !== 'content-length'),
        text(32),
      ),
      { maxLength: 12, selector: ([name]) => name },
    ),
    body: fc.uint8Array({ maxLength: 2048 }),
  })
  .map(({ command, headers, body }) =>
    createFrame(command, Object.fromEntries(headers), command === 'SEND' ? Buffer.from(body) : undefined),
  );

void test(`random bytes in random splits: frames or a StompProtocolError, the same for every split (${RUNS} runs)`, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), cuts, (bytes, at) => {
      assertSplitIndependent(Buffer.from(bytes), at);
    }),
    { numRuns: RUNS },
  );
});

void test(`byte soup from STOMP's alphabet (commands, colons, backslashes, EOLs, NULs) (${RUNS} runs)`, () => {
  const token = fc.constantFrom(
    'SEND',
    'SUBSCRIBE',
    'CONNECT',
    'STOMP',
    'DISCONNECT',
    '\n',
    '\r\n',
    '\r',
    ':',
    '\\',
    '\\n',
    '\\c',
    '\\r',
    '\\\\',
    '\\t',
    '\0',
    'content-length:',
    '5',
    '-1',
    '99999999999',
    'destination:/topic/a',
    'id:1',
    'x',
    'é',
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 200 }), cuts, (tokens, at) => {
      assertSplitIndependent(Buffer.from(tokens.join(''), 'utf8'), at);
    }),
    { numRuns: RUNS },
  );
});

void test(`valid frames survive encode → decode in any split, several per chunk (${RUNS} runs)`, () => {
  fc.assert(
    fc.property(fc.array(validFrame, { minLength: 1, maxLength: 4 }), cuts, (frames, at) => {
      const data = Buffer.concat(frames.map((f) => encodeFrame(f, '1.2')));
      const outcome = decodeAll(split(data, at));
      assert.equal(outcome.error, undefined);
      assert.equal(outcome.frames.length, frames.length);
      for (const [i, sent] of frames.entries()) {
        const got = outcome.frames[i]!;
        assert.equal(got.command, sent.command);
        assert.equal(got.body, sent.body.toString('base64'));
        // Exactly the sender's headers (the encoder may add content-length).
        const headers = got.headers.filter(([name]) => name !== 'content-length');
        assert.deepEqual(headers, Object.entries(sent.headers));
      }
    }),
    { numRuns: RUNS },
  );
});

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    byte: fc.constant(0),
  }),
  fc.record({
    kind: fc.constant('truncate' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    byte: fc.constant(0),
  }),
);

function mutate(data: Buffer, mutations: readonly { kind: string; at: number; byte: number }[]): Buffer {
  let out = Buffer.from(data);
  for (const { kind, at, byte } of mutations) {
    const i = Math.min(out.length, Math.floor(at * out.length));
    if (kind === 'flip' && i < out.length) out[i] = byte;
    else if (kind === 'insert')
      out = Buffer.concat([out.subarray(0, i), Buffer.from([byte]), out.subarray(i)]);
    else if (kind === 'delete') out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
    else if (kind === 'truncate') out = out.subarray(0, i);
  }
  return out;
}

void test(`mutated valid frames (flipped, inserted, deleted bytes, truncation): frames or a StompProtocolError (${RUNS} runs)`, () => {
  fc.assert(
    fc.property(
      fc.array(validFrame, { minLength: 1, maxLength: 3 }),
      fc.array(mutation, { minLength: 1, maxLength: 6 }),
      cuts,
      (frames, mutations, at) => {
        const data = mutate(Buffer.concat(frames.map((f) => encodeFrame(f, '1.2'))), mutations);
        assertSplitIndependent(data, at);
      },
    ),
    { numRuns: RUNS },
  );
});

void test(`memory is bounded: an endless body or header line is refused by a limit before it grows past it (${RUNS} runs)`, () => {
  const options = { maxFrameSize: 1024, maxHeaderLineLength: 256 };
  fc.assert(
    fc.property(
      fc.constantFrom(
        'SEND\ndestination:/q\n\n',
        'SEND\ndestination:/q\ncontent-length:100000\n\n',
        'SEND\nx:',
        'SE',
      ),
      fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .map((b) => Buffer.from(b.map((x) => (x === 0 || x === 10 ? 65 : x)))),
      (head, filler) => {
        const decoder = new StompDecoder(options);
        let fed = 0;
        let refused: unknown;
        try {
          decoder.decode(Buffer.from(head));
          // Feed up to 3× the frame limit; the decoder must refuse long before holding all of it.
          while (fed < 3 * options.maxFrameSize) {
            decoder.decode(filler);
            fed += filler.length;
          }
        } catch (error) {
          refused = error;
        }
        assert.ok(refused instanceof StompProtocolError, 'a limit refused the stream');
        assert.match(refused.code, /^ERR_(LIMIT|STOMP)/);
        assert.ok(fed <= options.maxFrameSize + filler.length, `held ${fed} bytes before refusing`);
      },
    ),
    { numRuns: RUNS },
  );
});
