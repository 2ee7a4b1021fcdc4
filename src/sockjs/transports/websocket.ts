import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { decodeMessages } from '../frames.js';
import type { Receiver, SockJsSession } from '../session.js';

/**
 * `websocket`: a session over one WebSocket, a frame per message each way. It arrives as an
 * HTTP upgrade rather than a request, so the service admits it and hands the upgrade here.
 */
export class WebSocketTransport {
  readonly #wss: WebSocketServer;

  /** `maxPayload`: the largest WebSocket message a client may send, bytes. */
  constructor(maxPayload: number) {
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload,
    });
  }

  /** A GET for the transport that is not an upgrade: 405 for other methods, else 400. */
  handlePlainRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
    res.writeHead(400, { 'content-type': 'text/plain;charset=UTF-8' }).end('Not a valid websocket request');
  }

  /**
   * Completes an admitted upgrade, then carries the session `open` creates until the socket
   * closes, when the session closes with it and `closed` is told.
   */
  upgrade(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    open: () => SockJsSession,
    closed: (session: SockJsSession) => void,
  ): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => carry(ws, req.socket, open(), closed));
  }
}

function carry(
  ws: WebSocket,
  socket: Duplex,
  session: SockJsSession,
  closed: (session: SockJsSession) => void,
): void {
  const receiver: Receiver = {
    sendFrame: (frame) => {
      ws.send(frame);
      return true;
    },
    end: () => ws.close(),
    get bufferedAmount() {
      return socket.writableLength;
    },
  };
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    if (text === '') return;
    const messages = decodeMessages(text);
    if (typeof messages === 'string') {
      ws.terminate();
      return;
    }
    session.receive(messages);
  });
  ws.on('close', () => {
    session.interrupted(receiver);
    session.close();
    session.dispose();
    closed(session);
  });
  ws.on('error', () => {});
  session.attach(receiver);
}
