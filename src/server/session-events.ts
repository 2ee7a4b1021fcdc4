import type { Logger } from '../logger.js';
import type { Principal } from '../messaging/message.js';
import type { StompHeaders } from '../stomp/frame.js';

/** Session lifecycle events and their payloads (Spring's `Session*Event`s). */
export interface SessionEventMap {
  /** A CONNECT passed the inbound interceptors. */
  connect: { sessionId: string; user: Principal | undefined; headers: StompHeaders };
  /** CONNECTED was sent: the session is established. */
  connected: { sessionId: string; user: Principal | undefined };
  subscribe: { sessionId: string; user: Principal | undefined; subscriptionId: string; destination: string };
  unsubscribe: { sessionId: string; user: Principal | undefined; subscriptionId: string };
  /** The session ended (client DISCONNECT or connection closed); fires once per session. */
  disconnect: { sessionId: string; user: Principal | undefined; closeCode: number };
  /** The broker became available or unavailable. */
  brokerAvailability: { available: boolean; reason?: string | undefined };
}

/** A listener of one session event (`server.on(event, listener)`). */
export type SessionEventListener<K extends keyof SessionEventMap> = (event: SessionEventMap[K]) => void;

/** Typed listeners; a throwing listener is logged and never disturbs the session. */
export class SessionEvents {
  readonly #listeners = new Map<keyof SessionEventMap, Set<(event: never) => void>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof SessionEventMap>(event: K, listener: SessionEventListener<K>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    const added = set;
    added.add(listener);
    return () => void added.delete(listener);
  }

  /** Whether anyone listens for `event`: a caller need not build a payload for nobody. */
  listens(event: keyof SessionEventMap): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof SessionEventMap>(event: K, payload: SessionEventMap[K]): void {
    const set = this.#listeners.get(event) as Set<SessionEventListener<K>> | undefined;
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (error) {
        this.#logger.warn(`A '${event}' event listener failed`, { error });
      }
    }
  }
}
