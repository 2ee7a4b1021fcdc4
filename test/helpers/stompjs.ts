import { Client, type IFrame, type IMessage, type StompConfig } from '@stomp/stompjs';
import WebSocket from 'ws';
import { within } from './server.js';

/** Connects an `@stomp/stompjs` client (the library browsers run) over a `ws` socket. */
export async function connectStompJs(
  url: string,
  config: StompConfig = {},
): Promise<{ client: Client; connected: IFrame }> {
  const client = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    ...config,
  });
  const connected = await within(
    new Promise<IFrame>((resolve, reject) => {
      client.onConnect = resolve;
      client.onStompError = (frame) => reject(new Error(`STOMP ERROR: ${frame.headers.message}`));
      client.onWebSocketError = () => reject(new Error('WebSocket error'));
      client.activate();
    }),
    5000,
    'stompjs CONNECTED',
  );
  return { client, connected };
}

/** Collects messages of one subscription and lets a test wait for a count. */
export class Inbox {
  readonly messages: IMessage[] = [];
  /** Messages received (also counted when `retain` is false). */
  count = 0;
  readonly #retain: boolean;
  #waiters: { count: number; resolve: () => void }[] = [];

  /** With `retain: false` only the count is kept (for memory measurements). */
  constructor(options: { retain?: boolean } = {}) {
    this.#retain = options.retain ?? true;
  }

  readonly push = (message: IMessage): void => {
    this.count++;
    if (this.#retain) this.messages.push(message);
    this.#waiters = this.#waiters.filter((w) => {
      if (this.count >= w.count) w.resolve();
      return this.count < w.count;
    });
  };

  waitFor(count: number, ms = 5000): Promise<void> {
    if (this.count >= count) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => this.#waiters.push({ count, resolve })),
      ms,
      `${count} messages (have ${this.count})`,
    );
  }
}

/** Subscribes and waits until the server has processed the SUBSCRIBE (via a receipt). */
export async function subscribed(
  client: Client,
  destination: string,
  inbox: Inbox,
  headers: Record<string, string> = {},
) {
  const receipt = `sub-${Math.random().toString(36).slice(2)}`;
  const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
  const subscription = client.subscribe(destination, inbox.push, { ...headers, receipt });
  await within(done, 5000, `receipt for SUBSCRIBE ${destination}`);
  return subscription;
}
