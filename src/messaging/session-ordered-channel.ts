import type { MessageChannel } from './channel.js';
import type { Message } from './message.js';

/**
 * Keeps each session's messages in order through a channel whose interceptors may be async:
 * while one message of a session is still on its way, the next ones of that session wait for
 * it. Messages of other sessions are not held up, and a fully synchronous channel pays one
 * size check per send.
 */
export class SessionOrderedChannel implements MessageChannel {
  readonly #inner: MessageChannel;
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(inner: MessageChannel) {
    this.#inner = inner;
  }

  send(message: Message): boolean | Promise<boolean> {
    const sessionId = message.headers.sessionId;
    if (sessionId === undefined) return this.#inner.send(message);
    const previous = this.#pending.size === 0 ? undefined : this.#pending.get(sessionId);
    const result: boolean | Promise<boolean> =
      previous === undefined ? this.#inner.send(message) : previous.then(() => this.#inner.send(message));
    if (typeof result === 'boolean') return result;
    // A failure of one message must not stall the session's later messages.
    const settled = result.catch(() => false);
    this.#pending.set(sessionId, settled);
    void settled.then(() => {
      if (this.#pending.get(sessionId) === settled) this.#pending.delete(sessionId);
    });
    return result;
  }
}
