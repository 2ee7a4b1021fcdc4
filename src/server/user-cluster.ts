import { randomUUID } from 'node:crypto';
import type { StompBrokerRelay } from '../broker/relay/broker-relay.js';
import type { Logger } from '../logger.js';
import type { Message } from '../messaging/message.js';
import { createMessage } from '../messaging/message.js';
import type { SimpUser, UserRegistry, UserSession } from '../messaging/user-destinations.js';
import type { StompFrame } from '../stomp/frame.js';
import { createHeaders } from '../stomp/frame.js';
import { reachesInternalTopics } from './internal-topics.js';

/** Options of {@link UserCluster}. */
export interface UserClusterOptions {
  relay: StompBrokerRelay;
  registry: UserRegistry;
  /** Delivers a `/user/{name}/...` message to the sessions of this instance only. */
  deliverLocally: (message: Message) => void | Promise<void>;
  /** Topic carrying user messages between instances; false turns the broadcast off. */
  destinationTopic: string | false;
  /** Topic carrying each instance's user registry; false turns it off. */
  registryTopic: string | false;
  /** How often the registry is broadcast, ms. */
  registryInterval: number;
  logger: Logger;
}

const ORIGIN = 'switchboard-origin';
const USER_DESTINATION = 'switchboard-user-destination';

/** The wire form of one instance's registry: user names, session ids, subscriptions. */
interface RegistrySnapshot {
  instance: string;
  /** The instance is shutting down: forget it now rather than at expiry. */
  leaving?: boolean;
  users: { name: string; sessions: { id: string; subscriptions: [string, string][] }[] }[];
}

/**
 * Makes user destinations work across Switchboard instances that share a broker (Spring's
 * `userDestinationBroadcast` and `userRegistryBroadcast`).
 *
 * - Every message to `/user/{name}/...` is delivered to the user's sessions here and also
 *   published once on the destination topic; each other instance delivers it to its own
 *   sessions of that user. Each instance knows its own sessions exactly, so there is no window
 *   where a just-connected session on another instance is missed (Spring resolves through the
 *   broadcast registry, which lags by up to its interval).
 * - Each instance broadcasts its registry (names, session and subscription ids; never claims
 *   or credentials) every `registryInterval` and shortly after changes, so `server.users` shows
 *   the whole cluster. Entries expire after three intervals without news.
 */
export class UserCluster {
  readonly instanceId = randomUUID();
  readonly #o: UserClusterOptions;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #removeListener: () => void;
  #interval: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;

  constructor(options: UserClusterOptions) {
    this.#o = options;
    this.reservesDestination = reachesInternalTopics(
      [options.destinationTopic, options.registryTopic].filter((t): t is string => t !== false),
    );
    this.#removeListener = options.relay.onAvailabilityChange((available) => {
      if (available) this.#broadcastRegistry();
    });
  }

  /** True when a client destination would reach the topics instances share (never allowed). */
  readonly reservesDestination: (destination: string) => boolean;

  /** Whether user messages are shared with other instances. */
  get broadcasting(): boolean {
    return this.#o.destinationTopic !== false;
  }

  start(): void {
    const { relay, destinationTopic, registryTopic } = this.#o;
    if (destinationTopic !== false)
      this.#unsubscribe.push(relay.subscribeSystem(destinationTopic, (frame) => this.#onUserMessage(frame)));
    if (registryTopic !== false) {
      this.#unsubscribe.push(relay.subscribeSystem(registryTopic, (frame) => this.#onRegistry(frame)));
      this.#interval = setInterval(() => this.#broadcastRegistry(), this.#o.registryInterval);
      this.#interval.unref();
    }
  }

  stop(): void {
    clearInterval(this.#interval);
    clearTimeout(this.#debounce);
    this.#interval = this.#debounce = undefined;
    if (this.#o.registryTopic !== false) this.#broadcastRegistry(true);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#removeListener();
  }

  /** Publishes a `/user/{name}/...` message for the other instances (throws when the broker is down). */
  broadcast(message: Message): void {
    if (this.#o.destinationTopic === false) return;
    const headers = createHeaders(message.headers.nativeHeaders);
    delete headers.destination;
    delete headers.receipt;
    delete headers.transaction;
    headers[USER_DESTINATION] = message.headers.destination!;
    headers[ORIGIN] = this.instanceId;
    this.#o.relay.publishSystem(this.#o.destinationTopic, headers, message.payload);
  }

  /** The local registry changed: broadcast it soon (changes in a burst share one broadcast). */
  registryChanged(): void {
    if (this.#o.registryTopic === false || this.#debounce !== undefined) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#broadcastRegistry();
    }, 100);
    this.#debounce.unref();
  }

  #onUserMessage(frame: StompFrame): void {
    const headers = frame.headers;
    const destination = headers[USER_DESTINATION];
    if (headers[ORIGIN] === this.instanceId || destination === undefined) return;
    const nativeHeaders = createHeaders(headers);
    for (const name of [ORIGIN, USER_DESTINATION, 'subscription', 'message-id', 'ack', 'redelivered'])
      delete nativeHeaders[name];
    nativeHeaders.destination = destination;
    const result = this.#o.deliverLocally(
      createMessage({ type: 'MESSAGE', destination, nativeHeaders }, frame.body),
    );
    if (result !== undefined) {
      result.catch((error: unknown) =>
        this.#o.logger.warn('Delivering a user message from another instance failed', { destination, error }),
      );
    }
  }

  #onRegistry(frame: StompFrame): void {
    let snapshot: RegistrySnapshot;
    try {
      snapshot = JSON.parse(frame.body.toString('utf8')) as RegistrySnapshot;
    } catch {
      this.#o.logger.warn('Ignored a malformed user-registry broadcast');
      return;
    }
    if (typeof snapshot.instance !== 'string' || snapshot.instance === this.instanceId) return;
    if (snapshot.leaving === true || !Array.isArray(snapshot.users)) {
      this.#o.registry.removeRemote(snapshot.instance);
      return;
    }
    const users: SimpUser[] = snapshot.users.map((u) => {
      const user = { name: u.name };
      const sessions = new Map<string, UserSession>(
        u.sessions.map((s) => [s.id, { id: s.id, user, subscriptions: new Map(s.subscriptions) }]),
      );
      return { name: u.name, sessions };
    });
    this.#o.registry.setRemote(snapshot.instance, users, Date.now() + 3 * this.#o.registryInterval);
  }

  #broadcastRegistry(leaving = false): void {
    const topic = this.#o.registryTopic;
    if (topic === false || !this.#o.relay.available) return;
    const snapshot: RegistrySnapshot = {
      instance: this.instanceId,
      leaving: leaving || undefined,
      users: leaving
        ? []
        : this.#o.registry.getLocalUsers().map((u) => ({
            name: u.name,
            sessions: [...u.sessions.values()].map((s) => ({
              id: s.id,
              subscriptions: [...s.subscriptions],
            })),
          })),
    };
    try {
      this.#o.relay.publishSystem(
        topic,
        createHeaders({ 'content-type': 'application/json', [ORIGIN]: this.instanceId }),
        Buffer.from(JSON.stringify(snapshot)),
      );
    } catch (error) {
      this.#o.logger.debug('User-registry broadcast skipped', { error });
    }
  }
}
