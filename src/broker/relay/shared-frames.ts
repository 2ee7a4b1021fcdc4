import { performance } from 'node:perf_hooks';
import { ErrorCodes, StompProtocolError, SwitchboardError } from '../../errors.js';
import type { Message } from '../../messaging/message.js';
import { createMessage } from '../../messaging/message.js';
import { createHeaders } from '../../stomp/frame.js';
import type { SharedAcks } from './shared-acks.js';
import type { SharedRelayContext } from './shared-relay-context.js';
import { SharedSession } from './shared-session.js';
import type { BrokerSubscription, LocalSubscriber } from './shared-subscriptions.js';
import { relayTransaction } from './shared-transactions.js';

/** Headers a publisher sets that never travel to a user destination's subscriber. */
const NOT_DELIVERED = ['receipt', 'transaction', 'content-length', 'subscription', 'message-id', 'ack', 'id'];

/**
 * Shared mode, client side: turns each client's frames into frames on the shared connections
 * (relay subscription ids, session-prefixed transaction ids, broker ack ids, relay receipts)
 * and serves user destinations inside the instance. Everything a session sends goes on the one
 * pool connection its id maps to, so it reaches the broker in order.
 */
export class SharedFrames {
  readonly #relay: SharedRelayContext;
  readonly #acks: SharedAcks;

  constructor(relay: SharedRelayContext, acks: SharedAcks) {
    this.#relay = relay;
    this.#acks = acks;
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
        return this.#acks.settle(this.#session(message), message, h.type);
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        return relayTransaction(this.#relay, this.#session(message), message, h.type);
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
      const sent = this.#acks.unsubscribe(session, released.subscription, unacked, receipt);
      if (sent || receipt === undefined) return;
    }
    // Nothing for the broker to confirm (shared, lingering, or the connection is away).
    if (receipt !== undefined) this.#relay.receipt(session.id, receipt);
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
    headers.transaction = session.openTransaction(transaction);
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
      // `client` is kept by the relay (see SharedAcks): the broker acknowledges one by one.
      if (ack !== 'auto') headers.ack = 'client-individual';
      subscription = relay.subscriptions.own(destination, headers, session.connection, local);
      relay.subscribeOnBroker(subscription);
    }
    session.subscriptions.add(id);
    if (receipt === undefined) return;
    if (subscription.confirmed) relay.receipt(session.id, receipt);
    else subscription.waiting.push({ sessionId: session.id, receipt });
  }
}
