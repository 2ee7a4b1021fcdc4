import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { RelayConfig, StompServerOptions } from '../../../../src/index.js';
import { ErrorCodes } from '../../../../src/index.js';
import { encodeFrame } from '../../../../src/stomp/encoder.js';
import type { StompFrame } from '../../../../src/stomp/frame.js';
import { createFrame } from '../../../../src/stomp/frame.js';
import { connectedFrame, fakeBroker } from '../../../helpers/fake-broker.js';
import { RawStompClient } from '../../../helpers/raw-stomp.js';
import { RecordingLogger } from '../../../helpers/recording-logger.js';
import { eventually, relayStats, startServer, within } from '../../../helpers/server.js';

type Behaviour = (frame: StompFrame, socket: net.Socket, isSystem: boolean) => void;

/**
 * A server relaying to a fake broker. The system connection (login 'system') is always
 * answered politely; `session` decides what client sessions' connections get.
 */
async function relayTo(
  t: TestContext,
  session: Behaviour,
  relay: RelayConfig = {},
  options: StompServerOptions = {},
) {
  const logger = new RecordingLogger();
  const systemSockets = new WeakSet<net.Socket>();
  const broker = await fakeBroker(t, (frame, socket) => {
    if (frame.command === 'CONNECT' && frame.headers.login === 'system') systemSockets.add(socket);
    const isSystem = systemSockets.has(socket);
    if (isSystem) {
      if (frame.command === 'CONNECT') socket.write(connectedFrame());
      return;
    }
    session(frame, socket, isSystem);
  });
  const started = await startServer(t, {
    logger,
    ...options,
    broker: {
      relay: {
        mode: 'per-session',
        port: broker.port,
        login: 'system',
        passcode: 'secret-system-passcode',
        reconnect: { initialDelay: 20, maxDelay: 100 },
        connectTimeout: 1000,
        userRegistryBroadcast: false,
        ...relay,
      },
    },
  });
  await eventually(() => started.server.broker.available, 5000, 'relay available');
  return { ...started, broker, logger };
}

const polite: Behaviour = (frame, socket) => {
  if (frame.command === 'CONNECT') socket.write(connectedFrame());
  const receipt = frame.headers.receipt;
  if (receipt !== undefined && frame.command !== 'CONNECT')
    socket.write(encodeFrame(createFrame('RECEIPT', { 'receipt-id': receipt })));
};

async function expectBrokerError(client: RawStompClient, pattern: RegExp) {
  const error = await client.next('ERROR');
  assert.match(error.headers.message ?? '', pattern);
  assert.equal(error.headers.code, ErrorCodes.ERR_BROKER_UNAVAILABLE);
  await within(client.closed, 5000, 'the client to be closed');
  return error;
}

test('the client CONNECT is relayed with the client credentials (or clientLogin), the virtual host and heart-beats', async (t) => {
  const { url, broker } = await relayTo(t, polite, { virtualHost: 'vh1', heartbeat: [5000, 6000] });
  const client = await RawStompClient.connect(url, { login: 'ann', passcode: 'pw' });
  t.after(() => client.close());
  const connect = broker.received.find((f) => f.command === 'CONNECT' && f.headers.login === 'ann')!;
  assert.equal(connect.headers.passcode, 'pw');
  assert.equal(connect.headers.host, 'vh1');
  assert.equal(connect.headers['heart-beat'], '5000,6000');

  const fixed = await relayTo(t, polite, { clientLogin: 'relay-user', clientPasscode: 'relay-pw' });
  const other = await RawStompClient.connect(fixed.url, { login: 'ann', passcode: 'pw' });
  t.after(() => other.close());
  const relayed = fixed.broker.received.filter((f) => f.command === 'CONNECT').at(-1)!;
  assert.equal(relayed.headers.login, 'relay-user');
  assert.equal(relayed.headers.passcode, 'relay-pw');
});

test('frames are relayed in order even when the client pipelines them behind CONNECT', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { url, broker } = await relayTo(t, (frame, socket) => {
    if (frame.command === 'CONNECT') void gate.then(() => socket.write(connectedFrame()));
    else polite(frame, socket, false);
  });
  const client = await RawStompClient.open(url);
  t.after(() => client.close());
  client.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'x', 'heart-beat': '0,0' });
  client.sendFrame('SUBSCRIBE', { id: '1', destination: '/topic/a' });
  client.sendFrame('SEND', { destination: '/topic/a', receipt: 'r' }, 'x');
  release();
  await client.next('CONNECTED');
  await client.next('RECEIPT');
  const sessionFrames = broker.received.filter((f) => f.headers.login !== 'system').map((f) => f.command);
  assert.deepEqual(sessionFrames.slice(-3), ['CONNECT', 'SUBSCRIBE', 'SEND']);
});

test('a broker that refuses the session CONNECT: the client gets an ERROR naming the reason', async (t) => {
  const { url, server } = await relayTo(t, (frame, socket) => {
    if (frame.command === 'CONNECT')
      socket.end(encodeFrame(createFrame('ERROR', { message: 'Access refused for user ann' })));
  });
  const client = await RawStompClient.open(url);
  client.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'x', login: 'ann' });
  await expectBrokerError(client, /refused CONNECT: Access refused for user ann/);
  await eventually(() => server.sessionCount === 0);
});

test('a broker that never answers CONNECT: ERROR after connectTimeout, nothing left open', async (t) => {
  const { url, server, logger } = await relayTo(t, () => {}, { connectTimeout: 200 });
  const client = await RawStompClient.open(url);
  client.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'x' });
  await expectBrokerError(client, /connectTimeout \(200 ms\)/);
  assert.ok(logger.find('warn', /Broker connection lost/));
  await eventually(() => relayStats(server).sessions === 0);
});

test('a broker that sends garbage: the client gets an ERROR, the reason is logged, others are untouched', async (t) => {
  const { url, logger } = await relayTo(t, (frame, socket) => {
    if (frame.command === 'SUBSCRIBE' && frame.headers.destination === '/topic/poison')
      socket.write('NOT-A-COMMAND\n\n\0');
    else polite(frame, socket, false);
  });
  const victim = await RawStompClient.connect(url);
  const bystander = await RawStompClient.connect(url);
  t.after(() => bystander.close());
  victim.sendFrame('SUBSCRIBE', { id: '1', destination: '/topic/poison' });
  await expectBrokerError(victim, /malformed data/);
  const logged = logger.find('warn', /Broker connection lost/);
  assert.match(String(logged?.meta?.reason), /malformed data/);
  await bystander.request('SUBSCRIBE', { id: '2', destination: '/topic/fine' });
});

test('a broker that closes in the middle of a frame: the client gets an ERROR saying the connection was lost', async (t) => {
  const { url } = await relayTo(t, (frame, socket) => {
    if (frame.command === 'SUBSCRIBE') socket.end('MESSAGE\ndestination:/topic/x\nsubscr');
    else polite(frame, socket, false);
  });
  const client = await RawStompClient.connect(url);
  client.sendFrame('SUBSCRIBE', { id: '1', destination: '/topic/x' });
  await expectBrokerError(
    client,
    /Lost the connection to the message broker: The broker closed the connection/,
  );
});

test('an ERROR frame from the broker is passed to the client as it is, then the client is closed', async (t) => {
  const { url } = await relayTo(t, (frame, socket) => {
    if (frame.command === 'SEND')
      socket.end(
        encodeFrame(
          createFrame('ERROR', { message: 'not_found', 'receipt-id': frame.headers.receipt }, 'no queue'),
        ),
      );
    else polite(frame, socket, false);
  });
  const client = await RawStompClient.connect(url);
  client.sendFrame('SEND', { destination: '/queue/nowhere', receipt: 'r1' }, 'x');
  const error = await client.next('ERROR');
  assert.equal(error.headers.message, 'not_found');
  assert.equal(error.headers['receipt-id'], 'r1');
  assert.equal(error.body.toString(), 'no queue');
  assert.equal((await within(client.closed, 5000, 'close')).code, 1002);
});

test('broker loss: every client is told and closed, availability events fire, the template rejects, and it all comes back', async (t) => {
  const { url, server, broker, logger } = await relayTo(t, polite);
  const events: boolean[] = [];
  server.on('brokerAvailability', (e) => events.push(e.available));
  const clients = [await RawStompClient.connect(url), await RawStompClient.connect(url)];
  // While down, the broker hangs up on every connection (the system connection's included).
  broker.refusing = true;
  broker.dropAll();
  for (const client of clients) await expectBrokerError(client, /Lost the connection to the message broker/);
  await eventually(() => !server.broker.available);
  assert.deepEqual(events, [false]);
  await assert.rejects(server.template.convertAndSend('/topic/x', 'lost?'), {
    code: ErrorCodes.ERR_BROKER_UNAVAILABLE,
  });
  const late = await RawStompClient.open(url);
  late.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'x' });
  await expectBrokerError(late, /message broker is not available/);

  broker.refusing = false;
  await eventually(() => server.broker.available, 5000, 'the relay to reconnect');
  assert.deepEqual(events, [false, true]);
  const back = await RawStompClient.connect(url);
  t.after(() => back.close());
  assert.equal(await server.template.convertAndSend('/topic/x', 'back'), true);
  assert.ok(logger.find('warn', /Message broker unavailable; reconnecting/));
  assert.ok(!JSON.stringify(logger.entries).includes('secret-system-passcode'), 'no passcode in the logs');
});

test('20 broker restarts leave no broker connection, socket or timer behind', async (t) => {
  const baseline = resources();
  {
    const { url, server, broker } = await relayTo(t, polite);
    for (let i = 0; i < 20; i++) {
      const client = await RawStompClient.connect(url);
      await client.request('SUBSCRIBE', { id: 's', destination: '/topic/t' });
      broker.dropAll();
      await expectBrokerError(client, /Lost the connection/);
      await eventually(() => server.broker.available, 5000, `reconnect ${i + 1}`);
    }
    const stats = relayStats(server);
    assert.equal(stats.reconnects, 20);
    assert.equal(stats.connections, 1, 'only the system connection is open');
    await server.close();
    assert.equal(relayStats(server).connections, 0);
    await eventually(() => broker.sockets.size === 0, 5000, 'the broker to see every connection closed');
  }
  await eventually(
    () => resources().Timeout <= baseline.Timeout && resources().TCPSocketWrap <= baseline.TCPSocketWrap + 1,
    5000,
    `timers and sockets back to the baseline (${JSON.stringify(baseline)} → ${JSON.stringify(resources())})`,
  );
});

function resources(): { Timeout: number; TCPSocketWrap: number } {
  const counts = { Timeout: 0, TCPSocketWrap: 0 };
  for (const kind of process.getActiveResourcesInfo())
    if (kind in counts) counts[kind as keyof typeof counts]++;
  return counts;
}
