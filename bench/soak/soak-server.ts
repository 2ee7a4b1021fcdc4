/**
 * The soak test's server, in its own process so its RSS is its own: Switchboard with the
 * embedded broker; limits come as JSON in argv[2]. Answers `stats` over IPC with RSS (after a
 * GC when asked), live sessions and the server's counters.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { createStompServer } from '../../src/index.js';
import type { Limits } from '../../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const limits = JSON.parse(process.argv[2] ?? '{}') as Partial<Limits>;
const server = createStompServer({ path: '/stomp', heartbeat: [0, 0], allowedOrigins: ['*'], limits });
const { port } = await server.listen(0, '127.0.0.1');
process.send!({ type: 'ready', port });
process.on('message', (message: { type: string; gc?: boolean }) => {
  if (message.type === 'stats') {
    if (message.gc) gc();
    const stats = server.stats();
    process.send!({
      type: 'stats',
      rss: process.memoryUsage().rss,
      sessions: server.sessionCount,
      transportSessions: server.sessions.size,
      slowConsumersClosed: stats.websocket.limitExceeded,
      subscriptions: stats.broker.kind === 'simple' ? stats.broker.subscriptions : 0,
    });
  } else if (message.type === 'stop') {
    void server.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
