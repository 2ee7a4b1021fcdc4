import WebSocket from 'ws';
import { StompDecoder } from '../../src/stomp/decoder.js';
import { encodeFrame } from '../../src/stomp/encoder.js';
import type { StompFrame } from '../../src/stomp/frame.js';
import { createFrame } from '../../src/stomp/frame.js';
import { within } from './server.js';

/**
 * A raw STOMP client over a plain `ws` socket: writes exactly the bytes a test gives it
 * (split frames, NUL bodies, malformed input) and records every frame the server sends.
 */
export class RawStompClient {
  readonly ws: WebSocket;
  readonly frames: StompFrame[] = [];
  heartbeats = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #decoder = new StompDecoder({
    commands: 'server',
    onHeartbeat: () => this.heartbeats++,
    maxFrameSize: 1 << 30,
  });
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#notify();
      });
    });
    ws.on('message', (data: Buffer) => {
      for (const frame of this.#decoder.decode(data)) this.frames.push(frame);
      this.#notify();
    });
    ws.on('error', () => {});
  }

  static async open(
    url: string,
    protocols?: string[],
    headers?: Record<string, string>,
    options: WebSocket.ClientOptions = {},
  ): Promise<RawStompClient> {
    const ws = new WebSocket(url, protocols, { ...options, headers });
    const client = new RawStompClient(ws);
    await within(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      }),
      5000,
      'WebSocket open',
    );
    return client;
  }

  /** Opens and completes CONNECT → CONNECTED. */
  static async connect(
    url: string,
    headers: Record<string, string> = {},
    options: WebSocket.ClientOptions = {},
  ): Promise<RawStompClient> {
    const client = await RawStompClient.open(url, undefined, undefined, options);
    client.sendFrame('CONNECT', {
      'accept-version': '1.2',
      host: 'localhost',
      'heart-beat': '0,0',
      ...headers,
    });
    await client.next('CONNECTED');
    return client;
  }

  /** The STOMP version the client decodes with (header unescaping depends on it). */
  set version(version: '1.0' | '1.1' | '1.2') {
    this.#decoder.version = version;
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  sendFrame(
    command: StompFrame['command'],
    headers: Record<string, string> = {},
    body?: string | Buffer,
  ): void {
    this.ws.send(encodeFrame(createFrame(command, headers, body), '1.2'));
  }

  /** Waits for the first not-yet-consumed frame matching `command` (and `where`), and consumes it. */
  async next(
    command: string,
    where: (f: StompFrame) => boolean = () => true,
    ms = 5000,
  ): Promise<StompFrame> {
    const find = (): StompFrame | undefined => {
      const index = this.frames.findIndex((f) => f.command === command && where(f));
      if (index < 0) return undefined;
      return this.frames.splice(index, 1)[0];
    };
    return within(
      new Promise<StompFrame>((resolve, reject) => {
        const check = (): void => {
          const frame = find();
          if (frame) return resolve(frame);
          if (this.ws.readyState === WebSocket.CLOSED) {
            return reject(new Error(`socket closed while waiting for ${command}; got ${this.describe()}`));
          }
          this.#waiters.push(check);
        };
        check();
      }),
      ms,
      `${command} frame (have: ${this.describe()})`,
    );
  }

  /** Sends a frame with a receipt and waits for the RECEIPT. */
  async request(
    command: StompFrame['command'],
    headers: Record<string, string>,
    body?: string | Buffer,
  ): Promise<void> {
    const receipt = `r-${Math.random().toString(36).slice(2)}`;
    this.sendFrame(command, { ...headers, receipt }, body);
    await this.next('RECEIPT', (f) => f.headers['receipt-id'] === receipt);
  }

  describe(): string {
    return (
      this.frames.map((f) => `${f.command}${f.headers.message ? `(${f.headers.message})` : ''}`).join(', ') ||
      'nothing'
    );
  }

  close(): void {
    this.ws.close();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
