import { ErrorCodes, StompProtocolError } from '../../errors.js';
import type { StompHeaders, StompVersion } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';

/** Options of {@link AckTranslator}. */
export interface AckTranslatorOptions {
  /**
   * Unacknowledged deliveries whose broker ack id one session remembers. Past it the oldest is
   * forgotten (an ACK for it then gets `ERR_STOMP_UNKNOWN_ACK`; the broker redelivers it when the
   * session ends). Default 10000.
   */
  maxPending?: number;
}

/** What the translator remembers of one unacknowledged delivery. */
interface Pending {
  /** The broker's `ack` header of the MESSAGE: what it wants in ACK/NACK `id` (STOMP 1.2). */
  readonly ackId: string;
  /** The transaction whose ACK/NACK covers it, until that transaction commits or aborts. */
  transaction?: string;
}

interface AckedSubscription {
  readonly cumulative: boolean;
  /** Unacknowledged deliveries by `message-id`, oldest first. */
  readonly pending: Map<string, Pending>;
}

/**
 * Acknowledgements across a version change between hops (STOMP versions are per hop): the relay
 * speaks 1.2 to the broker, which wants ACK/NACK `id` set to the MESSAGE's `ack` header, while a
 * STOMP 1.1 client acknowledges with `message-id` + `subscription` and a 1.0 client with
 * `message-id` alone. For such a session, every delivery on a `client` or
 * `client-individual` subscription is remembered (message-id → broker ack id, bounded); the
 * client's ACK/NACK is rewritten to the broker's form, and what it settles is forgotten (all
 * earlier deliveries of the subscription too, in `client` mode, as the broker does; at COMMIT
 * when it is part of a transaction). A 1.2 session needs none of this: use {@link needsAckTranslation}.
 *
 * The MESSAGE `subscription` given to {@link delivered} must be the client's own subscription id.
 */
export class AckTranslator {
  readonly version: StompVersion;
  readonly #maxPending: number;
  readonly #subscriptions = new Map<string, AckedSubscription>();
  #size = 0;
  #forgotten = 0;

  constructor(version: StompVersion, options: AckTranslatorOptions = {}) {
    this.version = version;
    this.#maxPending = Math.max(1, options.maxPending ?? 10_000);
  }

  /** Deliveries remembered now. */
  get pending(): number {
    return this.#size;
  }

  /** Deliveries forgotten because `maxPending` was reached (since this translator was made). */
  get forgotten(): number {
    return this.#forgotten;
  }

  /** The client subscribed: `ack` is its SUBSCRIBE `ack` header (absent means `auto`). */
  subscribed(subscriptionId: string, ack: string | undefined): void {
    this.unsubscribed(subscriptionId);
    if (ack !== 'client' && ack !== 'client-individual') return;
    this.#subscriptions.set(subscriptionId, { cumulative: ack === 'client', pending: new Map() });
  }

  /** The client unsubscribed: the broker takes back what was unacknowledged; forget it. */
  unsubscribed(subscriptionId: string): void {
    const subscription = this.#subscriptions.get(subscriptionId);
    if (subscription === undefined) return;
    this.#size -= subscription.pending.size;
    this.#subscriptions.delete(subscriptionId);
  }

  /**
   * A broker MESSAGE on its way to the client: remembers its ack id when the subscription
   * acknowledges, and removes the `ack` header, which is STOMP 1.2's (the headers are changed in place).
   */
  delivered(headers: StompHeaders): void {
    const ackId = headers.ack;
    if (ackId === undefined) return;
    delete headers.ack;
    const subscriptionId = headers.subscription;
    const messageId = headers['message-id'];
    if (subscriptionId === undefined || messageId === undefined) return;
    const subscription = this.#subscriptions.get(subscriptionId);
    if (subscription === undefined) return;
    const pending = subscription.pending;
    // A redelivery (same message-id, new ack id) replaces the entry and becomes the newest.
    if (pending.delete(messageId)) this.#size--;
    if (this.#size >= this.#maxPending) this.#forgetOldest(pending);
    pending.set(messageId, { ackId });
    this.#size++;
  }

  /**
   * The client's ACK or NACK, as the broker (STOMP 1.2) wants it: `id` set to the delivery's
   * ack id, `message-id` and `subscription` removed, every other header (transaction, receipt) kept.
   * Throws a {@link StompProtocolError} for an ACK of a delivery it does not know (a NACK from a
   * STOMP 1.0 client never gets here: the protocol handler refuses it).
   */
  toBroker(command: 'ACK' | 'NACK', headers: StompHeaders): StompHeaders {
    const messageId = headers['message-id'];
    // A client that already sends 1.2's `id` is passed through.
    if (messageId === undefined && headers.id !== undefined) return headers;
    const found = messageId === undefined ? undefined : this.#find(messageId, headers.subscription);
    if (found === undefined) {
      const shown = (messageId ?? '').slice(0, 100);
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_ACK,
        `${command} of unknown message '${shown}' (not delivered on a client-acknowledged ` +
          `subscription of this session, already settled, or more than ${this.#maxPending} unacknowledged)`,
      );
    }
    const [subscription, pending] = found;
    const translated = createHeaders(headers);
    delete translated['message-id'];
    delete translated.subscription;
    translated.id = pending.ackId;
    this.#settle(subscription, messageId!, headers.transaction);
    return translated;
  }

  /** A transaction committed: what its ACKs and NACKs settled is forgotten. */
  committed(transaction: string): void {
    for (const subscription of this.#subscriptions.values()) {
      for (const [messageId, pending] of subscription.pending) {
        if (pending.transaction !== transaction) continue;
        subscription.pending.delete(messageId);
        this.#size--;
      }
    }
  }

  /** A transaction aborted: its ACKs and NACKs did not happen; the deliveries can be settled again. */
  aborted(transaction: string): void {
    for (const subscription of this.#subscriptions.values()) {
      for (const pending of subscription.pending.values()) {
        if (pending.transaction === transaction) pending.transaction = undefined;
      }
    }
  }

  /** The delivery an ACK names: by subscription and message-id, or by message-id alone (1.0). */
  #find(messageId: string, subscriptionId: string | undefined): [AckedSubscription, Pending] | undefined {
    if (subscriptionId !== undefined) {
      const subscription = this.#subscriptions.get(subscriptionId);
      const pending = subscription?.pending.get(messageId);
      return pending === undefined ? undefined : [subscription!, pending];
    }
    // The session's subscriptions are few (maxSubscriptionsPerSession bounds them).
    for (const subscription of this.#subscriptions.values()) {
      const pending = subscription.pending.get(messageId);
      if (pending !== undefined) return [subscription, pending];
    }
    return undefined;
  }

  /** Forgets what an ACK/NACK settles: the delivery, and in `client` mode every one before it. */
  #settle(subscription: AckedSubscription, messageId: string, transaction: string | undefined): void {
    const pending = subscription.pending;
    if (!subscription.cumulative) return this.#settleOne(pending, messageId, transaction);
    // Deleting the key being visited is safe while iterating a Map.
    for (const id of pending.keys()) {
      this.#settleOne(pending, id, transaction);
      if (id === messageId) return;
    }
  }

  /** Forgets one delivery, or (in a transaction) marks it for forgetting at COMMIT. */
  #settleOne(pending: Map<string, Pending>, messageId: string, transaction: string | undefined): void {
    if (transaction !== undefined) {
      pending.get(messageId)!.transaction = transaction;
    } else if (pending.delete(messageId)) {
      this.#size--;
    }
  }

  /** Makes room: the oldest delivery of the subscription receiving one, or of any subscription. */
  #forgetOldest(preferred: Map<string, Pending>): void {
    let from: Map<string, Pending> | undefined = preferred.size > 0 ? preferred : undefined;
    if (from === undefined) {
      for (const subscription of this.#subscriptions.values()) {
        if (subscription.pending.size > 0) {
          from = subscription.pending;
          break;
        }
      }
    }
    const oldest = from?.keys().next();
    if (from === undefined || oldest === undefined || oldest.done === true) return;
    from.delete(oldest.value);
    this.#size--;
    this.#forgotten++;
  }
}

/** Whether a client of `version` acknowledges differently from the relay's broker hop (1.2). */
export function needsAckTranslation(version: StompVersion): boolean {
  return version !== '1.2';
}
