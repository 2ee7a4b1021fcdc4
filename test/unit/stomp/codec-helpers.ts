import assert from 'node:assert/strict';
import { StompProtocolError } from '../../../src/errors.js';
import type { StompDecoderOptions } from '../../../src/stomp/decoder.js';
import { StompDecoder } from '../../../src/stomp/decoder.js';
import type { StompFrame, StompVersion } from '../../../src/stomp/frame.js';

/** A frame with a plain-object header map, comparable with deepStrictEqual. */
export interface PlainFrame {
  command: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Outcome {
  frames: PlainFrame[];
  heartbeats: number;
  error?: { code: string; message: string };
}

export interface DecodeSetup {
  options?: Omit<StompDecoderOptions, 'onHeartbeat'>;
  version?: StompVersion;
}

/** Builds an expected frame; headers as [name, value] pairs so `__proto__` can be a name. */
export function frame(
  command: string,
  headers: [string, string][] = [],
  body: Buffer | string = Buffer.alloc(0),
): PlainFrame {
  return {
    command,
    headers: Object.fromEntries(headers),
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

export function plain(decoded: StompFrame): PlainFrame {
  assert.equal(
    Object.getPrototypeOf(Object.getPrototypeOf(decoded.headers)),
    null,
    'headers inherit nothing',
  );
  assert.ok(Buffer.isBuffer(decoded.body), 'body is a Buffer');
  // Object.fromEntries defines own properties, so a `__proto__` header stays a header.
  return {
    command: decoded.command,
    headers: Object.fromEntries(Object.entries(decoded.headers)),
    body: Buffer.from(decoded.body),
  };
}

export function bytes(input: Buffer | string): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

/** Feeds `chunks` to a fresh decoder; records frames, heart-beats and the first error. */
export function run(chunks: readonly Buffer[], setup: DecodeSetup = {}): Outcome {
  const outcome: Outcome = { frames: [], heartbeats: 0 };
  const decoder = new StompDecoder({ ...setup.options, onHeartbeat: () => outcome.heartbeats++ });
  decoder.version = setup.version;
  for (const chunk of chunks) {
    try {
      for (const decoded of decoder.decode(chunk)) outcome.frames.push(plain(decoded));
    } catch (err) {
      if (!(err instanceof StompProtocolError)) throw err;
      outcome.error = { code: err.code, message: err.message };
      // Poisoned: the same error again, whatever comes next.
      assert.throws(
        () => decoder.decode(Buffer.from('DISCONNECT\n\n\0')),
        (again) => again === err,
      );
      break;
    }
  }
  return outcome;
}

/**
 * Every way this test suite splits an input: whole, in two at every offset
 * (including empty first/last chunks), and one byte at a time.
 */
export function* splits(input: Buffer): Generator<{ label: string; chunks: Buffer[] }> {
  yield { label: 'whole', chunks: [input] };
  for (let i = 0; i <= input.length; i++) {
    yield { label: `split at ${i}`, chunks: [input.subarray(0, i), input.subarray(i)] };
  }
  const single: Buffer[] = [];
  for (let i = 0; i < input.length; i++) single.push(input.subarray(i, i + 1));
  yield { label: 'byte by byte', chunks: single };
}

/** Asserts that every split of `input` decodes to exactly `expected`, with `heartbeats` EOLs counted. */
export function assertDecodes(
  input: Buffer | string,
  expected: PlainFrame[],
  setup: DecodeSetup & { heartbeats?: number } = {},
): void {
  const data = bytes(input);
  for (const { label, chunks } of splits(data)) {
    const outcome = run(chunks, setup);
    assert.equal(outcome.error, undefined, `${label}: unexpected error ${JSON.stringify(outcome.error)}`);
    assert.deepStrictEqual(outcome.frames, expected, label);
    if (setup.heartbeats !== undefined)
      assert.equal(outcome.heartbeats, setup.heartbeats, `${label}: heart-beats`);
  }
}

/**
 * Asserts that every split of `input` fails with `code` and the same message, after
 * delivering at most the frames in `before` (a split may deliver them before the error).
 * Returns the message.
 */
export function assertRejects(
  input: Buffer | string,
  code: string,
  setup: DecodeSetup & { before?: PlainFrame[] } = {},
): string {
  const data = bytes(input);
  const before = setup.before ?? [];
  let message: string | undefined;
  for (const { label, chunks } of splits(data)) {
    const outcome = run(chunks, setup);
    assert.ok(
      outcome.error,
      `${label}: expected ${code}, decoded ${outcome.frames.length} frame(s) without error`,
    );
    assert.equal(outcome.error.code, code, `${label}: ${outcome.error.message}`);
    message ??= outcome.error.message;
    assert.equal(outcome.error.message, message, `${label}: the message does not depend on the split`);
    assert.deepStrictEqual(outcome.frames, before.slice(0, outcome.frames.length), label);
  }
  return message as string;
}

/** Decodes `input` in one piece; throws what decode() throws. */
export function decodeOnce(input: Buffer | string, setup: DecodeSetup = {}): PlainFrame[] {
  const decoder = new StompDecoder(setup.options);
  decoder.version = setup.version;
  return decoder.decode(bytes(input)).map(plain);
}

/** Predicate for assert.throws: a StompProtocolError with `code`. */
export function withCode(code: string, messageIncludes?: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof StompProtocolError, `expected StompProtocolError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (messageIncludes !== undefined) assert.ok(err.message.includes(messageIncludes), err.message);
    return true;
  };
}

/** Small seeded PRNG (mulberry32), so fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
