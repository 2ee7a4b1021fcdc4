/**
 * A minimal WebSocket client for load generation: raw TCP, hand-made handshake, and a frame
 * reader that only finds frame boundaries. The `ws` client's full receiver would make the load
 * generator, not the server under test, the bottleneck.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface LiteSocket {
  send(text: string): void;
  close(): void;
  readonly socket: net.Socket;
}

/** Opens ws://host:port/path; `onFrame` gets each complete text/binary frame payload. */
export function connectLite(
  host: string,
  port: number,
  path: string,
  onFrame: (payload: Buffer) => void,
  protocol = 'v12.stomp',
): Promise<LiteSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    const key = randomBytes(16).toString('base64');
    let handshake = true;
    let buffer: Buffer = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      if (handshake) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) {
          reject(new Error(`handshake failed: ${head.split('\r\n', 1)[0]}`));
          socket.destroy();
          return;
        }
        handshake = false;
        buffer = buffer.subarray(end + 4);
        resolve({ send: (text) => socket.write(maskedFrame(text)), close: () => socket.end(), socket });
      }
      let offset = 0;
      while (buffer.length - offset >= 2) {
        const b1 = buffer[offset + 1]! & 0x7f;
        let header = 2;
        let length = b1;
        if (b1 === 126) {
          if (buffer.length - offset < 4) break;
          length = buffer.readUInt16BE(offset + 2);
          header = 4;
        } else if (b1 === 127) {
          if (buffer.length - offset < 10) break;
          length = Number(buffer.readBigUInt64BE(offset + 2));
          header = 10;
        }
        if (buffer.length - offset < header + length) break;
        const opcode = buffer[offset]! & 0x0f;
        if (opcode === 1 || opcode === 2) onFrame(buffer.subarray(offset + header, offset + header + length));
        offset += header + length;
      }
      buffer = offset === buffer.length ? Buffer.alloc(0) : buffer.subarray(offset);
    });
  });
}

/** A client frame with a zero mask key (valid, and the payload needs no XOR). */
function maskedFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const length = payload.length;
  const header = length < 126 ? 6 : length < 65536 ? 8 : 14;
  const frame = Buffer.alloc(header + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame;
}
