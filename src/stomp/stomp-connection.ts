import type { Principal } from '../messaging/message.js';
import type { Session } from '../websocket/handler.js';
import type { OutboundMessage } from '../websocket/outbound-message.js';
import type { StompDecoder } from './decoder.js';
import type { StompFrame, StompVersion } from './frame.js';
import type { CloseCause } from './protocol-stats.js';
import type { ConnectDeadlines } from './connect-deadlines.js';

export type ConnectionState = 'new' | 'connecting' | 'connected' | 'closing';

/** Processes one frame; returns a promise only when an async step is involved. */
export type FrameProcessor = (connection: StompConnection, frame: StompFrame) => void | Promise<void>;

/** Called when processing a frame failed (sync throw or rejected promise). */
export type FrameFailure = (connection: StompConnection, frame: StompFrame, error: unknown) => void;

/** Shared by every connection of a protocol handler (one object, not one per connection). */
export interface StompConnectionOptions {
  /** Processes one frame. */
  process: FrameProcessor;
  /** Answers a failed frame. */
  fail: FrameFailure;
  /** Frames buffered while an async step runs before reading from the client pauses. */
  maxBacklog: number;
  /** How long one async frame may take before the queue moves on, ms. */
  handlerTimeout: number;
  onTimeout: (connection: StompConnection, frame: StompFrame) => void;
  /** Counts what is written (shared by every connection of a handler). */
  counters: { framesOut: number; bytesOut: number };
  /** Sessions that have yet to CONNECT. */
  connectDeadlines: ConnectDeadlines<StompConnection>;
}

/**
 * The STOMP state of one client session: negotiated version, heart-beat bookkeeping,
 * open transactions, and the per-session frame queue that keeps inbound order even when
 * an interceptor or handler is async (the next frame waits for the previous one).
 */
const NO_FRAMES: StompFrame[] = [];
const NO_SUBSCRIPTIONS: ReadonlyMap<string, string> = new Map();

/** A time near the process start: times kept relative to it are small integers. */
const CLOCK_BASE = Date.now();

const WROTE = 1;
const READ = 2;
const DISCONNECTED = 4;
/** An async frame is in progress: later frames wait in the queue. */
const BUSY = 8;
/** Reading from the client is paused (the queue is past maxBacklog). */
const PAUSED = 16;

export class StompConnection {
  readonly session: Session;
  /**
   * The decoder holding a frame received in part; undefined between frames, when the protocol
   * handler's shared decoder serves (an idle session holds no decoder).
   */
  decoder: StompDecoder | undefined;
  state: ConnectionState = 'new';
  version: StompVersion | undefined;
  /** Heart-beat intervals agreed at CONNECT, ms; 0 = off. */
  sendInterval = 0;
  receiveInterval = 0;
  #transactions: Map<string, StompFrame[]> | undefined;
  /** The CONNECT frame, kept until CONNECTED is sent (its heart-beat and receipt are needed then). */
  connectFrame: StompFrame | undefined;
  /** Heart-beat and expiry timers (cleared when the session ends); made on first use. */
  timers: NodeJS.Timeout[] | undefined;
  /** Its place in the protocol handler's connect deadlines until CONNECTED (-1: none). */
  deadlineSlot = -1;
  #subscriptions: Map<string, string> | undefined;
  /** When the session opened, ms after CLOCK_BASE (a small integer: no number box per session). */
  readonly #opened = Date.now() - CLOCK_BASE;
  /** Why the session is ending, when the server knows better than the close code. */
  closeCause: CloseCause | undefined;
  /** Inbound rate limits: when each token bucket is full again (see `takeTokens`); 0 = full. */
  frameBucket = 0;
  byteBucket = 0;

  readonly #options: StompConnectionOptions;
  #queue: StompFrame[] = NO_FRAMES;
  /** WROTE, READ, DISCONNECTED, BUSY, PAUSED: five booleans in one field. */
  #flags = 0;

  constructor(session: Session, options: StompConnectionOptions) {
    this.session = session;
    this.#options = options;
  }

  /** When the session opened (ms since the epoch). */
  get openedAt(): number {
    return CLOCK_BASE + this.#opened;
  }

  /** Set on every write; heart-beat checks clear it. */
  get wrote(): boolean {
    return (this.#flags & WROTE) !== 0;
  }

  set wrote(value: boolean) {
    this.#flags = value ? this.#flags | WROTE : this.#flags & ~WROTE;
  }

  /** Set on every read; heart-beat checks clear it. */
  get read(): boolean {
    return (this.#flags & READ) !== 0;
  }

  set read(value: boolean) {
    this.#flags = value ? this.#flags | READ : this.#flags & ~READ;
  }

  /** Set once the broker has been told this session is gone. */
  get disconnected(): boolean {
    return (this.#flags & DISCONNECTED) !== 0;
  }

  set disconnected(value: boolean) {
    this.#flags = value ? this.#flags | DISCONNECTED : this.#flags & ~DISCONNECTED;
  }

  /** Open transactions: id → frames to apply at COMMIT (made on first use). */
  get transactions(): Map<string, StompFrame[]> {
    return (this.#transactions ??= new Map());
  }

  /** Subscriptions held now: id → destination as the client wrote it (cap, stats, admin view). */
  get subscriptions(): Map<string, string> {
    return (this.#subscriptions ??= new Map());
  }

  /** The subscriptions, for reading: no map is made for a session that has none. */
  get subscriptionsHeld(): ReadonlyMap<string, string> {
    return this.#subscriptions ?? NO_SUBSCRIPTIONS;
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
    this.#flags |= WROTE;
    const counters = this.#options.counters;
    counters.framesOut++;
    counters.bytesOut += message.data.length;
    return this.session.send(message);
  }

  /** Queues decoded frames; runs them now unless an async frame is still in progress. */
  enqueue(frames: StompFrame[]): void {
    if ((this.#flags & BUSY) !== 0) {
      if (this.#queue === NO_FRAMES) this.#queue = [];
      for (const frame of frames) this.#queue.push(frame);
      if (
        (this.#flags & PAUSED) === 0 &&
        this.#queue.length > this.#options.maxBacklog &&
        this.session.pauseReading
      ) {
        this.#flags |= PAUSED;
        this.session.pauseReading();
      }
      return;
    }
    for (let i = 0; i < frames.length; i++) {
      if (!this.#run(frames[i]!)) {
        if (i + 1 < frames.length && this.#queue === NO_FRAMES) this.#queue = [];
        for (let j = i + 1; j < frames.length; j++) this.#queue.push(frames[j]!);
        return;
      }
    }
  }

  /** The session connected (or is ending): connectTimeout no longer applies. */
  stopConnectClock(): void {
    this.#options.connectDeadlines.remove(this);
  }

  /** Drops queued frames and timers; the connection processes nothing more. */
  dispose(): void {
    this.state = 'closing';
    this.#queue = NO_FRAMES;
    if (this.timers !== undefined) for (const timer of this.timers) clearTimeout(timer);
    this.timers = undefined;
    this.stopConnectClock();
    this.#transactions = undefined;
    this.decoder = undefined;
  }

  /** Runs one frame; returns false when it went async (the queue resumes when it settles). */
  #run(frame: StompFrame): boolean {
    if (this.state === 'closing') return true;
    let result: void | Promise<void>;
    try {
      result = this.#options.process(this, frame);
    } catch (error) {
      this.#options.fail(this, frame, error);
      return true;
    }
    if (result === undefined) return true;
    this.#flags |= BUSY;
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
        this.#options.fail(this, frame, error);
        this.#resume();
      },
    );
    return false;
  }

  #resume(): void {
    this.#flags &= ~BUSY;
    while (this.#queue.length > 0 && this.state !== 'closing') {
      const frame = this.#queue.shift()!;
      if (!this.#run(frame)) return;
    }
    if (this.#queue.length === 0) this.#queue = NO_FRAMES;
    if ((this.#flags & PAUSED) !== 0 && this.session.resumeReading) {
      this.#flags &= ~PAUSED;
      this.session.resumeReading();
    }
  }
}
