import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { eventually, startServer } from '../helpers/server.js';

const CONNECT = 'CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0';

interface Case {
  name: string;
  /** Send CONNECT first (default true). */
  connect?: boolean;
  /** Frames to set up state before the bad input. */
  setup?: string[];
  input: string | Buffer | (string | Buffer)[];
  code: string;
  message: RegExp;
  receiptId?: string;
}

function randomBytes(seed: number, length: number): Buffer {
  let x = seed;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x & 0xff;
  }
  out[0] = 0x7e; // never a valid command initial
  return out;
}

const cases: Case[] = [
  { name: 'unknown command', input: 'FOO\n\n\0', code: 'ERR_STOMP_UNKNOWN_COMMAND', message: /FOO/ },
  {
    name: 'header without colon',
    input: 'SEND\ndestination\n\n\0',
    code: 'ERR_STOMP_MALFORMED_HEADER',
    message: /header/i,
  },
  {
    name: 'undefined escape sequence',
    input: 'SEND\ndestination:/topic/x\nh:a\\tb\n\n\0',
    code: 'ERR_STOMP_INVALID_ESCAPE',
    message: /escape/i,
  },
  {
    name: 'content-length mismatch (no NUL where content-length ends)',
    input: 'SEND\ndestination:/topic/x\ncontent-length:2\n\nabcdef\0',
    code: 'ERR_STOMP_MISSING_NUL',
    message: /content-length|NUL/i,
  },
  {
    name: 'non-numeric content-length',
    input: 'SEND\ndestination:/topic/x\ncontent-length:ten\n\nabc\0',
    code: 'ERR_STOMP_INVALID_CONTENT_LENGTH',
    message: /content-length/i,
  },
  {
    name: 'no NUL: the frame grows past the size limit',
    input: ['SEND\ndestination:/topic/x\n\n', 'x'.repeat(600), 'y'.repeat(600)],
    code: 'ERR_STOMP_FRAME_TOO_LARGE',
    message: /1024/,
  },
  {
    name: 'oversize frame names the limit',
    input: `SEND\ndestination:/topic/x\n\n${'z'.repeat(2000)}\0`,
    code: 'ERR_STOMP_FRAME_TOO_LARGE',
    message: /maxFrameSize.*1024|1024.*maxFrameSize/,
  },
  {
    name: 'too many headers',
    input: `SEND\ndestination:/topic/x\n${Array.from({ length: 30 }, (_, i) => `h${i}:v`).join('\n')}\n\n\0`,
    code: 'ERR_STOMP_TOO_MANY_HEADERS',
    message: /20/,
  },
  {
    name: 'random bytes',
    input: randomBytes(7, 300),
    code: 'ERR_STOMP_UNKNOWN_COMMAND',
    message: /command/i,
  },
  {
    name: 'SEND before CONNECT',
    connect: false,
    input: 'SEND\ndestination:/topic/x\n\nbody\0',
    code: 'ERR_STOMP_NOT_CONNECTED',
    message: /before CONNECT/,
  },
  {
    name: 'no common version',
    connect: false,
    input: 'CONNECT\naccept-version:9.9\nhost:x\n\n\0',
    code: 'ERR_STOMP_UNSUPPORTED_VERSION',
    message: /1\.2,1\.1,1\.0/,
  },
  {
    name: 'malformed heart-beat',
    connect: false,
    input: 'CONNECT\naccept-version:1.2\nhost:x\nheart-beat:soon\n\n\0',
    code: 'ERR_STOMP_INVALID_HEADER',
    message: /heart-beat/,
  },
  {
    name: 'SUBSCRIBE without id (receipt-id echoed)',
    input: 'SUBSCRIBE\ndestination:/topic/x\nreceipt:77\n\n\0',
    code: 'ERR_STOMP_MISSING_HEADER',
    message: /'id'/,
    receiptId: '77',
  },
  {
    name: 'SUBSCRIBE without destination',
    input: 'SUBSCRIBE\nid:1\n\n\0',
    code: 'ERR_STOMP_MISSING_HEADER',
    message: /'destination'/,
  },
  {
    name: 'duplicate subscription id',
    setup: ['SUBSCRIBE\nid:dup\ndestination:/topic/a\n\n\0'],
    input: 'SUBSCRIBE\nid:dup\ndestination:/topic/b\n\n\0',
    code: 'ERR_STOMP_DUPLICATE_SUBSCRIPTION',
    message: /dup/,
  },
  {
    name: 'ACK of an unknown message',
    input: 'ACK\nid:nope\n\n\0',
    code: 'ERR_STOMP_UNKNOWN_ACK',
    message: /nope/,
  },
  {
    name: 'UNSUBSCRIBE of an unknown id',
    input: 'UNSUBSCRIBE\nid:ghost\n\n\0',
    code: 'ERR_STOMP_UNKNOWN_SUBSCRIPTION',
    message: /ghost/,
  },
  {
    name: 'body on a SUBSCRIBE',
    input: 'SUBSCRIBE\nid:1\ndestination:/topic/x\n\nbody\0',
    code: 'ERR_STOMP_BODY_NOT_ALLOWED',
    message: /body/i,
  },
  {
    name: 'COMMIT of an unknown transaction',
    input: 'COMMIT\ntransaction:t9\n\n\0',
    code: 'ERR_STOMP_UNKNOWN_TRANSACTION',
    message: /t9/,
  },
  {
    name: 'SEND to a destination nothing serves',
    input: 'SEND\ndestination:/nowhere/x\n\nbody\0',
    code: 'ERR_DESTINATION_NOT_ALLOWED',
    message: /\/nowhere\/x/,
  },
  {
    name: 'SEND to an application destination without a handler',
    input: 'SEND\ndestination:/app/missing\n\nbody\0',
    code: 'ERR_NO_HANDLER',
    message: /\/app\/missing/,
  },
  {
    name: 'a second CONNECT',
    input: CONNECT,
    code: 'ERR_STOMP_ALREADY_CONNECTED',
    message: /already connected/,
  },
];

test('malformed input: ERROR naming the problem, then close; other clients unaffected; no leaked session', async (t) => {
  const { url, server } = await startServer(t, { limits: { maxFrameSize: 1024, maxHeaders: 20 } });
  const healthy = await RawStompClient.connect(url);
  await healthy.request('SUBSCRIBE', { id: 'h', destination: '/topic/healthy' });
  let round = 0;

  for (const c of cases) {
    await t.test(c.name, async () => {
      const bad = await RawStompClient.open(url);
      if (c.connect !== false) {
        bad.send(CONNECT);
        await bad.next('CONNECTED');
      }
      for (const frame of c.setup ?? []) bad.send(frame);
      for (const chunk of Array.isArray(c.input) ? c.input : [c.input]) bad.send(chunk);
      const error = await bad.next('ERROR');
      assert.equal(error.headers.code, c.code, `code (message: ${error.headers.message})`);
      assert.match(error.headers.message ?? '', c.message);
      assert.ok(error.body.length > 0, 'ERROR has an explanatory body');
      if (c.receiptId) assert.equal(error.headers['receipt-id'], c.receiptId);
      const { code } = await bad.closed;
      assert.ok(code >= 1000, `closed with ${code}`);

      // The healthy client still sends and receives.
      round++;
      healthy.sendFrame('SEND', { destination: '/topic/healthy' }, `ping ${round}`);
      const ping = await healthy.next('MESSAGE');
      assert.equal(ping.body.toString(), `ping ${round}`);
    });
  }

  await eventually(() => server.sessionCount === 1, 5000, 'only the healthy session left');
  healthy.close();
  await healthy.closed;
  await eventually(() => server.sessionCount === 0, 5000, 'no session left');
});
