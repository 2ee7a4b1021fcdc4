import type { Principal } from '../messaging/message.js';
import { StompDecoder } from '../stomp/decoder.js';
import { encodeFrame } from '../stomp/encoder.js';
import type { StompCommand, StompFrame } from '../stomp/frame.js';
import { createFrame } from '../stomp/frame.js';
import type { WebSocketHandler } from '../websocket/handler.js';
import type { InMemorySessionOptions } from './in-memory-session.js';
import { InMemorySession } from './in-memory-session.js';

/** Options of {@link connectTestClient}. */
export interface TestClientOptions extends InMemorySessionOptions {
  /** Extra CONNECT headers (`login`, `passcode`, `Authorization`, ...). */
  connectHeaders?: Record<string, string>;
  /** Heart-beat the client offers `[send, receive]` ms. Default [0, 0]. */
  heartbeat?: readonly [number, number];
  /** How long `next*` waits by default, ms. Default 2000. */
  timeout?: number;
}

/** A frame the server sent, with its body as text and as JSON. */
export interface TestFrame {
  readonly command: StompCommand;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly text: string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

type Matcher = (frame: TestFrame) => boolean;

/**
 * A STOMP client with no socket, for testing handlers: it talks to the server's protocol
 * handler through an {@link InMemorySession}. Timers are the server's own `setTimeout` and
 * `setInterval`, so mocked timers (`t.mock.timers`) drive heart-beats and timeouts.
 *
 * ```ts
 * const server = createStompServer();
 * server.handlers.map('/greet', (ctx) => `hello ${ctx.user?.name}`, { sendToUser: '/queue/greetings' });
 * const alice = await connectTestClient(server, { user: { name: 'alice' } });
 * await alice.subscribe('/user/queue/greetings');
 * alice.send('/app/greet', '');
 * assert.equal((await alice.nextMessage('/user/queue/greetings')).text, 'hello alice');
 * ```
 */
export class TestStompClient {
  readonly session: InMemorySession;
  /** Every frame the server sent, in order (consumed ones included). */
  readonly frames: TestFrame[] = [];
  readonly #unread: TestFrame[] = [];
  /** Heart-beats (bare EOLs) received from the server. */
  heartbeats = 0;
  readonly #decoder = new StompDecoder({
    commands: 'server',
    maxFrameSize: 2 ** 30,
    onHeartbeat: () => this.heartbeats++,
  });
  readonly #timeout: number;
  #waiters: (() => boolean)[] = [];
  #ids = 0;

  /** Use {@link connectTestClient}. */
  constructor(handler: WebSocketHandler, options: TestClientOptions = {}) {
    this.#timeout = options.timeout ?? 2000;
    this.session = new InMemorySession(handler, (message) => this.#received(message.data), options);
    void this.session.closed.then(() => this.#notify());
  }

  get sessionId(): string {
    return this.session.id;
  }

  /** Sends any frame. */
  sendFrame(
    command: StompCommand,
    headers: Record<string, string | undefined> = {},
    body?: string | Buffer,
  ): void {
    this.session.receive(encodeFrame(createFrame(command, headers, body), '1.2'));
  }

  /** SEND: strings and Buffers as they are, anything else as JSON. */
  send(destination: string, body: unknown, headers: Record<string, string> = {}): void {
    const json = typeof body !== 'string' && !Buffer.isBuffer(body);
    this.sendFrame(
      'SEND',
      { destination, ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
      json ? JSON.stringify(body) : body,
    );
  }

  /** SUBSCRIBE, resolved once the server has processed it (a receipt). Returns the id. */
  async subscribe(destination: string, headers: Record<string, string> = {}): Promise<string> {
    const id = headers.id ?? `sub-${this.#ids++}`;
    await this.request('SUBSCRIBE', { ...headers, id, destination });
    return id;
  }

  /** UNSUBSCRIBE, resolved once the server has processed it. */
  async unsubscribe(id: string): Promise<void> {
    await this.request('UNSUBSCRIBE', { id });
  }

  /** Sends a frame with a receipt and waits for the RECEIPT (rejects on an ERROR). */
  async request(
    command: StompCommand,
    headers: Record<string, string>,
    body?: string | Buffer,
  ): Promise<void> {
    const receipt = `r-${this.#ids++}`;
    this.sendFrame(command, { ...headers, receipt }, body);
    const frame = await this.next(
      (f) => (f.command === 'RECEIPT' && f.headers['receipt-id'] === receipt) || f.command === 'ERROR',
      `RECEIPT for ${command}`,
    );
    if (frame.command === 'ERROR') throw new Error(`STOMP ERROR: ${frame.headers.message}`);
  }

  /** The next MESSAGE (for `destination`, if given) not yet taken. */
  nextMessage(destination?: string, timeout?: number): Promise<TestFrame> {
    return this.next(
      (f) => f.command === 'MESSAGE' && (destination === undefined || f.headers.destination === destination),
      `a MESSAGE${destination ? ` for ${destination}` : ''}`,
      timeout,
    );
  }

  /** The next ERROR frame. */
  nextError(timeout?: number): Promise<TestFrame> {
    return this.next((f) => f.command === 'ERROR', 'an ERROR', timeout);
  }

  /** The first frame not yet taken that `matches`; rejects after `timeout` ms or when the session closes first. */
  next(matches: Matcher, what = 'a frame', timeout = this.#timeout): Promise<TestFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== check);
        reject(new Error(`Timed out after ${timeout} ms waiting for ${what}; unread: ${this.#describe()}`));
      }, timeout);
      const check = (): boolean => {
        const index = this.#unread.findIndex(matches);
        if (index >= 0) {
          clearTimeout(timer);
          resolve(this.#unread.splice(index, 1)[0]!);
          return true;
        }
        if (!this.session.isOpen) {
          clearTimeout(timer);
          reject(new Error(`The session closed while waiting for ${what}; unread: ${this.#describe()}`));
          return true;
        }
        return false;
      };
      if (!check()) this.#waiters.push(check);
    });
  }

  /** Messages received so far and not taken, for a destination (all when omitted). */
  messages(destination?: string): TestFrame[] {
    return this.#unread.filter(
      (f) => f.command === 'MESSAGE' && (destination === undefined || f.headers.destination === destination),
    );
  }

  /** DISCONNECT with a receipt; resolves when the session is closed. */
  async disconnect(): Promise<void> {
    if (this.session.isOpen) {
      this.sendFrame('DISCONNECT', { receipt: 'bye' });
      await this.session.closed;
    }
  }

  #received(data: Buffer): void {
    for (const frame of this.#decoder.decode(data)) {
      const test = toTestFrame(frame);
      this.frames.push(test);
      this.#unread.push(test);
    }
    this.#notify();
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((check) => !check());
  }

  #describe(): string {
    return (
      this.#unread
        .map((f) => `${f.command} ${f.headers.destination ?? f.headers.message ?? ''}`)
        .join(', ') || 'nothing'
    );
  }
}

function toTestFrame(frame: StompFrame): TestFrame {
  const text = frame.body.toString('utf8');
  return {
    command: frame.command,
    headers: { ...frame.headers },
    body: frame.body,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/**
 * Connects an in-memory STOMP client to a server (no socket, no port): CONNECT, then resolves
 * once CONNECTED arrived; rejects with the ERROR's message when the server refuses.
 */
export async function connectTestClient(
  server: { readonly handler: WebSocketHandler },
  options: TestClientOptions & { user?: Principal } = {},
): Promise<TestStompClient> {
  const client = new TestStompClient(server.handler, options);
  const [send, receive] = options.heartbeat ?? [0, 0];
  client.sendFrame('CONNECT', {
    'accept-version': '1.2',
    host: 'localhost',
    'heart-beat': `${send},${receive}`,
    ...options.connectHeaders,
  });
  const answer = await client.next((f) => f.command === 'CONNECTED' || f.command === 'ERROR', 'CONNECTED');
  if (answer.command === 'ERROR') throw new Error(`STOMP ERROR: ${answer.headers.message}`);
  return client;
}
