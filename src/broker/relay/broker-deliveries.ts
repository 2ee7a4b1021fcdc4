import { performance } from 'node:perf_hooks';
import type { Message } from '../../messaging/message.js';
import { createMessage } from '../../messaging/message.js';
import type { StompFrame, StompHeaders } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';
import type { PooledConnection } from './pooled-connection.js';
import type { SharedAcks } from './shared-acks.js';
import type { SharedRelayContext } from './shared-relay-context.js';
import type { BrokerSubscription, LocalSubscriber } from './shared-subscriptions.js';

/** Broker headers a client must not see as they are (the relay sets its own). */
const RELAY_HEADERS = ['subscription', 'ack', 'receipt', 'content-length'];

/** A broker MESSAGE's headers as a client sees them (before its own `subscription`). */
export function clientHeaders(headers: StompHeaders): StompHeaders {
  const copy = createHeaders(headers);
  for (const name of RELAY_HEADERS) delete copy[name];
  return copy;
}

/**
 * Broker MESSAGEs on their way to clients. A MESSAGE is matched to its local subscribers by the
 * broker's `subscription` id (brokers rewrite `destination`): a system subscription's handler,
 * every subscriber of a shared subscription (one encode per distinct client subscription id),
 * or the one subscriber of an own subscription, with an ack id of the relay's.
 */
export class BrokerDeliveries {
  readonly #relay: SharedRelayContext;
  readonly #acks: SharedAcks;

  constructor(relay: SharedRelayContext, acks: SharedAcks) {
    this.#relay = relay;
    this.#acks = acks;
  }

  route(connection: PooledConnection, frame: StompFrame): void {
    const relay = this.#relay;
    relay.counters.fromBroker++;
    const id = frame.headers.subscription;
    if (id === undefined) return;
    const system = relay.system.get(id);
    if (system !== undefined) {
      try {
        system.onMessage(frame);
      } catch (error) {
        relay.context.logger.warn('A system subscription handler failed', {
          destination: system.destination,
          error,
        });
      }
      return;
    }
    const subscription = relay.subscriptions.get(id);
    if (subscription === undefined || subscription.connection !== connection.index) {
      this.#acks.stray(id, connection.index);
      return;
    }
    if (subscription.shared) this.#fanOut(subscription, frame);
    else this.#deliverOwn(subscription, frame, connection.epoch);
  }

  /**
   * One broker MESSAGE to every local subscriber of a shared subscription, through the
   * encode-once path: deliveries with the same client subscription id share one headers object
   * and the `deliveryCache`, so the frame is encoded once per distinct id (and client version),
   * not per client.
   */
  #fanOut(subscription: BrokerSubscription, frame: StompFrame): void {
    if (subscription.locals.size === 0) return;
    const base = clientHeaders(frame.headers);
    const publishedAt = performance.now();
    const cache = new Map<unknown, unknown>();
    const destination = base.destination;
    let lastId: string | undefined;
    let lastHeaders: StompHeaders | undefined;
    let byId: Map<string, StompHeaders> | undefined;
    for (const local of subscription.locals.values()) {
      let headers: StompHeaders | undefined;
      if (local.id === lastId) headers = lastHeaders;
      else {
        headers = byId?.get(local.id);
        if (headers === undefined) {
          headers = createHeaders(base);
          headers.subscription = local.id;
          (byId ??= new Map()).set(local.id, headers);
        }
        lastId = local.id;
        lastHeaders = headers;
      }
      const message: Message = {
        headers: {
          type: 'MESSAGE',
          sessionId: local.sessionId,
          subscriptionId: local.id,
          destination,
          nativeHeaders: headers!,
          deliveryCache: cache,
          publishedAt,
        },
        payload: frame.body,
      };
      this.#relay.deliver(message);
    }
  }

  /**
   * A MESSAGE on a subscription of one client's own. In client ack modes its ack id is the
   * relay's, one id for `ack` and `message-id`: a 1.2 client acknowledges by `ack`, a 1.0/1.1
   * client by `message-id` (the encoder shows each version only its own header).
   */
  #deliverOwn(subscription: BrokerSubscription, frame: StompFrame, epoch: number): void {
    const relay = this.#relay;
    const local: LocalSubscriber | undefined = subscription.locals.values().next().value;
    if (local === undefined) return;
    const session = relay.sessions.get(local.sessionId);
    if (session === undefined) return;
    const headers = clientHeaders(frame.headers);
    headers.subscription = local.id;
    if (local.ack !== 'auto') {
      const id = relay.nextId();
      session.acks.add(id, {
        brokerAck: frame.headers.ack,
        brokerMessageId: frame.headers['message-id'],
        subscription: subscription.id,
        clientSubscription: local.id,
        cumulative: local.ack === 'client',
        epoch,
      });
      headers.ack = id;
      headers['message-id'] = id;
    }
    relay.deliver(
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
}
