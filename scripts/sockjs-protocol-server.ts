/**
 * The services the official SockJS protocol suite expects (sockjs/sockjs-protocol):
 *   npm run sockjs-protocol-server -- --port 8081
 * /echo (stream limit 4096), /disabled_websocket_echo, /cookie_needed_echo, /close, each also
 * as a raw WebSocket at <prefix>/websocket.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Session, WebSocketHandler } from '../src/index.js';
import { OutboundMessage, WebSocketEndpoint, attachWebSocketEndpoints } from '../src/index.js';
import type { SockJsOptions } from '../src/sockjs/service.js';
import { SockJsService } from '../src/sockjs/service.js';

const echo: WebSocketHandler = {
  onMessage: (session: Session, data: Buffer, isBinary: boolean) =>
    void session.send(new OutboundMessage(data, isBinary)),
};
const close: WebSocketHandler = { onOpen: (session: Session) => session.close(3000, 'Go away!') };

const services: [string, WebSocketHandler, SockJsOptions][] = [
  ['/echo', echo, { streamBytesLimit: 4096 }],
  ['/disabled_websocket_echo', echo, { websocket: false }],
  ['/cookie_needed_echo', echo, { cookieNeeded: true }],
  ['/close', close, {}],
];

/** An HTTP server (not yet listening) with the suite's four services. */
export function createProtocolServer(): http.Server {
  const sockjs = services.map(
    ([prefix, handler, options]) => new SockJsService({ prefix, handler, allowedOrigins: ['*'], ...options }),
  );
  const raw = services
    .filter(([, , options]) => options.websocket !== false)
    .map(
      ([prefix, handler]) =>
        new WebSocketEndpoint({ path: `${prefix}/websocket`, handler, allowedOrigins: ['*'] }),
    );
  const server = http.createServer((req, res) => {
    for (const service of sockjs) if (service.handleRequest(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  });
  attachWebSocketEndpoints(server, [...raw, ...sockjs]);
  server.on('close', () => {
    for (const service of sockjs) service.close();
  });
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '8081' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const server = createProtocolServer();
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address() as AddressInfo;
    console.log(
      `SockJS protocol test server on http://${address}:${port} (${services.map(([p]) => p).join(', ')})`,
    );
  });
  process.on('SIGINT', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
