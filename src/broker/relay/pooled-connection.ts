import type { SwitchboardError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import { Backoff } from './backoff.js';
import type { PendingFrame } from './pending-frames.js';
import { PendingFrames } from './pending-frames.js';
import type { BrokerAddress } from './relay-options.js';
import type { StompTcpConnectionOptions } from './tcp-connection.js';
import { StompTcpConnection } from './tcp-connection.js';
import type { BackoffOptions } from './backoff.js';

/** Shortest time between two recycles of one connection, ms. */
const RECYCLE_INTERVAL = 5000;

/** What a {@link PooledConnection} reports to its owner. */
export interface PooledConnectionEvents {
  /** CONNECTED (the first time and after every reconnect). */
  onUp(connection: PooledConnection): void;
  /** The connection is gone; `pending` are the frames the broker never confirmed, oldest first. */
  onDown(connection: PooledConnection, reason: string, pending: PendingFrame[]): void;
  /** An attempt to connect failed (the broker refused, or did not answer), with the reason. */
  onAttemptFailed?(connection: PooledConnection, reason: string): void;
  onMessage(connection: PooledConnection, frame: StompFrame): void;
  /** The broker confirmed a frame the relay sent. */
  onReceipt(connection: PooledConnection, frame: PendingFrame): void;
  /** A broker ERROR, with the frame it is about when one can be told. */
  onError(connection: PooledConnection, error: StompFrame, culprit: PendingFrame | undefined): void;
}

/** What the relay remembers of a frame it sends (see {@link PendingFrame}). */
export type FrameOrigin = Partial<Pick<PendingFrame, 'sessionId' | 'clientReceipt' | 'subscription'>> & {
  /** Keep the frame to send it again when the connection is lost before the broker confirms it. */
  resend?: boolean;
  /**
   * Send without a relay receipt: frames inside a transaction, which a broker confirms at
   * COMMIT or never (ABORT), so a receipt would stay pending for good.
   */
  untracked?: boolean;
};

/**
 * One connection of the relay's pool that keeps itself up: it connects to the first broker
 * address that answers, and after a loss (or a refusal) tries the next address in turn, with
 * backoff and jitter between attempts. Every frame it sends carries a relay receipt (see
 * {@link PendingFrames}); `epoch` counts the connections made, so ids the broker handed out
 * on an earlier one (ack ids) can be told apart.
 */
export class PooledConnection {
  readonly index: number;
  readonly #hosts: readonly BrokerAddress[];
  readonly #options: StompTcpConnectionOptions;
  readonly #events: PooledConnectionEvents;
  readonly #logger: Logger;
  readonly #backoff: Backoff;
  #pending = new PendingFrames();
  #connection: StompTcpConnection | undefined;
  #hostIndex = 0;
  #up = false;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #receiptCounter = 0;
  #recycleTimer: NodeJS.Timeout | undefined;
  #lastRecycle = 0;
  /** The next reconnect is immediate (a recycle, not a failure). */
  #immediate = false;
  /** Connections made so far (the current one's generation). */
  epoch = 0;
  /** Why the last connection ended or attempt failed. */
  lastError = 'not connected yet';
  /** The broker's `server` header (e.g. 'RabbitMQ/3.10.8'). */
  server = '';
  /** The broker's STOMP version on the current connection. */
  version: '1.1' | '1.2' = '1.2';

  constructor(
    index: number,
    hosts: readonly BrokerAddress[],
    options: StompTcpConnectionOptions,
    reconnect: BackoffOptions | undefined,
    events: PooledConnectionEvents,
    logger: Logger,
  ) {
    this.index = index;
    this.#hosts = hosts;
    this.#options = options;
    this.#events = events;
    this.#logger = logger;
    this.#backoff = new Backoff(reconnect);
  }

  get up(): boolean {
    return this.#up;
  }

  /** Whether a socket is open (connecting or connected). */
  get open(): boolean {
    return this.#connection !== undefined;
  }

  /** The address in use (or being tried). */
  get address(): string {
    const host = this.#hosts[this.#hostIndex]!;
    return `${host.host}:${host.port ?? 61613}`;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    clearTimeout(this.#recycleTimer);
    this.#timer = this.#recycleTimer = undefined;
    const connection = this.#connection;
    this.#connection = undefined;
    this.#up = false;
    this.#pending.drain();
    connection?.close();
  }

  /**
   * Closes the connection to have it made again at once (RabbitMQ puts a closed connection's
   * unacknowledged messages back in their queues). At most once per `RECYCLE_INTERVAL`: later
   * asks wait for the end of it, so a client cannot make the relay reconnect in a loop.
   */
  recycle(reason: string): void {
    if (this.#recycleTimer !== undefined || !this.#up) return;
    const wait = this.#lastRecycle + RECYCLE_INTERVAL - Date.now();
    if (wait > 0) {
      this.#recycleTimer = setTimeout(() => {
        this.#recycleTimer = undefined;
        this.recycle(reason);
      }, wait);
      this.#recycleTimer.unref();
      return;
    }
    this.#lastRecycle = Date.now();
    this.#immediate = true;
    this.#logger.info('Reconnecting a broker connection', { connection: this.index, reason });
    this.#connection?.close();
  }

  /** Sends a frame with a relay receipt; false when the connection is not up. */
  send(
    command: StompFrame['command'],
    headers: StompHeaders,
    body: Buffer,
    origin: FrameOrigin = {},
  ): boolean {
    const connection = this.#connection;
    if (!this.#up || connection === undefined) return false;
    const frame = { command, headers, body };
    if (origin.untracked === true) return connection.send(frame);
    const receipt = `r${++this.#receiptCounter}`;
    headers.receipt = receipt;
    if (!connection.send(frame)) return false;
    this.#pending.add({
      receipt,
      command,
      sessionId: origin.sessionId,
      clientReceipt: origin.clientReceipt,
      subscription: origin.subscription,
      destination: headers.destination,
      frame: origin.resend === true ? frame : undefined,
      bytes: body.length,
    });
    return true;
  }

  #connect(): void {
    const address = this.#hosts[this.#hostIndex]!;
    const connection = new StompTcpConnection({
      ...this.#options,
      host: address.host,
      port: address.port ?? 61613,
    });
    this.#connection = connection;
    connection
      .connect(
        (frame) => this.#onFrame(connection, frame),
        (error) => this.#lost(connection, error),
      )
      .then(
        (connected) => {
          if (this.#connection !== connection) return;
          this.#up = true;
          this.epoch++;
          this.version = connected.headers.version === '1.1' ? '1.1' : '1.2';
          this.server = connected.headers.server ?? '';
          this.#backoff.reset();
          this.#logger.info('Connected to the message broker', {
            connection: this.index,
            address: this.address,
          });
          this.#events.onUp(this);
        },
        () => {
          // #lost has the reason and schedules the retry.
        },
      );
  }

  #onFrame(connection: StompTcpConnection, frame: StompFrame): void {
    if (this.#connection !== connection) return;
    switch (frame.command) {
      case 'MESSAGE':
        this.#events.onMessage(this, frame);
        return;
      case 'RECEIPT': {
        const id = frame.headers['receipt-id'];
        const pending = id === undefined ? undefined : this.#pending.resolve(id);
        if (pending !== undefined) this.#events.onReceipt(this, pending);
        return;
      }
      case 'ERROR':
        this.#events.onError(this, frame, this.#pending.culprit(frame));
        return;
      default:
        return;
    }
  }

  #lost(connection: StompTcpConnection, error: SwitchboardError | undefined): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    const wasUp = this.#up;
    this.#up = false;
    const reason = error?.message ?? 'the broker connection was closed';
    this.lastError = reason;
    const immediate = this.#immediate;
    this.#immediate = false;
    // The next attempt goes to the next address (on a cluster, another node), unless recycled.
    if (!immediate) this.#hostIndex = (this.#hostIndex + 1) % this.#hosts.length;
    const pending = this.#pending.drain();
    if (wasUp) this.#events.onDown(this, reason, pending);
    else this.#events.onAttemptFailed?.(this, reason);
    if (!this.#running) return;
    const delay = immediate ? 0 : this.#backoff.next();
    this.#logger.warn('Message broker connection unavailable; reconnecting', {
      connection: this.index,
      reason,
      next: this.address,
      attempt: this.#backoff.attempts,
      delayMs: delay,
    });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) this.#connect();
    }, delay);
  }
}
