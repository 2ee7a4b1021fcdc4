import type { Principal } from '../../src/messaging/message.js';
import type { Session } from '../../src/websocket/handler.js';
import type { OutboundMessage } from '../../src/websocket/outbound-message.js';

/** An in-memory Session for unit tests of one part: records what is sent and how it closed. */
export class FakeSession implements Session {
  static #next = 0;
  readonly id = `fake-${FakeSession.#next++}`;
  readonly transport = 'websocket' as const;
  readonly uri = new URL('ws://localhost/stomp');
  readonly handshakeHeaders = {};
  readonly remoteAddress = '127.0.0.1';
  readonly protocol = 'v12.stomp';
  readonly attributes = new Map<string, unknown>();
  principal: Principal | undefined;
  isOpen = true;
  bufferedAmount = 0;
  readonly sent: OutboundMessage[] = [];
  closedWith: { code: number; reason: string } | undefined;
  paused = false;

  send(message: OutboundMessage): boolean {
    if (!this.isOpen) return false;
    this.sent.push(message);
    return true;
  }

  close(code = 1000, reason = ''): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closedWith = { code, reason };
  }

  pauseReading(): void {
    this.paused = true;
  }

  resumeReading(): void {
    this.paused = false;
  }

  /** The close code, or undefined while open (a method, so assertions do not narrow it). */
  closeCode(): number | undefined {
    return this.closedWith?.code;
  }

  /** Everything sent, as text. */
  text(): string[] {
    return this.sent.map((m) => m.text);
  }
}
