/**
 * Switchboard beside an Express app, on one port: the app's routes, STOMP over WebSocket at
 * /stomp, and SockJS at the same path. Run: `npx tsx examples/express/server.ts` (PORT=3000).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { createStompServer } from '../../src/index.js';

export async function startExpressExample(port = 0, host = '127.0.0.1') {
  const app = express();
  app.use(express.json());
  app.get('/api/health', (_req, res) => {
    res.json({ ok: true, sessions: stomp.sessionCount });
  });
  // An HTTP route that publishes to STOMP subscribers.
  app.post('/api/announce', (req, res) => {
    void stomp.template.convertAndSend('/topic/announcements', req.body).then(() => res.status(202).end());
  });

  const httpServer = http.createServer(app);
  const stomp = createStompServer({ server: httpServer, path: '/stomp', sockjs: true });
  stomp.handlers.map('/chat', (ctx) => ctx.payload, { sendTo: '/topic/chat' });

  await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
  const address = httpServer.address() as AddressInfo;
  return {
    port: address.port,
    stomp,
    async close() {
      await stomp.close();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { port } = await startExpressExample(Number(process.env.PORT ?? 3000), '0.0.0.0');
  console.log(`Express + Switchboard on http://localhost:${port} (STOMP at ws://localhost:${port}/stomp)`);
}
