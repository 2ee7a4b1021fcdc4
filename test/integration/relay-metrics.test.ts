import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Registry } from 'prom-client';
import { ErrorCodes, createPrometheusMetrics } from '../../src/index.js';
import { parseExposition, sample } from '../helpers/prometheus-text.js';
import { RABBIT_STOMP, requireRabbitStomp, startRelayServer, unique } from '../helpers/rabbitmq.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { eventually, relayStats } from '../helpers/server.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';

// The relay's outage as Prometheus shows it: RabbitMQ behind a TCP proxy whose line is cut.
before(requireRabbitStomp);

test('Prometheus metrics show a relay outage: availability, the outage, the buffer and its drops by reason', async (t) => {
  const proxy = await tcpProxy(t, RABBIT_STOMP);
  const { url, server } = await startRelayServer(
    t,
    {},
    { mode: 'shared', port: proxy.port, poolSize: 1, outageBuffer: { maxMessages: 2 } },
  );
  const registry = new Registry();
  const metrics = await createPrometheusMetrics(server, { registry });
  t.after(() => metrics.close());
  const scrape = async () => parseExposition(await registry.metrics());

  const topic = `/topic/${unique('metrics')}`;
  const subscriber = await RawStompClient.connect(url);
  t.after(() => subscriber.close());
  await subscriber.request('SUBSCRIBE', { id: 's', destination: topic });
  let m = await scrape();
  assert.equal(sample(m, 'switchboard_broker_available'), 1);
  assert.equal(sample(m, 'switchboard_relay_outage_active'), 0);
  assert.equal(sample(m, 'switchboard_relay_outages_total'), 0);

  proxy.cut();
  await eventually(() => relayStats(server).outage.active, 10_000, 'the relay to see the outage');
  const publisher = await RawStompClient.connect(url);
  t.after(() => publisher.close());
  publisher.sendFrame('SEND', { destination: topic }, 'one');
  publisher.sendFrame('SEND', { destination: topic }, 'two');
  publisher.sendFrame('SEND', { destination: topic }, 'three');
  const error = await publisher.next('ERROR');
  assert.equal(error.headers.code, ErrorCodes.ERR_LIMIT_OUTAGE_BUFFER);
  await eventually(() => server.sessionCount === 1, 5000, 'the publisher closed');
  m = await scrape();
  assert.equal(m.types.get('switchboard_relay_outage_buffer_messages'), 'gauge');
  assert.equal(m.types.get('switchboard_relay_dropped_total'), 'counter');
  assert.equal(sample(m, 'switchboard_broker_available'), 0);
  assert.equal(sample(m, 'switchboard_relay_outage_active'), 1);
  assert.equal(sample(m, 'switchboard_relay_outages_total'), 1);
  // The publisher's buffered frames went with its session (ERROR closes it): counted, not lost silently.
  assert.equal(sample(m, 'switchboard_relay_dropped_total', { reason: 'outageBufferFull' }), 1);
  assert.equal(sample(m, 'switchboard_relay_dropped_total', { reason: 'sessionClosed' }), 2);

  // Frames of a session that stays open wait in the buffer.
  const patient = await RawStompClient.connect(url);
  t.after(() => patient.close());
  patient.sendFrame('SEND', { destination: topic }, 'buffered');
  await eventually(() => relayStats(server).outageBuffer.messages === 1, 5000, 'the SEND to be buffered');
  m = await scrape();
  assert.equal(sample(m, 'switchboard_relay_outage_buffer_messages'), 1);
  assert.ok(sample(m, 'switchboard_relay_outage_buffer_bytes')! > 'buffered'.length);

  proxy.restore();
  assert.equal((await subscriber.next('MESSAGE', () => true, 15_000)).body.toString(), 'buffered');
  await eventually(() => server.broker.available, 10_000, 'the relay back');
  m = await scrape();
  assert.equal(sample(m, 'switchboard_broker_available'), 1);
  assert.equal(sample(m, 'switchboard_relay_outage_active'), 0);
  assert.equal(sample(m, 'switchboard_relay_outages_total'), 1);
  assert.equal(sample(m, 'switchboard_relay_outage_buffer_messages'), 0);
  assert.equal(sample(m, 'switchboard_relay_outage_buffer_bytes'), 0);
});
