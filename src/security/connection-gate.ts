import type { IncomingMessage } from 'node:http';

/** Caps on concurrent connections (WebSocket sessions and SockJS sessions alike). */
export interface ConnectionLimits {
  /** Concurrent connections in total. Default 10000. */
  maxConnections?: number;
  /**
   * Concurrent connections from one client address. Default 0 (off): many users share one
   * address behind NAT or a corporate proxy; set it when clients have their own addresses.
   */
  maxConnectionsPerAddress?: number;
  /** Take the client address from `X-Forwarded-For` (behind a reverse proxy you trust). Default false. */
  trustProxy?: boolean;
}

/** Why a connection was refused: HTTP status and a reason naming the limit. */
export interface Refusal {
  readonly status: 429 | 503;
  readonly reason: string;
}

/**
 * Counts live connections in total and per client address, and refuses new ones past the
 * caps: 503 when the server is full, 429 when one address has too many. `acquire` returns a
 * release function (idempotent) that must be called when the connection ends.
 */
export class ConnectionGate {
  readonly #max: number;
  readonly #perAddress: number;
  readonly trustProxy: boolean;
  readonly #byAddress = new Map<string, number>();
  #total = 0;
  #closed = false;
  refused = 0;

  constructor(limits: ConnectionLimits = {}) {
    this.#max = limits.maxConnections ?? 10_000;
    this.#perAddress = limits.maxConnectionsPerAddress ?? 0;
    this.trustProxy = limits.trustProxy ?? false;
  }

  get total(): number {
    return this.#total;
  }

  /** Refuses every new connection from now on (503): the server is draining. */
  close(): void {
    this.#closed = true;
  }

  /** Takes a slot for a connection from `address`: a release function, or the refusal (429/503). */
  acquire(address: string): (() => void) | Refusal {
    const refusal = this.take(address);
    if (refusal !== undefined) return refusal;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.give(address);
    };
  }

  /**
   * Takes a slot for a connection from `address` (undefined) or refuses (429/503). The caller
   * must {@link give} it back exactly once: `acquire` does that for you.
   */
  take(address: string): Refusal | undefined {
    if (this.#closed) return { status: 503, reason: 'Server shutting down' };
    if (this.#max > 0 && this.#total >= this.#max) {
      this.refused++;
      return { status: 503, reason: `Server full: maxConnections (${this.#max}) reached` };
    }
    if (this.#perAddress > 0) {
      const held = this.#byAddress.get(address) ?? 0;
      if (held >= this.#perAddress) {
        this.refused++;
        return {
          status: 429,
          reason: `Too many connections from this address: maxConnectionsPerAddress is ${this.#perAddress}`,
        };
      }
      this.#byAddress.set(address, held + 1);
    }
    this.#total++;
    return undefined;
  }

  /** Gives back a slot taken with {@link take}. */
  give(address: string): void {
    this.#total--;
    // Connections are counted by address only when there is a per-address cap.
    if (this.#perAddress === 0) return;
    const left = (this.#byAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.#byAddress.delete(address);
    else this.#byAddress.set(address, left);
  }
}

/**
 * The client's address: the socket's peer, or with `trustProxy` the first address in
 * `X-Forwarded-For` (the client as the first proxy saw it).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',', 1)[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}
