/**
 * The soak test's server, in its own process so its RSS is its own: Switchboard with the
 * embedded broker; limits come as JSON in argv[2]. Answers `stats` over IPC with RSS (after a
 * GC when asked), live sessions and the server's counters, and while few are live, which they are.
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
      left: server.sessions.size + server.sessionCount <= 100 ? describeLeft() : [],
    });
  } else if (message.type === 'stop') {
    void server.close().finally(() => process.exit(0));
  }
});
/**
 * The live sessions by the name each soak client gives in its URL's query, with their state, and
 * STOMP sessions whose transport session is gone (a leak in the server, were there one).
 */
function describeLeft(): string[] {
  const stomp = new Map(server.describeSessions().map((d) => [d.id, d]));
  const left = [...server.sessions].map((s) => {
    const state = stomp.get(s.id)?.state ?? 'none';
    stomp.delete(s.id);
    return `${s.uri.search.slice(1) || s.uri.pathname} (open ${s.isOpen}, STOMP ${state})`;
  });
  for (const d of stomp.values())
    left.push(`STOMP session ${d.id} (${d.state}) without its transport session`);
  return left;
}
process.on('disconnect', () => process.exit(0));
