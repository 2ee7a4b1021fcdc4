import type { OutboundMessage } from './outbound-message.js';

/**
 * What a WebSocket session holds only while its socket is backed up: the messages waiting for
 * the kernel buffer to drain (a FIFO counted in bytes against `sendBufferLimit`), the timer that
 * bounds the wait (`sendTimeLimit`) and the 'drain' listener. Made when the socket stops
 * draining, dropped once it has drained, so an idle session holds none of it.
 */
export class SendBacklog {
  readonly #queue: (OutboundMessage | undefined)[] = [];
  #head = 0;
  /** Bytes of the waiting messages' WebSocket frames. */
  bytes = 0;
  stallTimer: NodeJS.Timeout | undefined;
  /** The session's 'drain' listener, attached while the stall timer runs. */
  drained: (() => void) | undefined;
  /** The reason of a close that waits for the queue to drain. */
  closeReason = '';

  get isEmpty(): boolean {
    return this.#head === this.#queue.length;
  }

  push(message: OutboundMessage): void {
    this.#queue.push(message);
    this.bytes += message.webSocketFrame.length;
  }

  /** The oldest waiting message, taken off the queue (undefined when empty). */
  shift(): OutboundMessage | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const message = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined;
    this.bytes -= message.webSocketFrame.length;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    return message;
  }

  /** Drops every waiting message. */
  clear(): void {
    this.#queue.length = 0;
    this.#head = 0;
    this.bytes = 0;
  }
}
