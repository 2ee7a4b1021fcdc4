/**
 * Two bare `ws` baselines on the fan-out workload, speaking just enough STOMP (CONNECT,
 * SUBSCRIBE with receipt, SEND to one topic):
 * - `send`: encodes each MESSAGE once and calls `ws.send` per subscriber (what Socket.IO does).
 * - `corked`: frames the MESSAGE once as a WebSocket frame and writes it straight to every
 *   subscriber's socket, corked for the rest of the tick: the ceiling for one Node process.
 * Both answer the connection storm's CONNECT with a CONNECTED frame: the baseline of CPU and
 * memory per connection.
 * Usage: bare.ts send|corked
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type WebSocket from 'ws';
import type { ServerOptions } from 'ws';
import { WebSocketServer } from 'ws';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { encodeWebSocketFrame } from '../../src/websocket/outbound-message.js';
import { parseFrame, serveBenchmark } from '../lib/server-child.js';

const mode = process.argv[2] === 'corked' ? 'corked' : 'send';
const subscribers: { ws: WebSocket; socket: Socket; id: string }[] = [];
let counter = 0;
const pending: Socket[] = [];

function uncorkAll(): void {
  for (const socket of pending.splice(0)) socket.uncork();
}

const server = http.createServer();
// The ws options of Switchboard's endpoint (src/websocket/endpoint.ts), so that the comparison
// is about what Switchboard adds, not about ws settings.
const options: ServerOptions & { closeTimeout: number } = {
  noServer: true,
  closeTimeout: 2000,
  perMessageDeflate: false,
  clientTracking: false,
  maxPayload: DEFAULT_LIMITS.maxWebSocketMessageSize,
  handleProtocols: (p) => [...p][0] ?? false,
};
const wss = new WebSocketServer(options);
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const raw = socket as Socket;
    ws.on('message', (data: Buffer) => {
      const frame = parseFrame(data.toString('utf8'));
      switch (frame.command) {
        case 'CONNECT':
        case 'STOMP':
          ws.send('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');
          break;
        case 'SUBSCRIBE':
          subscribers.push({ ws, socket: raw, id: frame.headers.get('id') ?? 'sub-0' });
          break;
        case 'SEND':
          fanout(frame.headers.get('destination') ?? '/topic/bench', frame.body);
          break;
      }
      const receipt = frame.headers.get('receipt');
      if (receipt) ws.send(`RECEIPT\nreceipt-id:${receipt}\n\n\0`);
    });
    ws.on('close', () => {
      const i = subscribers.findIndex((s) => s.ws === ws);
      if (i >= 0) subscribers.splice(i, 1);
    });
  });
});

function fanout(destination: string, body: string): void {
  const id = subscribers[0]?.id ?? 'sub-0';
  const bytes = Buffer.byteLength(body);
  const text = `MESSAGE\ndestination:${destination}\nsubscription:${id}\nmessage-id:${++counter}\ncontent-length:${bytes}\n\n${body}\0`;
  const payload = Buffer.from(text, 'utf8');
  if (mode === 'send') {
    for (const s of subscribers) s.ws.send(payload);
    return;
  }
  const frame = encodeWebSocketFrame(payload, 0x1);
  for (const s of subscribers) {
    if (!s.socket.writableCorked) {
      s.socket.cork();
      if (pending.length === 0) process.nextTick(uncorkAll);
      pending.push(s.socket);
    }
    s.socket.write(frame);
  }
}

server.listen(0, '127.0.0.1', () => {
  serveBenchmark((server.address() as AddressInfo).port, () => {
    server.closeAllConnections();
    server.close();
  });
});
