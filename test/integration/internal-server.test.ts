import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdminView, createInternalServer, createPrometheusMetrics } from '../../src/index.js';
import { parseExposition } from '../helpers/prometheus-text.js';
import { startServer } from '../helpers/server.js';

const TOKEN = 'internal-admin-token-0123456789';

test('createInternalServer: metrics, the admin view and extra routes on a loopback listener of their own, nothing on the public one', async (t) => {
  const { server, port } = await startServer(t);
  const metrics = await createPrometheusMetrics(server);
  const admin = createAdminView(server, { token: TOKEN });
  t.after(() => metrics.close());
  t.after(() => admin.close());
  const internal = createInternalServer({
    metrics,
    admin,
    routes: [(req, res) => (req.url === '/healthz' ? (res.end('ok'), true) : false)],
  });
  t.after(() => internal.close());
  const { host, url } = await internal.listen(0);
  assert.equal(host, '127.0.0.1', 'loopback unless told otherwise');

  const m = parseExposition(await (await fetch(`${url}/metrics`)).text());
  assert.equal(m.types.get('switchboard_sessions'), 'gauge');
  assert.equal((await fetch(`${url}/admin/api`)).status, 401);
  const snapshot = await fetch(`${url}/admin/api`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(((await snapshot.json()) as { broker: { kind: string } }).broker.kind, 'simple');
  assert.equal(await (await fetch(`${url}/healthz`)).text(), 'ok');
  assert.equal((await fetch(`${url}/elsewhere`)).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404, 'not on the public port');

  // close() ends kept-alive scraper connections too, so it resolves at once.
  await internal.close();
  await assert.rejects(fetch(`${url}/metrics`));
});
