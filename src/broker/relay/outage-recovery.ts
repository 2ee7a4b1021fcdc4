import { ErrorCodes } from '../../errors.js';
import { createHeaders } from '../../stomp/frame.js';
import type { BufferedFrame } from './outage-buffer.js';
import type { PendingFrame } from './pending-frames.js';
import type { FrameOrigin, PooledConnection } from './pooled-connection.js';
import type { BrokerRelayStats } from './relay-options.js';
import type { SharedAcks } from './shared-acks.js';
import type { OutgoingFrame, SharedRelayContext } from './shared-relay-context.js';

/**
 * Shared mode across broker outages: while a connection is away its sessions stay open and what
 * they send waits in the outage buffer; SENDs the broker never confirmed go out again (at least
 * once); transactions on it are marked lost. On reconnect every broker subscription on it is
 * made again, and the relay is available again only once every connection is up and the broker
 * confirmed every subscription with a receipt: then the buffer is flushed (so the subscribers
 * here receive what was sent meanwhile) and `brokerAvailability` listeners hear it.
 */
export class OutageRecovery {
  readonly #relay: SharedRelayContext;
  readonly #acks: SharedAcks;
  /** Subscriptions made again after a reconnect, until the broker confirms them. */
  readonly #resubscribing = new Set<string>();
  #since: number | undefined;
  #count = 0;
  #everUp = false;
  /** Undefined until first reported: the first failed attempt is reported with its reason. */
  #available: boolean | undefined;

  constructor(relay: SharedRelayContext, acks: SharedAcks) {
    this.#relay = relay;
    this.#acks = acks;
  }

  get available(): boolean {
    return this.#available === true;
  }

  /** The relay was connected once, so an outage now is one it will recover from. */
  get everUp(): boolean {
    return this.#everUp;
  }

  outageStats(): BrokerRelayStats['outage'] {
    return { active: this.#since !== undefined, since: this.#since, count: this.#count };
  }

  /** A connection is up: its subscriptions are made again, each confirmed by a receipt. */
  up(connection: PooledConnection): void {
    const relay = this.#relay;
    if (connection.epoch > 1) relay.counters.reconnects++;
    const index = connection.index;
    for (const subscription of relay.subscriptions.values()) {
      if (subscription.connection !== index) continue;
      subscription.confirmed = false;
      this.#resubscribing.add(subscription.id);
      relay.subscribeOnBroker(subscription);
    }
    if (index === 0) {
      for (const subscription of relay.system.values()) {
        this.#resubscribing.add(subscription.id);
        relay.subscribeSystemOnBroker(subscription);
      }
    }
    this.recover();
  }

  /** The broker confirmed a SUBSCRIBE: its waiting client receipts are answered. */
  confirmed(id: string): void {
    const relay = this.#relay;
    if (this.#resubscribing.delete(id)) this.recover();
    const subscription = relay.subscriptions.get(id);
    if (subscription === undefined || subscription.confirmed) return;
    subscription.confirmed = true;
    for (const { sessionId, receipt } of subscription.waiting.splice(0)) relay.receipt(sessionId, receipt);
  }

  /**
   * Back once every connection is up and the broker confirmed every subscription: only then
   * do the buffered SENDs go out (so subscribers here receive them) and listeners hear it.
   */
  recover(): void {
    const relay = this.#relay;
    if (this.#available === true || !relay.pool.allUp) return;
    for (const id of this.#resubscribing)
      if (relay.subscriptions.get(id) === undefined && !relay.system.has(id)) this.#resubscribing.delete(id);
    if (this.#resubscribing.size > 0) return;
    for (const connection of relay.pool.connections) {
      const waiting = relay.buffer.take(connection.index);
      for (let i = 0; i < waiting.length; i++) {
        if (!relay.sendNow(connection.index, waiting[i]!.item)) {
          // Lost again while flushing: the rest waits for the next connection.
          for (const entry of waiting.slice(i))
            relay.buffer.push(connection.index, entry.sessionId, entry.item, entry.bytes);
          return;
        }
      }
    }
    if (this.#since !== undefined)
      relay.context.logger.info('Message broker back', { outage: this.outageText() });
    this.#since = undefined;
    this.#everUp = true;
    this.#setAvailable(true);
  }

  /** A connection attempt failed before the relay was ever up: the reason is reported. */
  attemptFailed(_connection: PooledConnection, reason: string): void {
    this.#setAvailable(false, reason);
  }

  /** A connection went away with `pending` frames the broker never confirmed. */
  down(connection: PooledConnection, reason: string, pending: PendingFrame[]): void {
    const relay = this.#relay;
    const index = connection.index;
    if (this.#everUp && this.#since === undefined) {
      this.#since = Date.now();
      this.#count++;
    }
    this.#setAvailable(false, reason);
    for (const subscription of relay.subscriptions.values())
      if (subscription.connection === index) subscription.confirmed = false;
    this.#acks.connectionLost(index);
    for (const session of relay.sessions.values()) {
      if (session.connection !== index) continue;
      for (const id of session.transactions.keys()) session.transactions.set(id, true);
    }
    // SENDs the broker never confirmed go out again on the next connection (at least once).
    const resend: { item: OutgoingFrame; bytes: number; sessionId: string | undefined }[] = [];
    for (const frame of pending) {
      if (
        frame.frame !== undefined &&
        (frame.sessionId === undefined || relay.sessions.has(frame.sessionId))
      ) {
        const headers = createHeaders(frame.frame.headers);
        delete headers.receipt;
        const origin: FrameOrigin = {
          sessionId: frame.sessionId,
          clientReceipt: frame.clientReceipt,
          resend: true,
        };
        resend.push({
          item: { command: 'SEND', headers, body: frame.frame.body, origin },
          bytes: frame.bytes,
          sessionId: frame.sessionId,
        });
      } else if (frame.command === 'COMMIT' && frame.sessionId !== undefined) {
        relay.failSession(
          frame.sessionId,
          'The broker connection was lost before the transaction was committed; its outcome is unknown',
          Buffer.from(reason),
          createHeaders({ code: ErrorCodes.ERR_BROKER_UNAVAILABLE, 'receipt-id': frame.clientReceipt }),
        );
      } else if (
        frame.clientReceipt !== undefined &&
        frame.sessionId !== undefined &&
        frame.subscription === undefined
      ) {
        relay.receipt(frame.sessionId, frame.clientReceipt);
      }
    }
    for (const entry of resend.reverse()) relay.buffer.requeue(index, entry.sessionId, [entry]);
  }

  /** Frames that waited past the buffer's `maxAge`: their sessions are told and closed. */
  expired(expired: BufferedFrame<OutgoingFrame>[]): void {
    const relay = this.#relay;
    const told = new Set<string>();
    for (const entry of expired) {
      relay.count('outageExpired');
      const sessionId = entry.sessionId;
      if (sessionId === undefined || told.has(sessionId)) continue;
      told.add(sessionId);
      const reason = `The message broker is away (${this.outageText()}); a frame waited longer than the outage buffer's maxAge (${relay.buffer.maxAge} ms)`;
      relay.failSession(
        sessionId,
        reason,
        Buffer.from(reason),
        createHeaders({ code: ErrorCodes.ERR_LIMIT_OUTAGE_BUFFER }),
      );
    }
    if (expired.length > told.size)
      relay.context.logger.warn('Frames dropped: the broker stayed away past the outage buffer maxAge', {
        frames: expired.length,
        maxAge: relay.buffer.maxAge,
      });
  }

  /** The relay stopped. */
  stopped(): void {
    this.#resubscribing.clear();
    this.#setAvailable(false, 'relay stopped');
  }

  /** How long the broker has been away and why, for messages. */
  outageText(): string {
    const since = this.#since;
    const lastError = this.#relay.pool.lastError;
    return since === undefined
      ? lastError
      : `unavailable for ${Math.round((Date.now() - since) / 1000)} s: ${lastError}`;
  }

  #setAvailable(available: boolean, reason?: string): void {
    if (this.#available === available) return;
    this.#available = available;
    this.#relay.context.setAvailable(available, reason);
  }
}
