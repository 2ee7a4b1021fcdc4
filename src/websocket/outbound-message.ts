/**
 * Bytes on their way to one or many sessions. Each transport asks for its own encoding
 * (a WebSocket frame, later a SockJS JSON string) and the first ask caches it, so a message
 * fanned out to N sessions is framed once, not N times.
 */
export class OutboundMessage {
  readonly data: Buffer;
  readonly binary: boolean;
  #webSocketFrame: Buffer | undefined;
  #text: string | undefined;
  #sockJsQuoted: string | undefined;

  constructor(data: Buffer | string, binary = false) {
    if (typeof data === 'string') {
      this.#text = data;
      this.data = Buffer.from(data, 'utf8');
    } else {
      this.data = data;
    }
    this.binary = binary;
  }

  /** Payload size in bytes. */
  get byteLength(): number {
    return this.data.length;
  }

  /** The payload as UTF-8 text (cached). */
  get text(): string {
    return (this.#text ??= this.data.toString('utf8'));
  }

  /** The payload as a SockJS JSON string (quoted and escaped), cached; `quote` is the SockJS encoder. */
  sockJsQuoted(quote: (text: string) => string): string {
    return (this.#sockJsQuoted ??= quote(this.text));
  }

  /** The complete unmasked server-to-client WebSocket frame (RFC 6455 §5.2), cached. */
  get webSocketFrame(): Buffer {
    return (this.#webSocketFrame ??= encodeWebSocketFrame(this.data, this.binary ? 0x2 : 0x1));
  }
}

/** Frames `payload` as one final, unmasked WebSocket frame with the given opcode. */
export function encodeWebSocketFrame(payload: Buffer, opcode: number): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, headerLength);
  return frame;
}
