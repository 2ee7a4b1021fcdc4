import { Client, type IFrame } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import WebSocket from 'ws';
import { within } from './server.js';

/** The HTTP status a WebSocket handshake gets: 101 when it opens, else the refusal's status and body. */
export function handshakeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; ws?: WebSocket }> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ['v12.stomp'], { headers });
      ws.once('open', () => resolve({ status: 101, body: '', ws }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', reject);
    }),
    5000,
    `handshake of ${url}`,
  );
}

/**
 * Connects `@stomp/stompjs` over `sockjs-client` on one transport; resolves with the CONNECTED
 * frame, or rejects with the ERROR frame's message, or with the close when the session is refused.
 */
export function connectOverSockJs(
  url: string,
  transport: string,
  connectHeaders: Record<string, string> = {},
): Promise<{ client: Client; connected: IFrame }> {
  const client = new Client({
    webSocketFactory: () => new SockJS(url, undefined, { transports: [transport] }),
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    connectHeaders,
  });
  return within(
    new Promise((resolve, reject) => {
      client.onConnect = (connected) => resolve({ client, connected });
      client.onStompError = (frame) => {
        void client.deactivate();
        reject(new Error(`STOMP ERROR: ${frame.headers.message}`));
      };
      client.onWebSocketClose = (event: { code: number; reason: string }) => {
        void client.deactivate();
        reject(new Error(`closed ${event.code} ${event.reason}`));
      };
      client.activate();
    }),
    10_000,
    `STOMP over SockJS ${transport}`,
  );
}
