import type http from 'node:http';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { Refusal } from '../security/connection-gate.js';
import { clientAddress } from '../security/connection-gate.js';
import type { HandshakeOutcome } from '../websocket/handshake.js';
import { runHandshakeInterceptors } from '../websocket/handshake.js';
import type { SockJsServiceOptions } from './options.js';
import type { SockJsSession } from './session.js';

/** A new session let in: the client's address, and how to give its place back. */
export interface Admitted {
  address: string;
  release: () => void;
}

/**
 * Who may open a SockJS session of one prefix, and who may go on using one: maxSessions, the
 * connection gate, the handshake interceptors, and the client-address check. Refusals are
 * logged as incidents (summarised when a client repeats them).
 */
export class SessionAdmission {
  /** New sessions refused for maxSessions. */
  refused = 0;
  readonly #o: SockJsServiceOptions;
  readonly #logger: Logger;

  constructor(options: SockJsServiceOptions, logger: Logger) {
    this.#o = options;
    this.#logger = logger;
  }

  /**
   * A new session may start unless `live` sessions already reach maxSessions or the connection
   * gate refuses (503 when full, 429 for one address with too many). Logged at WARN.
   */
  admit(req: http.IncomingMessage, live: number): Admitted | Refusal {
    const gate = this.#o.gate;
    const address = clientAddress(req, gate?.trustProxy ?? false);
    const max = this.#o.maxSessions ?? 10_000;
    let refusal: Refusal | undefined;
    let release: () => void = () => {};
    if (live >= max) {
      this.refused++;
      refusal = { status: 503, reason: `SockJS sessions full: maxSessions (${max}) reached` };
    } else if (gate !== undefined) {
      const acquired = gate.acquire(address);
      if (typeof acquired === 'function') release = acquired;
      else refusal = acquired;
    }
    if (refusal === undefined) return { address, release };
    logIncident(
      this.#logger,
      'warn',
      'connectionLimit',
      address,
      'SockJS session refused: connection limit',
      {
        reason: refusal.reason,
        address,
      },
    );
    return refusal;
  }

  /** Runs the handshake interceptors on the first request of a session. */
  handshake(req: http.IncomingMessage, address: string): Promise<HandshakeOutcome> {
    return runHandshakeInterceptors(req, this.#o.handshakeInterceptors ?? [], this.#logger, address);
  }

  /**
   * Later requests of an HTTP session must come from the address that opened it (Spring's
   * hijack guard), unless sessionAddressCheck is off.
   */
  sameClient(req: http.IncomingMessage, session: SockJsSession): boolean {
    if (this.#o.sessionAddressCheck === false) return true;
    const same = clientAddress(req, this.#o.gate?.trustProxy ?? false) === session.remoteAddress;
    if (!same)
      logIncident(
        this.#logger,
        'warn',
        'sockjsAddressMismatch',
        session.id,
        'SockJS request for a session from another address refused',
        { sessionId: session.id },
      );
    return same;
  }
}
