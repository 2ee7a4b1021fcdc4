import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { connectOverSockJs } from '../helpers/security.js';
import { eventually, simpleBrokerStats, startServer } from '../helpers/server.js';
import { Inbox, subscribed } from '../helpers/stompjs.js';

test('stats after scripted sessions: sessions by transport, frames and bytes, subscriptions, closes by cause', async (t) => {
  const logger = new RecordingLogger();
  const { url, port, server } = await startServer(t, {
    sockjs: true,
    logger,
    heartbeat: [100, 100],
    limits: { connectTimeout: 300 },
    statsLoggingPeriod: 50,
  });

  // Two WebSocket subscribers and one SockJS xhr-streaming subscriber on one topic.
  const a = await RawStompClient.connect(url);
  const b = await RawStompClient.connect(url);
  await a.request('SUBSCRIBE', { id: '1', destination: '/topic/prices' });
  await b.request('SUBSCRIBE', { id: '1', destination: '/topic/prices' });
  await b.request('SUBSCRIBE', { id: '2', destination: '/topic/news' });
  const sockjs = await connectOverSockJs(`http://127.0.0.1:${port}/stomp`, 'xhr-streaming');
  t.after(() => sockjs.client.deactivate());
  const inbox = new Inbox();
  await subscribed(sockjs.client, '/topic/prices', inbox);

  let stats = server.stats();
  assert.equal(stats.stomp.sessions.current.websocket, 2);
  assert.equal(stats.stomp.sessions.current.xhr_streaming, 1);
  assert.deepEqual(stats.subscriptions, { count: 4, destinations: 2 });
  assert.equal(server.subscriptionsByDestination().get('/topic/prices'), 3);
  assert.equal(stats.stomp.connect, 3);
  assert.equal(stats.stomp.connected, 3);

  const before = server.stats().stomp;
  for (let i = 0; i < 10; i++) a.sendFrame('SEND', { destination: '/topic/prices' }, `p${i}`);
  await inbox.waitFor(10);
  await eventually(() => b.frames.filter((f) => f.command === 'MESSAGE').length === 10, 5000, 'b to get 10');
  stats = server.stats();
  assert.equal(stats.stomp.framesIn - before.framesIn, 10);
  // 30 deliveries, plus whatever heart-beats went out meanwhile.
  assert.ok(stats.stomp.framesOut - before.framesOut >= 30);
  assert.ok(stats.stomp.bytesIn - before.bytesIn > 10 * 'SEND\ndestination:/topic/prices\n\np0\0'.length - 1);
  assert.equal(simpleBrokerStats(server).published, 10);
  assert.equal(simpleBrokerStats(server).delivered, 30);

  // Closes by cause: DISCONNECT, a protocol error, a silent client, a client that never CONNECTs.
  await a.request('DISCONNECT', {});
  const bad = await RawStompClient.connect(url);
  bad.send('SEND\n\n\0'); // no destination
  await bad.next('ERROR');
  const silent = await RawStompClient.connect(url, { 'heart-beat': '100,100' });
  await silent.next('ERROR', (f) => f.headers.code === 'ERR_STOMP_HEARTBEAT_TIMEOUT', 5000);
  const mute = await RawStompClient.open(url);
  await mute.next('ERROR', () => true, 5000);
  await eventually(() => server.stats().stomp.sessions.current.websocket === 1, 5000, 'sessions to end');
  const { closes, sessions, errors } = server.stats().stomp;
  assert.equal(closes.normal, 1);
  assert.equal(closes.protocolError, 1);
  assert.equal(closes.heartbeatTimeout, 1);
  assert.equal(closes.connectTimeout, 1);
  assert.equal(errors, 3);
  assert.equal(sessions.total.websocket, 5);

  // The one-line summary, logged periodically.
  await eventually(() => logger.find('info', /^Stats: /) !== undefined, 5000, 'the stats line');
  assert.match(
    logger.find('info', /^Stats: /)!.message,
    /sessions \d+ \(websocket \d+.*CONNECT \d+, CONNECTED \d+/,
  );
  b.close();
});

test('no passcodes, tokens or cookies in the logs, even at debug level', async (t) => {
  const logger = new RecordingLogger();
  const { url } = await startServer(t, {
    logger,
    authenticate: ({ passcode, headers }) => {
      if (passcode !== 'hunter2' && headers.Authorization !== 'Bearer tok-123')
        throw new Error('bad credentials');
      return { name: 'alice' };
    },
  });
  const ok = await RawStompClient.connect(url, { login: 'alice', passcode: 'hunter2' });
  ok.close();
  const token = await RawStompClient.connect(url, { Authorization: 'Bearer tok-123' });
  token.close();
  const bad = await RawStompClient.open(url, ['v12.stomp'], { cookie: 'session=cookie-secret' });
  bad.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'h', login: 'alice', passcode: 'wrong-pass' });
  await bad.next('ERROR');
  const logged = JSON.stringify(logger.entries);
  assert.ok(logger.entries.length > 0);
  for (const secret of ['hunter2', 'tok-123', 'cookie-secret', 'wrong-pass'])
    assert.ok(!logged.includes(secret), secret);
});
