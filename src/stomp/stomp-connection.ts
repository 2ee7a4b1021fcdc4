import type { Principal } from '../messaging/message.js';
import type { TokenBucket } from '../security/token-bucket.js';
import type { Session } from '../websocket/handler.js';
import type { OutboundMessage } from '../websocket/outbound-message.js';
import type { StompDecoder } from './decoder.js';
import type { StompFrame, StompVersion } from './frame.js';
import type { CloseCause } from './protocol-stats.js';

export type ConnectionState = 'new' | 'connecting' | 'connected' | 'closing';

/** Processes one frame; returns a promise only when an async step is involved. */
export type FrameProcessor = (connection: StompConnection, frame: StompFrame) => void | Promise<void>;

/** Called when processing a frame failed (sync throw or rejected promise). */
export type FrameFailure = (connection: StompConnection, frame: StompFrame, error: unknown) => void;

export interface StompConnectionOptions {
  /** Frames buffered while an async step runs before reading from the client pauses. */
  maxBacklog: number;
  /** How long one async frame may take before the queue moves on, ms. */
  handlerTimeout: number;
  onTimeout: (connection: StompConnection, frame: StompFrame) => void;
  /** Counts what is written (shared by every connection of a handler). */
  counters: { framesOut: number; bytesOut: number };
}

/**
 * The STOMP state of one client session: negotiated version, heart-beat bookkeeping,
 * open transactions, and the per-session frame queue that keeps inbound order even when
 * an interceptor or handler is async (the next frame waits for the previous one).
 */
export class StompConnection {
  readonly session: Session;
  readonly decoder: StompDecoder;
  state: ConnectionState = 'new';
  version: StompVersion | undefined;
  /** Heart-beat intervals agreed at CONNECT, ms; 0 = off. */
  sendInterval = 0;
  receiveInterval = 0;
  /** Set on every write / read; heart-beat checks clear them. */
  wrote = false;
  read = false;
  /** Open transactions: id → frames to apply at COMMIT. */
  readonly transactions = new Map<string, StompFrame[]>();
  /** The CONNECT frame, kept until CONNECTED is sent (its heart-beat and receipt are needed then). */
  connectFrame: StompFrame | undefined;
  /** Set once the broker has been told this session is gone. */
  disconnected = false;
  timers: NodeJS.Timeout[] = [];
  /** The connectTimeout timer, until CONNECTED. */
  connectTimer: NodeJS.Timeout | undefined;
  /** Subscriptions held now: id → destination as the client wrote it (cap, stats, admin view). */
  readonly subscriptions = new Map<string, string>();
  /** When the session opened (ms since the epoch). */
  readonly openedAt = Date.now();
  /** Why the session is ending, when the server knows better than the close code. */
  closeCause: CloseCause | undefined;
  /** Inbound rate limits (absent when off). */
  frameBucket: TokenBucket | undefined;
  byteBucket: TokenBucket | undefined;

  readonly #process: FrameProcessor;
  readonly #fail: FrameFailure;
  readonly #options: StompConnectionOptions;
  #queue: StompFrame[] = [];
  #busy = false;
  #paused = false;

  constructor(
    session: Session,
    decoder: StompDecoder,
    process: FrameProcessor,
    fail: FrameFailure,
    options: StompConnectionOptions,
  ) {
    this.session = session;
    this.decoder = decoder;
    this.#process = process;
    this.#fail = fail;
    this.#options = options;
  }

  get id(): string {
    return this.session.id;
  }

  get user(): Principal | undefined {
    return this.session.principal;
  }

  get isOpen(): boolean {
    return this.state !== 'closing' && this.session.isOpen;
  }

  /** Writes bytes to the client and notes the activity for heart-beats. */
  write(message: OutboundMessage): boolean {
    this.wrote = true;
    const counters = this.#options.counters;
    counters.framesOut++;
    counters.bytesOut += message.data.length;
    return this.session.send(message);
  }

  /** Queues decoded frames; runs them now unless an async frame is still in progress. */
  enqueue(frames: StompFrame[]): void {
    if (this.#busy) {
      for (const frame of frames) this.#queue.push(frame);
      if (!this.#paused && this.#queue.length > this.#options.maxBacklog && this.session.pauseReading) {
        this.#paused = true;
        this.session.pauseReading();
      }
      return;
    }
    for (let i = 0; i < frames.length; i++) {
      if (!this.#run(frames[i]!)) {
        for (let j = i + 1; j < frames.length; j++) this.#queue.push(frames[j]!);
        return;
      }
    }
  }

  /** Drops queued frames and timers; the connection processes nothing more. */
  dispose(): void {
    this.state = 'closing';
    this.#queue = [];
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.transactions.clear();
  }

  /** Runs one frame; returns false when it went async (the queue resumes when it settles). */
  #run(frame: StompFrame): boolean {
    if (this.state === 'closing') return true;
    let result: void | Promise<void>;
    try {
      result = this.#process(this, frame);
    } catch (error) {
      this.#fail(this, frame, error);
      return true;
    }
    if (result === undefined) return true;
    this.#busy = true;
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      this.#options.onTimeout(this, frame);
      this.#resume();
    }, this.#options.handlerTimeout);
    result.then(
      () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#resume();
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#fail(this, frame, error);
        this.#resume();
      },
    );
    return false;
  }

  #resume(): void {
    this.#busy = false;
    while (this.#queue.length > 0 && this.state !== 'closing') {
      const frame = this.#queue.shift()!;
      if (!this.#run(frame)) return;
    }
    if (this.#paused && this.session.resumeReading) {
      this.#paused = false;
      this.session.resumeReading();
    }
  }
}
