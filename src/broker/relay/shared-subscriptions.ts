import type { StompHeaders } from '../../stomp/frame.js';
import { createHeaders } from '../../stomp/frame.js';

/** One client subscription the relay serves: the session, its own id, and its ack mode. */
export interface LocalSubscriber {
  readonly sessionId: string;
  /** The client's subscription id (its MESSAGE frames carry it). */
  readonly id: string;
  readonly ack: 'auto' | 'client' | 'client-individual';
}

/** A subscription the relay holds on the broker, for one or many local subscribers. */
export interface BrokerSubscription {
  /** The id the relay gave it on the broker (MESSAGE frames name it in `subscription`). */
  readonly id: string;
  readonly destination: string;
  /** Index of the pool connection it lives on. */
  readonly connection: number;
  /** True when local subscribers share it (reference counted); false: one subscriber's own. */
  readonly shared: boolean;
  /** SUBSCRIBE headers other than `id`, `destination` and `receipt` (what the client asked for). */
  readonly headers: StompHeaders;
  /** Local subscribers, by `${sessionId}\0${id}`. */
  readonly locals: Map<string, LocalSubscriber>;
  /** The broker confirmed it (a RECEIPT) on the connection it lives on now. */
  confirmed: boolean;
  /** Client receipts for SUBSCRIBEs it serves, answered once the broker confirms it. */
  waiting: { sessionId: string; receipt: string }[];
  linger: NodeJS.Timeout | undefined;
}

/** What happened to a broker subscription when a local subscriber left. */
export type Release = 'unsubscribe' | 'linger' | 'kept';

export function localKey(sessionId: string, id: string): string {
  return `${sessionId}\0${id}`;
}

/**
 * The relay's broker subscriptions and who uses them. Shared ones are keyed by destination and
 * reference counted: the first local subscriber creates one, the last one's leaving starts a
 * `linger` timer after which `onLingerEnd` removes it (a subscriber that comes back in time
 * cancels it). Own subscriptions have exactly one local subscriber. Ids are the relay's:
 * `<prefix>s<n>` for shared, `<prefix>o<n>` for own ones.
 */
export class SharedSubscriptions {
  readonly #byId = new Map<string, BrokerSubscription>();
  readonly #sharedByDestination = new Map<string, BrokerSubscription>();
  readonly #byLocal = new Map<string, BrokerSubscription>();
  readonly #linger: number;
  readonly #onLingerEnd: (subscription: BrokerSubscription) => void;
  #counter = 0;

  constructor(linger: number, onLingerEnd: (subscription: BrokerSubscription) => void) {
    this.#linger = linger;
    this.#onLingerEnd = onLingerEnd;
  }

  /** Broker subscriptions now. */
  get size(): number {
    return this.#byId.size;
  }

  /** Local subscribers now. */
  get localCount(): number {
    return this.#byLocal.size;
  }

  get(brokerId: string): BrokerSubscription | undefined {
    return this.#byId.get(brokerId);
  }

  /** The broker subscription serving a client's subscription. */
  ofLocal(sessionId: string, id: string): BrokerSubscription | undefined {
    return this.#byLocal.get(localKey(sessionId, id));
  }

  values(): IterableIterator<BrokerSubscription> {
    return this.#byId.values();
  }

  /**
   * Adds `local` to the shared broker subscription of `destination`, creating it on
   * `connection` when there is none. `created` tells the caller to SUBSCRIBE on the broker.
   */
  share(
    destination: string,
    connection: number,
    local: LocalSubscriber,
  ): { subscription: BrokerSubscription; created: boolean } {
    let subscription = this.#sharedByDestination.get(destination);
    const created = subscription === undefined;
    if (subscription === undefined) {
      subscription = this.#create(`s${++this.#counter}`, destination, connection, true, createHeaders());
      this.#sharedByDestination.set(destination, subscription);
    }
    clearTimeout(subscription.linger);
    subscription.linger = undefined;
    this.#attach(subscription, local);
    return { subscription, created };
  }

  /** A broker subscription of `local`'s own (always created: the caller SUBSCRIBEs). */
  own(
    destination: string,
    headers: StompHeaders,
    connection: number,
    local: LocalSubscriber,
  ): BrokerSubscription {
    const subscription = this.#create(`o${++this.#counter}`, destination, connection, false, headers);
    this.#attach(subscription, local);
    return subscription;
  }

  /** A local subscriber leaves; says whether the broker subscription must go now, lingers, or stays. */
  release(sessionId: string, id: string): { subscription: BrokerSubscription; release: Release } | undefined {
    const key = localKey(sessionId, id);
    const subscription = this.#byLocal.get(key);
    if (subscription === undefined) return undefined;
    this.#byLocal.delete(key);
    subscription.locals.delete(key);
    if (subscription.locals.size > 0) return { subscription, release: 'kept' };
    if (!subscription.shared || this.#linger <= 0) {
      this.remove(subscription);
      return { subscription, release: 'unsubscribe' };
    }
    subscription.linger = setTimeout(() => {
      subscription.linger = undefined;
      if (subscription.locals.size > 0 || this.#byId.get(subscription.id) !== subscription) return;
      this.remove(subscription);
      this.#onLingerEnd(subscription);
    }, this.#linger);
    subscription.linger.unref();
    return { subscription, release: 'linger' };
  }

  /** Forgets a broker subscription and all its local subscribers (returned). */
  remove(subscription: BrokerSubscription): LocalSubscriber[] {
    clearTimeout(subscription.linger);
    subscription.linger = undefined;
    this.#byId.delete(subscription.id);
    if (this.#sharedByDestination.get(subscription.destination) === subscription)
      this.#sharedByDestination.delete(subscription.destination);
    const locals = [...subscription.locals.values()];
    for (const key of subscription.locals.keys()) this.#byLocal.delete(key);
    subscription.locals.clear();
    return locals;
  }

  /** Forgets everything (the relay stops). */
  clear(): void {
    for (const subscription of [...this.#byId.values()]) this.remove(subscription);
  }

  #create(
    id: string,
    destination: string,
    connection: number,
    shared: boolean,
    headers: StompHeaders,
  ): BrokerSubscription {
    const subscription: BrokerSubscription = {
      id,
      destination,
      connection,
      shared,
      headers,
      locals: new Map(),
      confirmed: false,
      waiting: [],
      linger: undefined,
    };
    this.#byId.set(id, subscription);
    return subscription;
  }

  #attach(subscription: BrokerSubscription, local: LocalSubscriber): void {
    const key = localKey(local.sessionId, local.id);
    subscription.locals.set(key, local);
    this.#byLocal.set(key, subscription);
  }
}
