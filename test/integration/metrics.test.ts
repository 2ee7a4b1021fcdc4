import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createPrometheusMetrics } from '../../src/index.js';
import { parseExposition, sample } from '../helpers/prometheus-text.js';
import { RawStompClient } from '../helpers/raw-stomp.js';
import { eventually, startServer } from '../helpers/server.js';

test('Prometheus metrics: counters, gauges and the delivery-latency histogram after scripted sessions, parsed', async (t) => {
  const { url, port, server } = await startServer(t, {
    requestListener: (req, res) => {
      if (!metrics.handle(req, res)) res.writeHead(404).end();
    },
  });
  const appRegistry = new Registry(); // the application's own registry, shared
  const metrics = await createPrometheusMetrics(server, { registry: appRegistry, latencySampling: 1 });
  t.after(() => metrics.close());

  const a = await RawStompClient.connect(url);
  const b = await RawStompClient.connect(url);
  await a.request('SUBSCRIBE', { id: '1', destination: '/topic/m' });
  await b.request('SUBSCRIBE', { id: '1', destination: '/topic/m' });
  for (let i = 0; i < 5; i++) b.sendFrame('SEND', { destination: '/topic/m' }, `m${i}`);
  await eventually(() => a.frames.filter((f) => f.command === 'MESSAGE').length === 5, 5000, 'deliveries');
  const bad = await RawStompClient.connect(url);
  bad.send('SUBSCRIBE\n\n\0');
  await bad.closed;
  await eventually(() => server.sessionCount === 2, 5000, 'the bad session to end');

  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const m = parseExposition(text);
  assert.equal(m.types.get('switchboard_sessions'), 'gauge');
  assert.equal(m.types.get('switchboard_sessions_closed_total'), 'counter');
  assert.equal(m.types.get('switchboard_delivery_latency_seconds'), 'histogram');
  assert.equal(sample(m, 'switchboard_sessions', { transport: 'websocket' }), 2);
  assert.equal(sample(m, 'switchboard_sessions_opened_total', { transport: 'websocket' }), 3);
  assert.equal(sample(m, 'switchboard_sessions_closed_total', { cause: 'protocolError' }), 1);
  assert.equal(sample(m, 'switchboard_stomp_frames_total', { type: 'CONNECT' }), 3);
  assert.equal(sample(m, 'switchboard_messages_published_total'), 5);
  assert.equal(sample(m, 'switchboard_messages_delivered_total'), 10);
  assert.equal(sample(m, 'switchboard_subscriptions'), 2);
  assert.equal(sample(m, 'switchboard_destinations'), 1);
  assert.equal(sample(m, 'switchboard_frames_received_total'), server.stats().stomp.framesIn);
  assert.equal(sample(m, 'switchboard_broker_available'), 1);
  assert.equal(sample(m, 'switchboard_delivery_latency_seconds_count'), 10);
  assert.ok(sample(m, 'switchboard_delivery_latency_seconds_bucket', { le: '+Inf' }) === 10);
  assert.ok(sample(m, 'switchboard_delivery_latency_seconds_sum')! > 0);
  // Low cardinality: no destination, user or session names unless asked for.
  assert.doesNotMatch(text, /\/topic\/m|destination=/);

  const withDestinations = await createPrometheusMetrics(server, { prefix: 'sb2_', destinationLabels: true });
  t.after(() => withDestinations.close());
  const labelled = parseExposition(await withDestinations.metrics());
  assert.equal(sample(labelled, 'sb2_destination_subscriptions', { destination: '/topic/m' }), 2);

  metrics.close();
  assert.equal((await appRegistry.metrics()).trim(), '', 'close() removed every metric');
  a.close();
  b.close();
});
