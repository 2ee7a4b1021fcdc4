import net from 'node:net';
import tls from 'node:tls';
import { ErrorCodes, SwitchboardError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { silentLogger } from '../../logger.js';
import { StompDecoder } from '../../stomp/decoder.js';
import { encodeFrame } from '../../stomp/encoder.js';
import type { StompFrame } from '../../stomp/frame.js';
import { createFrame, parseHeartbeat } from '../../stomp/frame.js';

/** Options of {@link StompTcpConnection}. */
export interface StompTcpConnectionOptions {
  host?: string;
  port?: number;
  /** TLS to the broker: true for defaults, or `tls.connect` options. Default off. */
  tls?: boolean | tls.ConnectionOptions;
  login?: string;
  passcode?: string;
  /** The CONNECT `host` header (RabbitMQ: the virtual host). */
  virtualHost?: string;
  /** Extra CONNECT headers (e.g. a client's own headers passed through). */
  connectHeaders?: Record<string, string>;
  /** Heart-beat offered `[send, receive]` ms. Default [10000, 10000]. */
  heartbeat?: readonly [number, number];
  /** A broker silent for this many times the agreed interval is dead. Default 3. */
  heartbeatGrace?: number;
  /** Time to get CONNECTED (TCP connect included), ms. Default 60000 (Spring's). */
  connectTimeout?: number;
  /** Largest frame accepted from the broker. Default 16 MiB. */
  maxFrameSize?: number;
  logger?: Logger;
}

/** Why a connection ended: undefined for a close we asked for. */
export type CloseListener = (error: SwitchboardError | undefined) => void;

/**
 * One STOMP connection to a broker over TCP (or TLS), speaking our own codec: CONNECT with
 * host/login/passcode, a bounded wait for CONNECTED, heart-beats both ways (a silent broker is
 * detected within `heartbeatGrace` × the interval), binary-safe frames. Every way it can fail
 * (refused, garbage, closed mid-frame, no CONNECTED, silent) ends in one `onClose(error)`.
 */
export class StompTcpConnection {
  readonly #o: StompTcpConnectionOptions;
  readonly #logger: Logger;
  #socket: net.Socket | undefined;
  #decoder: StompDecoder | undefined;
  #onFrame: (frame: StompFrame) => void = () => {};
  #onClose: CloseListener = () => {};
  #connected = false;
  #closed = false;
  #wrote = false;
  #read = false;
  #timers: NodeJS.Timeout[] = [];
  /** The CONNECTED frame, once received. */
  connectedFrame: StompFrame | undefined;

  constructor(options: StompTcpConnectionOptions = {}) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
  }

  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  /**
   * Opens the connection and sends CONNECT; resolves with CONNECTED. Frames after that go to
   * `onFrame`; the end of the connection, whatever the cause, to `onClose` (once).
   */
  connect(onFrame: (frame: StompFrame) => void, onClose: CloseListener): Promise<StompFrame> {
    this.#onFrame = onFrame;
    return new Promise((resolve, reject) => {
      let settled = false;
      this.#onClose = (error) => {
        if (!settled) {
          settled = true;
          reject(
            error ??
              new SwitchboardError(ErrorCodes.ERR_BROKER_UNAVAILABLE, 'Connection closed before CONNECTED'),
          );
        }
        onClose(error);
      };
      const host = this.#o.host ?? '127.0.0.1';
      const port = this.#o.port ?? 61613;
      const socket = this.#o.tls
        ? tls.connect({ host, port, ...(this.#o.tls === true ? {} : this.#o.tls) })
        : net.connect({ host, port });
      this.#socket = socket;
      socket.setNoDelay(true);
      this.#decoder = new StompDecoder({
        commands: 'server',
        maxFrameSize: this.#o.maxFrameSize ?? 16 * 1024 * 1024,
        maxHeaders: 1000,
        maxHeaderLineLength: 64 * 1024,
      });
      const timeout = this.#o.connectTimeout ?? 60_000;
      this.#timer(
        setTimeout(() => {
          if (!this.#connected)
            this.#fail(`No CONNECTED from the broker within connectTimeout (${timeout} ms)`);
        }, timeout),
      );
      socket.once(this.#o.tls ? 'secureConnect' : 'connect', () => {
        const [sx, sy] = this.#o.heartbeat ?? [10_000, 10_000];
        this.send(
          createFrame('CONNECT', {
            'accept-version': '1.2,1.1',
            host: this.#o.virtualHost ?? host,
            login: this.#o.login,
            passcode: this.#o.passcode,
            'heart-beat': `${sx},${sy}`,
            ...this.#o.connectHeaders,
          }),
        );
      });
      socket.on('data', (chunk: Buffer) =>
        this.#onData(chunk, (connected) => {
          settled = true;
          resolve(connected);
        }),
      );
      socket.on('error', (error: Error) => this.#fail(`Broker connection failed: ${error.message}`));
      socket.on('close', () => {
        if (!this.#closed) this.#fail('The broker closed the connection');
      });
    });
  }

  /** Writes a frame; false when the connection is gone. */
  send(frame: StompFrame): boolean {
    if (this.#closed || this.#socket === undefined) return false;
    this.#wrote = true;
    this.#socket.write(encodeFrame(frame, '1.2'));
    return true;
  }

  /** Closes the connection (sending DISCONNECT first when connected); `onClose` gets no error. */
  close(): void {
    if (this.#closed) return;
    if (this.#connected) this.send(createFrame('DISCONNECT'));
    this.#end(undefined);
  }

  #onData(chunk: Buffer, resolveConnected: (frame: StompFrame) => void): void {
    this.#read = true;
    let frames: StompFrame[];
    try {
      frames = this.#decoder!.decode(chunk);
    } catch (error) {
      this.#fail(`The broker sent malformed data: ${(error as Error).message}`);
      return;
    }
    for (const frame of frames) {
      if (this.#closed) return;
      if (!this.#connected) {
        if (frame.command === 'CONNECTED') {
          this.#connected = true;
          this.connectedFrame = frame;
          this.#decoder!.version = frame.headers.version === '1.1' ? '1.1' : '1.2';
          this.#startHeartbeats(frame);
          resolveConnected(frame);
          continue;
        }
        if (frame.command === 'ERROR') {
          this.#fail(
            `The broker refused CONNECT: ${frame.headers.message ?? frame.body.toString('utf8').trim()}`,
          );
          return;
        }
        this.#fail(`Unexpected ${frame.command} frame before CONNECTED`);
        return;
      }
      this.#onFrame(frame);
    }
  }

  #startHeartbeats(connected: StompFrame): void {
    const [sx, sy] = this.#o.heartbeat ?? [10_000, 10_000];
    const [bx, by] = parseHeartbeat(connected.headers['heart-beat']) ?? [0, 0];
    const send = sx > 0 && by > 0 ? Math.max(sx, by) : 0;
    const receive = sy > 0 && bx > 0 ? Math.max(sy, bx) : 0;
    if (send > 0) {
      this.#timer(
        setInterval(() => {
          if (!this.#wrote) this.#socket?.write('\n');
          this.#wrote = false;
        }, send / 2),
      );
    }
    if (receive > 0) {
      const window = receive * (this.#o.heartbeatGrace ?? 3);
      this.#read = false;
      this.#timer(
        setInterval(() => {
          if (!this.#read) this.#fail(`No data from the broker for ${window} ms (heart-beat ${receive} ms)`);
          this.#read = false;
        }, window),
      );
    }
  }

  #timer(timer: NodeJS.Timeout): void {
    timer.unref();
    this.#timers.push(timer);
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.#logger.warn('Broker connection lost', { reason });
    this.#end(new SwitchboardError(ErrorCodes.ERR_BROKER_UNAVAILABLE, reason));
  }

  #end(error: SwitchboardError | undefined): void {
    this.#closed = true;
    this.#connected = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    this.#socket?.end();
    this.#socket?.destroySoon?.();
    setImmediate(() => this.#socket?.destroy());
    this.#onClose(error);
  }
}
