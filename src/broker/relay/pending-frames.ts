import type { StompFrame } from '../../stomp/frame.js';

/** A frame the relay sent with its own `receipt`, until the broker's RECEIPT arrives. */
export interface PendingFrame {
  readonly receipt: string;
  readonly command: StompFrame['command'];
  /** The client session the frame came from (undefined: the relay's or the application's own). */
  readonly sessionId: string | undefined;
  /** The receipt the client asked for, answered when the broker's arrives. */
  readonly clientReceipt: string | undefined;
  /** SUBSCRIBE: the broker subscription it creates. */
  readonly subscription: string | undefined;
  readonly destination: string | undefined;
  /** SEND: the frame itself, sent again if the connection is lost before the broker confirmed it. */
  readonly frame: StompFrame | undefined;
  readonly bytes: number;
}

/** Path segments too generic to name a culprit (`/exchange/x/key` names `x`, not `exchange`). */
const GENERIC = new Set(['topic', 'queue', 'exchange', 'amq', 'temp-queue', 'reply-queue']);

/**
 * The frames one broker connection has not confirmed yet, in the order they were sent. Every
 * frame the relay sends carries a receipt of its own, which gives the client's receipts their
 * real meaning (the broker's), keeps unconfirmed SENDs for a resend after a loss, and names the
 * frame a broker ERROR is about: the one its `receipt-id` names (ActiveMQ), else the pending
 * frame whose destination the message names (RabbitMQ's `no exchange 'x'`), else the oldest
 * pending frame that is not a SEND (RabbitMQ confirms SENDs asynchronously, out of order).
 */
export class PendingFrames {
  readonly #frames = new Map<string, PendingFrame>();

  get size(): number {
    return this.#frames.size;
  }

  add(frame: PendingFrame): void {
    this.#frames.set(frame.receipt, frame);
  }

  /** The broker confirmed `receipt`: the frame it was for, if it is ours. */
  resolve(receipt: string): PendingFrame | undefined {
    const frame = this.#frames.get(receipt);
    if (frame !== undefined) this.#frames.delete(receipt);
    return frame;
  }

  /** The frame a broker ERROR is about, if one can be told (it is removed). */
  culprit(error: StompFrame): PendingFrame | undefined {
    const found = this.#find(error);
    if (found !== undefined) this.#frames.delete(found.receipt);
    return found;
  }

  /** Everything still pending (the connection is gone), oldest first; forgets it. */
  drain(): PendingFrame[] {
    const all = [...this.#frames.values()];
    this.#frames.clear();
    return all;
  }

  #find(error: StompFrame): PendingFrame | undefined {
    const named = error.headers['receipt-id'];
    if (named !== undefined) return this.#frames.get(named);
    if (this.#frames.size === 0) return undefined;
    const text = `${error.headers.message ?? ''}\n${error.body.toString('utf8', 0, 4096)}`;
    for (const frame of this.#frames.values()) {
      if (frame.destination === undefined) continue;
      for (const segment of frame.destination.split('/')) {
        if (segment.length >= 2 && !GENERIC.has(segment) && text.includes(`'${segment}'`)) return frame;
      }
    }
    for (const frame of this.#frames.values()) if (frame.command !== 'SEND') return frame;
    return this.#frames.values().next().value;
  }
}
