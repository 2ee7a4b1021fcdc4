import { performance } from 'node:perf_hooks';
import { ErrorCodes, StompProtocolError, SwitchboardError } from '../../errors.js';
import type { Message } from '../../messaging/message.js';
import { createMessage } from '../../messaging/message.js';
import type { StompHeaders } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';
import type { SharedRelay } from './shared-relay.js';
import type { AckEntry } from './ack-map.js';
import { SharedSession } from './shared-session.js';
import type { BrokerSubscription, LocalSubscriber } from './shared-subscriptions.js';

const EMPTY = Buffer.alloc(0);

/** Broker headers a client must not see as they are (the relay sets its own). */
const RELAY_HEADERS = ['subscription', 'ack', 'receipt', 'content-length'];

/** A broker MESSAGE's headers as a client sees them (before its own `subscription`). */
export function clientHeaders(headers: StompHeaders): StompHeaders {
  const copy = createHeaders(headers);
  for (const name of RELAY_HEADERS) delete copy[name];
  return copy;
}

/** Headers a publisher sets that never travel to a user destination's subscriber. */
const NOT_DELIVERED = ['receipt', 'transaction', 'content-length', 'subscription', 'message-id', 'ack', 'id'];

/**
 * Shared mode, client side: turns each client's frames into frames on the shared connections
 * (relay subscription ids, session-prefixed transaction ids, broker ack ids, relay receipts)
 * and serves user destinations inside the instance. Everything a session sends goes on the one
 * pool connection its id maps to, so it reaches the broker in order.
 */
export class SharedFrames {
  readonly #relay: SharedRelay;

  constructor(relay: SharedRelay) {
    this.#relay = relay;
  }

  handle(message: Message): void {
    const h = message.headers;
    switch (h.type) {
      case 'CONNECT':
        return this.#connect(message);
      case 'DISCONNECT':
        if (h.sessionId !== undefined) this.#relay.closeSession(h.sessionId);
        return;
      case 'MESSAGE':
        return this.#send(message);
      case 'SUBSCRIBE':
        return this.#subscribe(message);
      case 'UNSUBSCRIBE': {
        const session = this.#session(message);
        const id = h.subscriptionId ?? h.nativeHeaders.id ?? '';
        const receipt = h.nativeHeaders.receipt;
        if (session.userSubscriptions.delete(id)) {
          if (receipt !== undefined) this.#relay.receipt(session.id, receipt);
          return;
        }
        if (!session.subscriptions.has(id)) {
          throw new StompProtocolError(
            ErrorCodes.ERR_STOMP_UNKNOWN_SUBSCRIPTION,
            `Unknown subscription id '${id}'`,
          );
        }
        this.release(session, id, receipt);
        return;
      }
      case 'ACK':
      case 'NACK':
        return this.#ack(message, h.type);
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        return this.#transaction(message, h.type);
      default:
        return;
    }
  }

  /** A client subscription ends: the broker subscription goes when it was the last (after a linger). */
  release(session: SharedSession, id: string, receipt: string | undefined): void {
    session.subscriptions.delete(id);
    const unacked = session.acks.takeSubscription(id);
    const released = this.#relay.subscriptions.release(session.id, id);
    if (released?.release === 'unsubscribe') {
      const subscription = released.subscription;
      const index = subscription.connection;
      const requeue = this.#requeues(index, subscription);
      // Counted until the broker confirms the UNSUBSCRIBE: unacknowledged deliveries it keeps.
      if (requeue) this.#relay.closing.set(subscription.id, { connection: index, stuck: unacked.length });
      const sent = this.#relay.sendNow(index, {
        command: 'UNSUBSCRIBE',
        headers: createHeaders({ id: subscription.id }),
        body: EMPTY,
        origin: {
          sessionId: session.id,
          clientReceipt: receipt,
          subscription: requeue ? subscription.id : undefined,
        },
      });
      if (sent || receipt === undefined) return;
    }
    // Nothing for the broker to confirm (shared, lingering, or the connection is away).
    if (receipt !== undefined && this.#relay.sessions.has(session.id))
      this.#relay.receipt(session.id, receipt);
  }

  /**
   * RabbitMQ keeps a cancelled consumer's unacknowledged messages until the channel (here: the
   * shared connection) closes, and refuses a NACK for a subscription that is gone (NACKing
   * before the UNSUBSCRIBE only races with the redelivery). So for RabbitMQ the relay counts
   * them and, once the UNSUBSCRIBE is confirmed, has the connection made again, which puts them
   * back in their queue (see `SharedRelay`). Other brokers (ActiveMQ) redeliver them on
   * UNSUBSCRIBE by themselves: this is RabbitMQ's edge only.
   */
  #requeues(index: number, subscription: BrokerSubscription): boolean {
    const ack = subscription.headers.ack;
    const connection = this.#relay.pool.get(index);
    return (
      (ack === 'client' || ack === 'client-individual') &&
      connection.up &&
      connection.server.startsWith('RabbitMQ')
    );
  }

  #brokerAckHeaders(
    index: number,
    entry: Pick<AckEntry, 'brokerAck' | 'brokerMessageId' | 'subscription'>,
  ): StompHeaders {
    return this.#relay.pool.get(index).version === '1.2' && entry.brokerAck !== undefined
      ? createHeaders({ id: entry.brokerAck })
      : createHeaders({ 'message-id': entry.brokerMessageId, subscription: entry.subscription });
  }

  /** A MESSAGE on a subscription of one client's own: its ack id is the relay's. */
  deliverOwn(
    subscription: BrokerSubscription,
    frame: { headers: StompHeaders; body: Buffer },
    epoch: number,
  ): void {
    const local: LocalSubscriber | undefined = subscription.locals.values().next().value;
    if (local === undefined) return;
    const session = this.#relay.sessions.get(local.sessionId);
    if (session === undefined) return;
    const headers = clientHeaders(frame.headers);
    headers.subscription = local.id;
    if (local.ack !== 'auto') {
      const id = this.#relay.nextId();
      session.acks.add(id, {
        brokerAck: frame.headers.ack,
        brokerMessageId: frame.headers['message-id'],
        subscription: subscription.id,
        clientSubscription: local.id,
        cumulative: local.ack === 'client',
        epoch,
      });
      // One id for both: a 1.2 client ACKs by `ack`, a 1.0/1.1 client by `message-id`.
      headers.ack = id;
      headers['message-id'] = id;
    }
    this.#relay.deliver(
      createMessage(
        {
          type: 'MESSAGE',
          sessionId: local.sessionId,
          subscriptionId: local.id,
          destination: headers.destination,
          nativeHeaders: headers,
          publishedAt: performance.now(),
        },
        frame.body,
      ),
    );
  }

  #connect(message: Message): void {
    const { sessionId, user, heartbeat } = message.headers;
    if (sessionId === undefined) return;
    if (!this.#relay.everUp) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `The message broker is not available (${this.#relay.pool.lastError})`,
      );
    }
    const connection = this.#relay.pool.forKey(sessionId).index;
    this.#relay.sessions.set(
      sessionId,
      new SharedSession(sessionId, connection, this.#relay.maxUnacked, () =>
        this.#relay.count('ackMapOverflow'),
      ),
    );
    this.#relay.deliver(
      createMessage({ type: 'CONNECT_ACK', sessionId, user, heartbeat, nativeHeaders: createHeaders() }),
    );
  }

  #session(message: Message): SharedSession {
    const id = message.headers.sessionId;
    const session = id === undefined ? undefined : this.#relay.sessions.get(id);
    if (session === undefined) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `No relay session for this client; ${message.headers.type} not relayed`,
      );
    }
    return session;
  }

  #send(message: Message): void {
    const h = message.headers;
    const destination = h.destination;
    if (destination === undefined || !this.#relay.relays(destination)) return;
    if (h.originalDestination !== undefined) return this.#deliverToUser(message);
    const headers = createHeaders(h.nativeHeaders);
    headers.destination = destination;
    delete headers.receipt;
    const session = h.sessionId === undefined ? undefined : this.#relay.sessions.get(h.sessionId);
    if (session === undefined) {
      // The application's own publish (template, @SendTo).
      this.#relay.publishSystem(destination, headers, message.payload);
      return;
    }
    const transaction = headers.transaction;
    const receipt = h.nativeHeaders.receipt;
    if (transaction === undefined) {
      this.#relay.send(session.connection, session.id, {
        command: 'SEND',
        headers,
        body: message.payload,
        origin: { sessionId: session.id, clientReceipt: receipt, resend: true },
      });
      return;
    }
    // Inside a transaction the broker confirms nothing before COMMIT: the receipt says "taken".
    headers.transaction = this.#brokerTransaction(session, transaction);
    this.#relay.send(session.connection, session.id, {
      command: 'SEND',
      headers,
      body: message.payload,
      origin: { sessionId: session.id, untracked: true },
    });
    if (receipt !== undefined) this.#relay.receipt(session.id, receipt);
  }

  /**
   * A message for one session's user destination ('/queue/x-user<session>'): delivered here to
   * that session's subscriptions of it, shown as the destination it subscribed to. Other
   * instances get user messages through the cluster's broadcast topic, not a broker queue.
   */
  #deliverToUser(message: Message): void {
    const destination = message.headers.destination!;
    const session = this.#relay.userSession(destination);
    let delivered = false;
    for (const [id, subscription] of session?.userSubscriptions ?? []) {
      if (subscription.destination !== destination) continue;
      const headers = createHeaders(message.headers.nativeHeaders);
      for (const name of NOT_DELIVERED) delete headers[name];
      headers.destination = subscription.original;
      headers.subscription = id;
      headers['message-id'] = this.#relay.nextId();
      this.#relay.deliver(
        createMessage(
          {
            type: 'MESSAGE',
            sessionId: session!.id,
            subscriptionId: id,
            destination: subscription.original,
            nativeHeaders: headers,
            publishedAt: performance.now(),
          },
          message.payload,
        ),
      );
      delivered = true;
    }
    if (!delivered) this.#relay.count('noUserSubscriber');
  }

  #subscribe(message: Message): void {
    const h = message.headers;
    const session = this.#session(message);
    const id = h.subscriptionId ?? h.nativeHeaders.id ?? '';
    const destination = h.destination ?? '';
    const receipt = h.nativeHeaders.receipt;
    if (session.hasSubscription(id)) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_DUPLICATE_SUBSCRIPTION,
        `Subscription id '${id}' is already in use in this session`,
      );
    }
    if (h.originalDestination !== undefined) {
      session.userSubscriptions.set(id, { destination, original: h.originalDestination });
      if (receipt !== undefined) this.#relay.receipt(session.id, receipt);
      return;
    }
    const ack = h.nativeHeaders.ack ?? 'auto';
    if (ack !== 'auto' && ack !== 'client' && ack !== 'client-individual') {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_INVALID_HEADER,
        `Invalid ack mode '${ack}' (auto, client or client-individual)`,
      );
    }
    const local: LocalSubscriber = { sessionId: session.id, id, ack };
    const relay = this.#relay;
    let subscription: BrokerSubscription;
    if (relay.shareable(destination, h.nativeHeaders)) {
      const shared = relay.subscriptions.share(destination, relay.pool.forKey(destination).index, local);
      subscription = shared.subscription;
      if (shared.created) relay.subscribeOnBroker(subscription);
    } else {
      const headers = createHeaders(h.nativeHeaders);
      for (const name of ['id', 'destination', 'receipt']) delete headers[name];
      subscription = relay.subscriptions.own(destination, headers, session.connection, local);
      relay.subscribeOnBroker(subscription);
    }
    session.subscriptions.add(id);
    if (receipt === undefined) return;
    if (subscription.confirmed) relay.receipt(session.id, receipt);
    else subscription.waiting.push({ sessionId: session.id, receipt });
  }

  #ack(message: Message, command: 'ACK' | 'NACK'): void {
    const session = this.#session(message);
    const native = message.headers.nativeHeaders;
    const id = native.id ?? native['message-id'] ?? '';
    const entry = session.acks.take(id);
    if (entry === undefined) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_ACK,
        `${command} of unknown message '${id.slice(0, 100)}'`,
      );
    }
    const connection = this.#relay.pool.get(session.connection);
    const receipt = native.receipt;
    if (entry.epoch !== connection.epoch || !connection.up) {
      // Delivered on a connection that is gone: the broker already put the message back.
      this.#relay.count('staleAck');
      if (receipt !== undefined) this.#relay.receipt(session.id, receipt);
      return;
    }
    const headers = this.#brokerAckHeaders(session.connection, entry);
    if (native.transaction === undefined) {
      this.#relay.sendNow(session.connection, {
        command,
        headers,
        body: EMPTY,
        origin: { sessionId: session.id, clientReceipt: receipt },
      });
      return;
    }
    headers.transaction = this.#brokerTransaction(session, native.transaction);
    this.#relay.sendNow(session.connection, { command, headers, body: EMPTY, origin: { untracked: true } });
    if (receipt !== undefined) this.#relay.receipt(session.id, receipt);
  }

  #transaction(message: Message, command: 'BEGIN' | 'COMMIT' | 'ABORT'): void {
    const session = this.#session(message);
    const native = message.headers.nativeHeaders;
    const id = native.transaction ?? '';
    if (command === 'BEGIN') {
      if (session.transactions.has(id)) {
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_DUPLICATE_TRANSACTION,
          `Transaction '${id.slice(0, 100)}' is already open`,
        );
      }
      session.transactions.set(id, false);
    } else {
      const lost = session.transactions.get(id);
      if (lost === undefined)
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION,
          `Unknown transaction '${id.slice(0, 100)}'`,
        );
      session.transactions.delete(id);
      if (lost) {
        if (command === 'COMMIT') {
          throw new SwitchboardError(
            ErrorCodes.ERR_BROKER_UNAVAILABLE,
            `Transaction '${id.slice(0, 100)}' was lost: the broker connection went away before COMMIT`,
          );
        }
        if (native.receipt !== undefined) this.#relay.receipt(session.id, native.receipt);
        return;
      }
    }
    this.#relay.send(session.connection, session.id, {
      command,
      headers: createHeaders({ transaction: session.brokerTransaction(id) }),
      body: EMPTY,
      origin: { sessionId: session.id, clientReceipt: native.receipt },
    });
  }

  #brokerTransaction(session: SharedSession, id: string): string {
    const lost = session.transactions.get(id);
    if (lost === undefined)
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION,
        `Unknown transaction '${id.slice(0, 100)}'`,
      );
    if (lost) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `Transaction '${id.slice(0, 100)}' was lost: the broker connection went away`,
      );
    }
    return session.brokerTransaction(id);
  }
}
