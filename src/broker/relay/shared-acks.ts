import { ErrorCodes, StompProtocolError } from '../../errors.js';
import type { Message } from '../../messaging/message.js';
import type { StompHeaders } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';
import type { AckEntry } from './ack-map.js';
import type { SharedRelayContext } from './shared-relay-context.js';
import type { SharedSession } from './shared-session.js';
import type { BrokerSubscription } from './shared-subscriptions.js';

const EMPTY = Buffer.alloc(0);

/** A cancelled subscription until the broker confirms its UNSUBSCRIBE. */
interface Closing {
  readonly connection: number;
  /** Deliveries the broker still counts as unacknowledged on the connection. */
  stuck: number;
}

/**
 * Shared mode's acknowledgements. A client's ACK or NACK names the relay's id; the broker gets
 * its own id for every delivery it settles, one frame each (the broker subscription is always
 * `client-individual`: a cumulative ACK on RabbitMQ covers the whole channel, so other
 * sessions' deliveries on the same shared connection too). Inside a transaction they are
 * claimed until COMMIT (see {@link AckMap}).
 *
 * RabbitMQ keeps a cancelled subscription's unacknowledged messages until the connection
 * closes, refuses a NACK once the subscription is gone, and hands a message NACKed before the
 * UNSUBSCRIBE straight back to the same subscription. So, RabbitMQ only, the relay NACKs them
 * inside a broker transaction committed after the UNSUBSCRIBE: they go back to the queue once
 * the subscription is gone. What still arrives for the subscription in between cannot be
 * NACKed: only then, once the UNSUBSCRIBE is confirmed, is the connection made again (at most
 * once per 5 s). Other brokers (ActiveMQ) redeliver on UNSUBSCRIBE by themselves.
 */
export class SharedAcks {
  readonly #relay: SharedRelayContext;
  readonly #closing = new Map<string, Closing>();
  #requeues = 0;

  constructor(relay: SharedRelayContext) {
    this.#relay = relay;
  }

  /** A client's ACK or NACK. */
  settle(session: SharedSession, message: Message, command: 'ACK' | 'NACK'): void {
    const relay = this.#relay;
    const native = message.headers.nativeHeaders;
    const id = native.id ?? native['message-id'] ?? '';
    const transaction = native.transaction;
    // Checked first: a frame naming an unknown transaction settles nothing.
    const brokerTransaction = transaction === undefined ? undefined : session.openTransaction(transaction);
    const entries = session.acks.settle(id, transaction);
    if (entries === undefined) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_ACK,
        `${command} of unknown message '${id.slice(0, 100)}'`,
      );
    }
    const connection = relay.pool.get(session.connection);
    const live: AckEntry[] = [];
    for (const entry of entries) {
      // Delivered on a connection that is gone: the broker already put the message back.
      if (entry.epoch === connection.epoch && connection.up) live.push(entry);
      else relay.count('staleAck');
    }
    const receipt = native.receipt;
    for (const [i, entry] of live.entries()) {
      const headers = this.#brokerAckHeaders(session.connection, entry);
      if (brokerTransaction !== undefined) headers.transaction = brokerTransaction;
      // Inside a transaction the broker confirms nothing before COMMIT: sent without a receipt.
      const last = i === live.length - 1 && brokerTransaction === undefined;
      relay.sendNow(session.connection, {
        command,
        headers,
        body: EMPTY,
        origin:
          brokerTransaction !== undefined
            ? { untracked: true }
            : { sessionId: session.id, clientReceipt: last ? receipt : undefined },
      });
    }
    if (receipt !== undefined && (brokerTransaction !== undefined || live.length === 0))
      relay.receipt(session.id, receipt);
  }

  /**
   * The last client subscription of an own broker subscription ended: UNSUBSCRIBE, with its
   * unacknowledged deliveries requeued first on RabbitMQ. Returns whether the UNSUBSCRIBE went out.
   */
  unsubscribe(
    session: SharedSession,
    subscription: BrokerSubscription,
    unacked: AckEntry[],
    receipt: string | undefined,
  ): boolean {
    const relay = this.#relay;
    const index = subscription.connection;
    const connection = relay.pool.get(index);
    const ack = subscription.headers.ack;
    const rabbit =
      ack !== undefined && ack !== 'auto' && connection.up && connection.server.startsWith('RabbitMQ');
    if (!rabbit) {
      return relay.sendNow(index, {
        command: 'UNSUBSCRIBE',
        headers: createHeaders({ id: subscription.id }),
        body: EMPTY,
        origin: { sessionId: session.id, clientReceipt: receipt },
      });
    }
    const current = unacked.filter((entry) => entry.epoch === connection.epoch);
    // Claimed by a client transaction still open: its COMMIT settles them, its ABORT cannot.
    const claimed = current.filter((entry) => entry.transaction !== undefined).length;
    const requeue = current.filter((entry) => entry.transaction === undefined);
    const transaction = requeue.length > 0 ? `${relay.idPrefix}-requeue-${++this.#requeues}` : undefined;
    if (transaction !== undefined) {
      this.#untracked(index, 'BEGIN', createHeaders({ transaction }));
      for (const entry of requeue) {
        const headers = this.#brokerAckHeaders(index, entry);
        headers.transaction = transaction;
        this.#untracked(index, 'NACK', headers);
      }
    }
    this.#closing.set(subscription.id, { connection: index, stuck: claimed });
    const sent = relay.sendNow(index, {
      command: 'UNSUBSCRIBE',
      headers: createHeaders({ id: subscription.id }),
      body: EMPTY,
      origin: { sessionId: session.id, clientReceipt: receipt, subscription: subscription.id },
    });
    if (transaction !== undefined) this.#untracked(index, 'COMMIT', createHeaders({ transaction }));
    return sent;
  }

  /** A MESSAGE for a broker subscription the relay no longer has. */
  stray(id: string, connection: number): void {
    const closing = this.#closing.get(id);
    if (closing?.connection === connection) closing.stuck++;
  }

  /** The broker confirmed an UNSUBSCRIBE: deliveries still stuck with it are requeued by reconnecting. */
  unsubscribed(id: string): void {
    const closing = this.#closing.get(id);
    if (closing === undefined) return;
    this.#closing.delete(id);
    if (closing.stuck === 0) return;
    this.#relay.count('requeueByReconnect');
    this.#relay.pool
      .get(closing.connection)
      .recycle('to requeue unacknowledged messages of a cancelled subscription');
  }

  /** A connection went away: the broker put back everything unacknowledged on it. */
  connectionLost(index: number): void {
    for (const [id, closing] of this.#closing) if (closing.connection === index) this.#closing.delete(id);
  }

  clear(): void {
    this.#closing.clear();
  }

  #untracked(index: number, command: 'BEGIN' | 'NACK' | 'COMMIT', headers: StompHeaders): void {
    this.#relay.sendNow(index, { command, headers, body: EMPTY, origin: { untracked: true } });
  }

  #brokerAckHeaders(index: number, entry: AckEntry): StompHeaders {
    return this.#relay.pool.get(index).version === '1.2' && entry.brokerAck !== undefined
      ? createHeaders({ id: entry.brokerAck })
      : createHeaders({ 'message-id': entry.brokerMessageId, subscription: entry.subscription });
  }
}
