import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectedFrame, fakeBroker } from '../../../helpers/fake-broker.js';
import { StompTcpConnection } from '../../../../src/broker/relay/tcp-connection.js';
import type { SwitchboardError } from '../../../../src/errors.js';
import { encodeFrame } from '../../../../src/stomp/encoder.js';
import type { StompFrame } from '../../../../src/stomp/frame.js';
import { createFrame } from '../../../../src/stomp/frame.js';

const connected = connectedFrame;

function closedWith(): {
  listener: (e: SwitchboardError | undefined) => void;
  promise: Promise<SwitchboardError | undefined>;
} {
  let listener!: (e: SwitchboardError | undefined) => void;
  const promise = new Promise<SwitchboardError | undefined>((resolve) => (listener = resolve));
  return { listener, promise };
}

test('CONNECT carries host, login, passcode, versions and heart-beat; frames flow both ways, binary-safe', async (t) => {
  const broker = await fakeBroker(t, (frame, socket) => {
    if (frame.command === 'CONNECT') socket.write(connected());
    if (frame.command === 'SEND') {
      socket.write(
        encodeFrame(
          createFrame(
            'MESSAGE',
            { destination: '/topic/x', subscription: 's', 'message-id': '1' },
            frame.body,
          ),
        ),
      );
    }
  });
  const connection = new StompTcpConnection({
    port: broker.port,
    login: 'guest',
    passcode: 'guest',
    virtualHost: '/',
    heartbeat: [0, 0],
  });
  const frames: StompFrame[] = [];
  const closed = closedWith();
  const ok = await connection.connect((f) => frames.push(f), closed.listener);
  assert.equal(ok.command, 'CONNECTED');
  const connect = broker.received[0]!;
  assert.deepEqual(
    [
      connect.headers['accept-version'],
      connect.headers.host,
      connect.headers.login,
      connect.headers.passcode,
    ],
    ['1.2,1.1', '/', 'guest', 'guest'],
  );
  const body = Buffer.from([0, 1, 2, 0, 255]);
  connection.send(createFrame('SEND', { destination: '/topic/x' }, body));
  await new Promise<void>((resolve) => {
    const check = (): void => (frames.length > 0 ? resolve() : void setImmediate(check));
    check();
  });
  assert.deepEqual(frames[0]!.body, body);
  connection.close();
  assert.equal(await closed.promise, undefined, 'a close we asked for carries no error');
});

test('a broker that answers CONNECT with ERROR: the connect promise rejects with its message', async (t) => {
  const broker = await fakeBroker(t, (_frame, socket) => {
    socket.write(encodeFrame(createFrame('ERROR', { message: 'Access refused for user guest' })));
  });
  const closed = closedWith();
  await assert.rejects(
    new StompTcpConnection({ port: broker.port }).connect(() => {}, closed.listener),
    (e: SwitchboardError) => e.code === 'ERR_BROKER_UNAVAILABLE' && /Access refused/.test(e.message),
  );
  assert.match((await closed.promise)?.message ?? '', /refused CONNECT/);
});

test('a broker that never answers CONNECT: rejected after connectTimeout', async (t) => {
  const broker = await fakeBroker(t, () => {});
  const started = Date.now();
  await assert.rejects(
    new StompTcpConnection({ port: broker.port, connectTimeout: 150 }).connect(
      () => {},
      () => {},
    ),
    /connectTimeout \(150 ms\)/,
  );
  assert.ok(Date.now() - started >= 140);
});

test('a broker that sends garbage: the connection ends with an error naming it', async (t) => {
  const broker = await fakeBroker(t, (frame, socket) => {
    if (frame.command === 'CONNECT') socket.write(connected());
    if (frame.command === 'SEND') socket.write('\x7fGARBAGE\n\n\0');
  });
  const connection = new StompTcpConnection({ port: broker.port, heartbeat: [0, 0] });
  const closed = closedWith();
  await connection.connect(() => {}, closed.listener);
  connection.send(createFrame('SEND', { destination: '/x' }));
  assert.match((await closed.promise)?.message ?? '', /malformed data/);
  assert.equal(connection.connected, false);
});

test('a broker that hangs up in the middle of a frame: the connection ends with an error', async (t) => {
  const broker = await fakeBroker(t, (frame, socket) => {
    if (frame.command === 'CONNECT') socket.write(connected());
    if (frame.command === 'SEND') socket.end('MESSAGE\ndestination:/x\ncontent-length:100\n\npartial');
  });
  const connection = new StompTcpConnection({ port: broker.port, heartbeat: [0, 0] });
  const closed = closedWith();
  await connection.connect(() => {}, closed.listener);
  connection.send(createFrame('SEND', { destination: '/x' }));
  assert.match((await closed.promise)?.message ?? '', /closed the connection/);
});

test('heart-beats: we send them when idle, and a silent broker is declared dead within 3× the interval', async (t) => {
  let beats = 0;
  const broker = await fakeBroker(t, (frame, socket) => {
    if (frame.command === 'CONNECT') {
      socket.write(connected('50,50'));
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString() === '\n') beats++;
      });
    }
  });
  const connection = new StompTcpConnection({ port: broker.port, heartbeat: [50, 50] });
  const closed = closedWith();
  const started = Date.now();
  await connection.connect(() => {}, closed.listener);
  const error = await closed.promise;
  assert.match(error?.message ?? '', /No data from the broker for 150 ms/);
  assert.ok(Date.now() - started >= 140, 'not before 3 × 50 ms');
  assert.ok(beats >= 1, `we sent ${beats} heart-beats`);
});

test('a refused TCP connection ends with an error, nothing left open', async () => {
  const closed = closedWith();
  await assert.rejects(
    new StompTcpConnection({ port: 1, connectTimeout: 2000 }).connect(() => {}, closed.listener),
    /Broker connection failed/,
  );
});
