import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { StompDecoder } from '../../src/stomp/decoder.js';
import { encodeFrame } from '../../src/stomp/encoder.js';
import type { StompFrame } from '../../src/stomp/frame.js';
import { createFrame } from '../../src/stomp/frame.js';

/** A STOMP broker that misbehaves on demand, made of our own codec (for unit tests of the relay). */
export interface FakeBroker {
  port: number;
  /** Every frame a client sent, in order. */
  received: StompFrame[];
  /** Client connections open now. */
  readonly sockets: Set<net.Socket>;
  /** While true, every new connection is hung up at once (a broker that is down). */
  refusing: boolean;
  /** Drops every client connection at once (a broker crash). */
  dropAll(): void;
}

/**
 * Listens on 127.0.0.1, port 0; `behave` decides what happens with each client frame (answer,
 * stay silent, send garbage, hang up mid-frame). Closed when the test ends.
 */
export async function fakeBroker(
  t: TestContext,
  behave: (frame: StompFrame, socket: net.Socket) => void,
  port = 0,
): Promise<FakeBroker> {
  const received: StompFrame[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (fake.refusing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new StompDecoder({ commands: 'client' });
    socket.on('data', (chunk) => {
      let frames: StompFrame[];
      try {
        frames = decoder.decode(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        received.push(frame);
        behave(frame, socket);
      }
    });
    socket.on('error', () => {});
  });
  const fake: FakeBroker = {
    port: 0,
    received,
    sockets,
    refusing: false,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
  };
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  t.after(() => {
    fake.dropAll();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return fake;
}

/** A CONNECTED frame with the given heart-beat. */
export const connectedFrame = (heartbeat = '0,0'): Buffer =>
  encodeFrame(createFrame('CONNECTED', { version: '1.2', 'heart-beat': heartbeat }));

/** A well-behaved broker: CONNECTED to CONNECT, RECEIPT to any receipt, MESSAGE echo of SENDs to subscribers. */
export function politeBroker(frame: StompFrame, socket: net.Socket): void {
  if (frame.command === 'CONNECT') socket.write(connectedFrame());
  const receipt = frame.headers.receipt;
  if (receipt !== undefined && frame.command !== 'CONNECT')
    socket.write(encodeFrame(createFrame('RECEIPT', { 'receipt-id': receipt })));
}
