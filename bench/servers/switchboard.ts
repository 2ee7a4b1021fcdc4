/**
 * The real server on the benchmark workload: embedded broker, heart-beats off (as the clients
 * ask). With the argument `metrics`: Prometheus metrics on (delivery latency sampled as by
 * default), scraped every second, to measure their overhead.
 */
import { createPrometheusMetrics, createStompServer } from '../../src/index.js';
import { serveBenchmark } from '../lib/server-child.js';

const server = createStompServer({ path: '/stomp', heartbeat: [0, 0], allowedOrigins: ['*'], sockjs: true });
// The request/reply scenario: SEND /app/rr → reply to this session's /user/queue/reply.
server.handlers.map('/rr', (ctx) => ctx.payload, {
  sendToUser: { destinations: '/queue/reply', broadcast: false },
});
if (process.argv[2] === 'metrics') {
  const metrics = await createPrometheusMetrics(server);
  setInterval(() => void metrics.metrics(), 1000).unref();
}
const { port } = await server.listen(0, '127.0.0.1');
serveBenchmark(port, () => server.close());
