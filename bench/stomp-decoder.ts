/**
 * Micro-benchmark of the STOMP decoder: CPU time per decoded frame for small frames (one per
 * chunk, as WebSocket delivers them, and streamed in 16 KiB chunks, as TCP delivers them),
 * header-heavy MESSAGE frames and 60 KiB bodies (with content-length in one chunk; without it,
 * split into 4 KiB chunks).
 *
 *   node --expose-gc --import tsx bench/stomp-decoder.ts [--rounds 7] [--scale 1] [--only <name part>] [--baseline /path/to/decoder.ts]
 *
 * `--baseline` loads a second implementation (a module exporting `StompDecoder`, e.g. an older
 * `src/stomp/decoder.ts` copied out of git) and runs both in alternating rounds in this one
 * process, so a busy machine slows both alike; the table shows the median of each.
 */
import { parseArgs } from 'node:util';
import { StompDecoder } from '../src/stomp/decoder.js';
import type { StompDecoderOptions } from '../src/stomp/decoder.js';
import type { StompFrame } from '../src/stomp/frame.js';

interface Decoder {
  decode(chunk: Buffer): StompFrame[];
}
type DecoderClass = new (options?: StompDecoderOptions) => Decoder;

interface Scenario {
  name: string;
  frames: number;
  options: StompDecoderOptions;
  /** The chunks of one pass, and how many frames one pass holds. */
  chunks: Buffer[];
  framesPerPass: number;
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    scale: { type: 'string', default: '1' },
    baseline: { type: 'string' },
    only: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const scale = Number(values.scale);

function sendFrame(n: number): Buffer {
  const body = `{"text":"hello","n":${String(n).padStart(5, '0')}}`;
  return Buffer.from(
    `SEND\ndestination:/app/chat.42\ncontent-type:application/json\ncontent-length:${body.length}\n\n${body}\0`,
  );
}

function messageFrame(n: number): Buffer {
  return Buffer.from(
    'MESSAGE\nsubscription:sub-0\nmessage-id:' +
      `m-${n}\ndestination:/topic/prices.ACME\ncontent-type:application/json\n` +
      'x-trace:a\\cb\\nc\nx-origin:eu-west\npriority:4\nx-user:alice\n\n' +
      `{"symbol":"ACME","price":${n}}\0`,
  );
}

function split(stream: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
  return chunks;
}

function scenarios(): Scenario[] {
  const small = Array.from({ length: 1000 }, (_, n) => sendFrame(n));
  const stream = Buffer.concat(small);
  const headers = Array.from({ length: 1000 }, (_, n) => messageFrame(n));
  const bigBody = Buffer.alloc(60 * 1024, 'x');
  const withLength = Buffer.concat([
    Buffer.from(`SEND\ndestination:/queue/big\ncontent-length:${bigBody.length}\n\n`),
    bigBody,
    Buffer.from([0]),
  ]);
  const withoutLength = Buffer.concat([
    Buffer.from('SEND\ndestination:/queue/big\n\n'),
    bigBody,
    Buffer.from([0]),
  ]);
  const large = { maxFrameSize: 128 * 1024 };
  return [
    { name: 'small SEND, 1 per chunk', frames: 1_000_000, options: {}, chunks: small, framesPerPass: 1000 },
    {
      name: 'small SEND, 16 KiB stream',
      frames: 1_000_000,
      options: {},
      chunks: split(stream, 16 * 1024),
      framesPerPass: 1000,
    },
    {
      name: 'MESSAGE, 9 headers, 1 per chunk',
      frames: 300_000,
      options: { commands: 'server' },
      chunks: headers,
      framesPerPass: 1000,
    },
    {
      name: '60 KiB body, content-length',
      frames: 20_000,
      options: large,
      chunks: [withLength],
      framesPerPass: 1,
    },
    {
      name: '60 KiB body, NUL-terminated, 4 KiB chunks',
      frames: 20_000,
      options: large,
      chunks: split(withoutLength, 4096),
      framesPerPass: 1,
    },
  ];
}

/** CPU nanoseconds per frame for one run of `scenario`. */
function run(Decoder: DecoderClass, scenario: Scenario): number {
  // With --expose-gc, start every run on a clean heap so one run's garbage is not another's cost.
  (globalThis as { gc?: () => void }).gc?.();
  const decoder = new Decoder(scenario.options);
  const passes = Math.max(1, Math.round((scenario.frames * scale) / scenario.framesPerPass));
  let decoded = 0;
  const start = process.cpuUsage();
  for (let pass = 0; pass < passes; pass++) {
    for (const chunk of scenario.chunks) decoded += decoder.decode(chunk).length;
  }
  const used = process.cpuUsage(start);
  if (decoded !== passes * scenario.framesPerPass) throw new Error(`${scenario.name}: decoded ${decoded}`);
  return ((used.user + used.system) * 1000) / decoded;
}

function median(list: number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const implementations: [string, DecoderClass][] = [['current', StompDecoder]];
if (values.baseline !== undefined) {
  const module = (await import(values.baseline)) as { StompDecoder: DecoderClass };
  implementations.unshift(['baseline', module.StompDecoder]);
}

console.log(`node ${process.version}, ${rounds} rounds, scale ${scale}; CPU ns per frame (median)`);
for (const scenario of scenarios()) {
  if (values.only !== undefined && !scenario.name.includes(values.only)) continue;
  const samples = new Map<string, number[]>(implementations.map(([name]) => [name, []]));
  for (const [, Decoder] of implementations) run(Decoder, { ...scenario, frames: scenario.frames / 10 }); // warm-up
  for (let round = 0; round < rounds; round++) {
    // Alternate which implementation goes first, so neither always runs on a warmer cache.
    const order = round % 2 === 0 ? implementations : [...implementations].reverse();
    for (const [name, Decoder] of order) samples.get(name)!.push(run(Decoder, scenario));
  }
  const cells = implementations.map(([name]) => `${name} ${median(samples.get(name)!).toFixed(0)}`);
  const ratio =
    implementations.length === 2
      ? `  current/baseline ${(median(samples.get('current')!) / median(samples.get('baseline')!)).toFixed(3)}`
      : '';
  console.log(`${scenario.name.padEnd(44)} ${cells.join('  ')}${ratio}`);
}
