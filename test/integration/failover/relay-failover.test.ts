import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes } from '../../../src/index.js';
import {
  backToBaseline,
  rabbitmqctl,
  startRabbitApp,
  timersAndSockets,
} from '../../helpers/rabbit-restart.js';
import { RawStompClient } from '../../helpers/raw-stomp.js';
import { requireRabbitStomp, startRelayServer, unique } from '../../helpers/rabbitmq.js';
import { eventually, relayStats, within } from '../../helpers/server.js';

// Restarts the real RabbitMQ: scripts/test.sh runs this file alone, after every other test.

test('per-session mode, RabbitMQ restart: clients get ERROR and close, availability events fire, the relay recovers, nothing leaks', async (t) => {
  await requireRabbitStomp();
  t.after(() => startRabbitApp()); // whatever happens, leave the broker running
  const baseline = timersAndSockets();
  const { url, server } = await startRelayServer(
    t,
    {},
    { mode: 'per-session', reconnect: { initialDelay: 200, maxDelay: 1000 } },
  );
  const events: { available: boolean; at: number }[] = [];
  server.on('brokerAvailability', (e) => events.push({ available: e.available, at: Date.now() }));
  const topic = `/topic/${unique('failover')}`;
  const clients = await Promise.all([RawStompClient.connect(url), RawStompClient.connect(url)]);
  for (const client of clients) await client.request('SUBSCRIBE', { id: 's', destination: topic });

  await rabbitmqctl('stop_app');
  for (const client of clients) {
    const error = await client.next('ERROR', () => true, 30_000);
    assert.equal(error.headers.code, ErrorCodes.ERR_BROKER_UNAVAILABLE);
    assert.match(error.headers.message ?? '', /broker/i);
    await within(client.closed, 5000, 'client closed after the ERROR');
  }
  await eventually(() => !server.broker.available, 30_000, 'the relay to notice');
  assert.equal(events[0]?.available, false);
  await assert.rejects(server.template.convertAndSend(topic, 'while down'), {
    code: ErrorCodes.ERR_BROKER_UNAVAILABLE,
  });
  const refused = await RawStompClient.open(url);
  refused.sendFrame('CONNECT', { 'accept-version': '1.2', host: 'x' });
  const unavailable = await refused.next('ERROR');
  assert.match(unavailable.headers.message ?? '', /message broker is not available/);
  await within(refused.closed, 5000, 'refused client closed');

  await startRabbitApp();
  const started = Date.now();
  await eventually(() => server.broker.available, 30_000, 'the relay to recover');
  const recoveryMs = Date.now() - started;
  t.diagnostic(`relay available again ${recoveryMs} ms after RabbitMQ was fully up`);
  assert.ok(recoveryMs < 10_000, `recovered within seconds (${recoveryMs} ms)`);
  assert.deepEqual(
    events.map((e) => e.available),
    [false, true],
  );

  const fresh = await RawStompClient.connect(url);
  await fresh.request('SUBSCRIBE', { id: 'again', destination: topic });
  assert.equal(await server.template.convertAndSend(topic, 'after the restart'), true);
  assert.equal((await fresh.next('MESSAGE')).body.toString(), 'after the restart');
  assert.equal(relayStats(server).sessions, 1);
  assert.ok(relayStats(server).reconnects >= 1);
  assert.ok(server.stats().stomp.closes.brokerError >= 1, 'clients closed by the broker loss are counted');

  await server.close();
  assert.equal(relayStats(server).connections, 0);
  await backToBaseline(baseline);
});
