import type { Principal } from './message.js';

/** One session of a user, with its subscriptions (id → destination as the client sent it). */
export interface UserSession {
  readonly id: string;
  readonly user: Principal;
  readonly subscriptions: ReadonlyMap<string, string>;
}

/** A connected user and their sessions. */
export interface SimpUser {
  readonly name: string;
  readonly sessions: ReadonlyMap<string, UserSession>;
}

/**
 * Who is connected now: users, their sessions and subscriptions (Spring's `SimpUserRegistry`).
 * Fed by the server from CONNECTED, SUBSCRIBE, UNSUBSCRIBE and DISCONNECT.
 */
export class UserRegistry {
  /** Users on other instances (from the cluster's registry broadcast), per instance, until they expire. */
  readonly #remote = new Map<string, { users: Map<string, SimpUser>; expiresAt: number }>();
  readonly #users = new Map<
    string,
    {
      name: string;
      sessions: Map<string, { id: string; user: Principal; subscriptions: Map<string, string> }>;
    }
  >();
  readonly #sessionUser = new Map<string, string>();

  /** The user with this name, if connected here or (with a relay) on another instance. */
  getUser(name: string): SimpUser | undefined {
    const local = this.#users.get(name);
    const remote = this.#liveRemotes();
    if (remote.length === 0) return local;
    let sessions: Map<string, UserSession> | undefined = local ? new Map(local.sessions) : undefined;
    for (const users of remote) {
      const user = users.get(name);
      if (user === undefined) continue;
      sessions ??= new Map();
      for (const [id, session] of user.sessions) sessions.set(id, session);
    }
    return sessions === undefined ? undefined : { name, sessions };
  }

  /** All connected users, here and (with a relay) on other instances. */
  getUsers(): SimpUser[] {
    const remote = this.#liveRemotes();
    if (remote.length === 0) return [...this.#users.values()];
    const names = new Set(this.#users.keys());
    for (const users of remote) for (const name of users.keys()) names.add(name);
    return [...names].map((name) => this.getUser(name)!);
  }

  get userCount(): number {
    return this.#liveRemotes().length === 0 ? this.#users.size : this.getUsers().length;
  }

  /** Users connected to this instance only. */
  getLocalUsers(): SimpUser[] {
    return [...this.#users.values()];
  }

  /** Replaces what another instance reported (its whole registry), valid until `expiresAt` (epoch ms). */
  setRemote(instanceId: string, users: readonly SimpUser[], expiresAt: number): void {
    this.#remote.set(instanceId, { users: new Map(users.map((u) => [u.name, u])), expiresAt });
  }

  /** Forgets another instance (it said goodbye). */
  removeRemote(instanceId: string): void {
    this.#remote.delete(instanceId);
  }

  /** Instances whose registry is known and not expired. */
  get remoteInstances(): number {
    return this.#liveRemotes().length;
  }

  #liveRemotes(): Map<string, SimpUser>[] {
    if (this.#remote.size === 0) return [];
    const now = Date.now();
    const live: Map<string, SimpUser>[] = [];
    for (const [id, entry] of this.#remote) {
      if (entry.expiresAt <= now) this.#remote.delete(id);
      else live.push(entry.users);
    }
    return live;
  }

  /** Subscriptions, across all users, whose destination satisfies `predicate`. */
  findSubscriptions(
    predicate: (destination: string, session: UserSession) => boolean,
  ): { session: UserSession; id: string; destination: string }[] {
    const found: { session: UserSession; id: string; destination: string }[] = [];
    for (const user of this.getUsers()) {
      for (const session of user.sessions.values()) {
        for (const [id, destination] of session.subscriptions) {
          if (predicate(destination, session)) found.push({ session, id, destination });
        }
      }
    }
    return found;
  }

  /** Session ids of a user on this instance (empty when not connected here). */
  sessionIds(name: string): string[] {
    return [...(this.#users.get(name)?.sessions.keys() ?? [])];
  }

  /** The user name a session belongs to. */
  userOf(sessionId: string): string | undefined {
    return this.#sessionUser.get(sessionId);
  }

  /** Records a connected session of `user`. */
  addSession(sessionId: string, user: Principal): void {
    let entry = this.#users.get(user.name);
    if (entry === undefined) this.#users.set(user.name, (entry = { name: user.name, sessions: new Map() }));
    entry.sessions.set(sessionId, { id: sessionId, user, subscriptions: new Map() });
    this.#sessionUser.set(sessionId, user.name);
  }

  /** Records a subscription of a session. */
  addSubscription(sessionId: string, id: string, destination: string): void {
    this.#session(sessionId)?.subscriptions.set(id, destination);
  }

  /** Forgets a subscription of a session. */
  removeSubscription(sessionId: string, id: string): void {
    this.#session(sessionId)?.subscriptions.delete(id);
  }

  /** Forgets a session (and its user when it was the last). */
  removeSession(sessionId: string): void {
    const name = this.#sessionUser.get(sessionId);
    if (name === undefined) return;
    this.#sessionUser.delete(sessionId);
    const entry = this.#users.get(name);
    entry?.sessions.delete(sessionId);
    if (entry?.sessions.size === 0) this.#users.delete(name);
  }

  #session(sessionId: string) {
    const name = this.#sessionUser.get(sessionId);
    return name === undefined ? undefined : this.#users.get(name)?.sessions.get(sessionId);
  }
}

/** A user destination resolved to the broker destinations it stands for. */
export interface ResolvedUserDestination {
  /** Session-specific broker destinations, e.g. '/queue/x-user<sessionId>'. */
  readonly targets: { sessionId: string; destination: string }[];
  /** What clients see in MESSAGE frames: '/user/queue/x'. */
  readonly originalDestination: string;
  /** The user the destination was addressed to (send form), if any. */
  readonly user: string | undefined;
}

/**
 * Translates `/user/...` destinations (Spring's `DefaultUserDestinationResolver`):
 * - subscribe form `/user/queue/x` (from session S) → `/queue/x-userS`;
 * - send form `/user/{name}/queue/x` → `/queue/x-userS` for every session S of `name`
 *   (`%2F` in the name stands for '/'; a name equal to a session id targets that session).
 */
export class UserDestinationResolver {
  readonly prefix: string;
  readonly #registry: UserRegistry;
  readonly #isSession: (id: string) => boolean;

  /** `isSession` tells whether an id is a live session (anonymous ones included). */
  constructor(registry: UserRegistry, prefix = '/user/', isSession: (id: string) => boolean = () => false) {
    this.#registry = registry;
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.#isSession = isSession;
  }

  /** True when `destination` is a user destination (starts with the prefix). */
  matches(destination: string): boolean {
    return destination.startsWith(this.prefix);
  }

  /** `/user/queue/x` subscribed by `sessionId` → its session-specific destination. */
  resolveSubscription(destination: string, sessionId: string): ResolvedUserDestination | undefined {
    if (!this.matches(destination)) return undefined;
    const rest = destination.slice(this.prefix.length - 1); // keeps the leading '/'
    return {
      targets: [{ sessionId, destination: sessionDestination(rest, sessionId) }],
      originalDestination: destination,
      user: undefined,
    };
  }

  /** `/user/{name}/queue/x` → one target per session of `name` (none when `name` is not connected). */
  resolveSend(destination: string): ResolvedUserDestination | undefined {
    if (!this.matches(destination)) return undefined;
    const rest = destination.slice(this.prefix.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    const name = decodeURIComponent(rest.slice(0, slash).replace(/%2F/gi, '%2F'));
    const target = rest.slice(slash);
    const originalDestination = `${this.prefix}${target.slice(1)}`;
    let sessions = this.#registry.sessionIds(name);
    if (sessions.length === 0 && this.#isSession(name)) sessions = [name];
    return {
      targets: sessions.map((sessionId) => ({
        sessionId,
        destination: sessionDestination(target, sessionId),
      })),
      originalDestination,
      user: name,
    };
  }
}

/** '/queue/x' + session → '/queue/x-user<session>' (RabbitMQ-safe: no extra '/'). */
export function sessionDestination(destination: string, sessionId: string): string {
  return `${destination}-user${sessionId}`;
}

const SESSION_SUFFIX = /-user([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The session a session-specific destination ('/queue/x-user<session>') belongs to, if it is one. */
export function sessionOfDestination(destination: string): string | undefined {
  return SESSION_SUFFIX.exec(destination)?.[1];
}
