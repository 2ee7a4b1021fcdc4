/**
 * Switchboard as a Fastify plugin, on Fastify's port: the app's routes, STOMP over WebSocket
 * at /stomp and SockJS at the same path, closed with Fastify. Run:
 * `npx tsx examples/fastify/server.ts` (PORT=3000).
 */
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import type { StompServer } from '../../src/index.js';
import { switchboardFastify } from '../../src/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    stomp: StompServer;
  }
}

export async function startFastifyExample(port = 0, host = '127.0.0.1') {
  const app = Fastify();
  await app.register(switchboardFastify, { path: '/stomp', sockjs: true });
  app.stomp.handlers.map('/chat', (ctx) => ctx.payload, { sendTo: '/topic/chat' });

  app.get('/api/health', () => ({ ok: true, sessions: app.stomp.sessionCount }));
  app.post('/api/announce', async (request, reply) => {
    await app.stomp.template.convertAndSend('/topic/announcements', request.body);
    return reply.code(202).send();
  });

  await app.listen({ port, host });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    stomp: app.stomp,
    close: () => app.close(),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { port } = await startFastifyExample(Number(process.env.PORT ?? 3000), '0.0.0.0');
  console.log(`Fastify + Switchboard on http://localhost:${port} (STOMP at ws://localhost:${port}/stomp)`);
}
