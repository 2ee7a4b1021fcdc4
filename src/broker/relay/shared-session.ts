import { ErrorCodes, StompProtocolError, SwitchboardError } from '../../errors.js';
import { AckMap } from './ack-map.js';

/** A user-destination subscription, served inside the instance (no broker queue). */
export interface UserSubscription {
  /** The session-specific form ('/queue/x-user<session>') messages are addressed to. */
  readonly destination: string;
  /** What the client subscribed to and sees in MESSAGE frames ('/user/queue/x'). */
  readonly original: string;
}

/**
 * What the shared relay keeps per client session: its broker-backed subscription ids, its
 * user-destination subscriptions, its open transactions (namespaced on the broker, and marked
 * lost when the connection that had them went away) and its unacknowledged deliveries.
 */
export class SharedSession {
  readonly id: string;
  /** Pool connection carrying everything this session sends. */
  readonly connection: number;
  /** Client subscription ids backed by a broker subscription. */
  readonly subscriptions = new Set<string>();
  readonly userSubscriptions = new Map<string, UserSubscription>();
  /** Open transactions: client id → lost (the broker connection went away since BEGIN). */
  readonly transactions = new Map<string, boolean>();
  readonly acks: AckMap;

  constructor(id: string, connection: number, maxUnacked: number, onAckOverflow: () => void) {
    this.id = id;
    this.connection = connection;
    this.acks = new AckMap(maxUnacked, onAckOverflow);
  }

  /** The transaction id the broker sees: the client's, prefixed by the session. */
  brokerTransaction(id: string): string {
    return `${this.id}/${id}`;
  }

  /**
   * The broker's id of open transaction `id`, for a frame inside it. Throws when it is not open
   * (checked before the broker sees it) or was lost with its broker connection.
   */
  openTransaction(id: string): string {
    const lost = this.transactions.get(id);
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
    return this.brokerTransaction(id);
  }

  hasSubscription(id: string): boolean {
    return this.subscriptions.has(id) || this.userSubscriptions.has(id);
  }
}
