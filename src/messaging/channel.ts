import type { Message } from './message.js';

/** The one-method seam every message travels through (Spring's `MessageChannel`). */
export interface MessageChannel {
  /**
   * Sends a message. Returns whether it was sent (false when an interceptor dropped it).
   * Returns a promise only when an interceptor or handler on the way is async; callers that
   * must keep order wait for it before sending the next message of the same session.
   */
  send(message: Message): boolean | Promise<boolean>;
}

/** Receives messages from a channel (Spring's `MessageHandler`). */
export interface MessageHandler {
  /** Handles one message; a returned promise keeps the sender waiting (and the session ordered). */
  handleMessage(message: Message): void | Promise<void>;
}

/** A channel that delivers to the handlers subscribed to it. */
export interface SubscribableChannel extends MessageChannel {
  /** Adds a handler; returns a function that removes it. */
  subscribe(handler: MessageHandler): () => void;
}

/**
 * Intercepts messages on a channel. Every method is optional.
 * - `preSend` may return the message (possibly changed), `null` to drop it, or throw to reject it.
 * - `postSend` runs after handlers when the message was sent.
 * - `afterSendCompletion` always runs, with the error if sending failed.
 */
export interface ChannelInterceptor {
  /** Before the message is handled: return it (or a changed copy), `null` to drop it, or throw to reject it. May be async. */
  preSend?(message: Message, channel: MessageChannel): Message | null | Promise<Message | null>;
  /** After the handlers ran, with whether the message was sent. */
  postSend?(message: Message, channel: MessageChannel, sent: boolean): void;
  /** Always last, with the error if sending failed (cleanup, metrics). */
  afterSendCompletion?(message: Message, channel: MessageChannel, sent: boolean, error?: unknown): void;
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

/**
 * A channel that calls its interceptors and handlers on the caller's stack. It stays fully
 * synchronous (no promise, no allocation) unless an interceptor or handler returns a promise,
 * which keeps the fan-out hot path cheap while still allowing async steps.
 */
export class DirectChannel implements SubscribableChannel {
  readonly name: string;
  #handlers: MessageHandler[] = [];
  #interceptors: ChannelInterceptor[] = [];

  constructor(name: string, interceptors: ChannelInterceptor[] = []) {
    this.name = name;
    this.#interceptors = [...interceptors];
  }

  /** Adds an interceptor at the end of the chain. */
  addInterceptor(interceptor: ChannelInterceptor): void {
    this.#interceptors = [...this.#interceptors, interceptor];
  }

  get interceptors(): readonly ChannelInterceptor[] {
    return this.#interceptors;
  }

  get hasInterceptors(): boolean {
    return this.#interceptors.length > 0;
  }

  subscribe(handler: MessageHandler): () => void {
    this.#handlers = [...this.#handlers, handler];
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  send(message: Message): boolean | Promise<boolean> {
    const interceptors = this.#interceptors;
    if (interceptors.length === 0) return this.#dispatch(message, interceptors, -1);
    return this.#preSend(message, interceptors, 0);
  }

  #preSend(message: Message, interceptors: ChannelInterceptor[], from: number): boolean | Promise<boolean> {
    let current: Message = message;
    for (let i = from; i < interceptors.length; i++) {
      const interceptor = interceptors[i]!;
      if (!interceptor.preSend) continue;
      let result: Message | null | Promise<Message | null>;
      try {
        result = interceptor.preSend(current, this);
      } catch (error) {
        this.#complete(current, interceptors, i - 1, false, error);
        throw error;
      }
      if (isPromise<Message | null>(result)) {
        const index = i;
        return result.then(
          (next) => this.#afterPreSend(next, current, interceptors, index),
          (error: unknown) => {
            this.#complete(current, interceptors, index - 1, false, error);
            throw error;
          },
        );
      }
      if (result === null) {
        this.#complete(current, interceptors, i - 1, false);
        return false;
      }
      current = result;
    }
    return this.#dispatch(current, interceptors, interceptors.length - 1);
  }

  #afterPreSend(
    next: Message | null,
    previous: Message,
    interceptors: ChannelInterceptor[],
    index: number,
  ): boolean | Promise<boolean> {
    if (next === null) {
      this.#complete(previous, interceptors, index - 1, false);
      return false;
    }
    if (index + 1 < interceptors.length) return this.#preSend(next, interceptors, index + 1);
    return this.#dispatch(next, interceptors, interceptors.length - 1);
  }

  #dispatch(
    message: Message,
    interceptors: ChannelInterceptor[],
    lastApplied: number,
  ): boolean | Promise<boolean> {
    const handlers = this.#handlers;
    for (let i = 0; i < handlers.length; i++) {
      let result: void | Promise<void>;
      try {
        result = handlers[i]!.handleMessage(message);
      } catch (error) {
        this.#complete(message, interceptors, lastApplied, false, error);
        throw error;
      }
      if (isPromise<void>(result)) {
        return this.#dispatchAsync(result, message, handlers, i + 1, interceptors, lastApplied);
      }
    }
    if (lastApplied >= 0) this.#postSend(message, interceptors, lastApplied);
    return true;
  }

  async #dispatchAsync(
    pending: Promise<void>,
    message: Message,
    handlers: MessageHandler[],
    from: number,
    interceptors: ChannelInterceptor[],
    lastApplied: number,
  ): Promise<boolean> {
    try {
      await pending;
      for (let i = from; i < handlers.length; i++) await handlers[i]!.handleMessage(message);
    } catch (error) {
      this.#complete(message, interceptors, lastApplied, false, error);
      throw error;
    }
    this.#postSend(message, interceptors, lastApplied);
    return true;
  }

  #postSend(message: Message, interceptors: ChannelInterceptor[], lastApplied: number): void {
    for (let i = 0; i <= lastApplied; i++) interceptors[i]!.postSend?.(message, this, true);
    this.#complete(message, interceptors, lastApplied, true);
  }

  /** Runs `afterSendCompletion` in reverse on the interceptors whose `preSend` ran. */
  #complete(
    message: Message,
    interceptors: ChannelInterceptor[],
    lastApplied: number,
    sent: boolean,
    error?: unknown,
  ): void {
    for (let i = lastApplied; i >= 0; i--) {
      try {
        interceptors[i]!.afterSendCompletion?.(message, this, sent, error);
      } catch {
        // An interceptor's cleanup must not hide the original outcome.
      }
    }
  }
}
