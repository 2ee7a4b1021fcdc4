import { ErrorCodes, StompProtocolError, SwitchboardError } from '../../errors.js';
import type { Message } from '../../messaging/message.js';
import { createHeaders } from '../../stomp/frame.js';
import type { SharedRelayContext } from './shared-relay-context.js';
import type { SharedSession } from './shared-session.js';

const EMPTY = Buffer.alloc(0);

/**
 * A client's BEGIN, COMMIT or ABORT in shared mode. Transactions are the broker's, namespaced
 * per session (two sessions may both use `tx1`). COMMIT settles the ACKs made in the
 * transaction, ABORT gives them back (see {@link AckMap}). A transaction whose broker
 * connection went away is lost: its COMMIT is an ERROR, its ABORT is answered at once.
 */
export function relayTransaction(
  relay: SharedRelayContext,
  session: SharedSession,
  message: Message,
  command: 'BEGIN' | 'COMMIT' | 'ABORT',
): void {
  const native = message.headers.nativeHeaders;
  const id = native.transaction ?? '';
  const shown = id.slice(0, 100);
  if (command === 'BEGIN') {
    if (session.transactions.has(id)) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_DUPLICATE_TRANSACTION,
        `Transaction '${shown}' is already open`,
      );
    }
    session.transactions.set(id, false);
  } else {
    const lost = session.transactions.get(id);
    if (lost === undefined)
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION,
        `Unknown transaction '${shown}'`,
      );
    session.transactions.delete(id);
    if (command === 'COMMIT' && !lost) session.acks.commit(id);
    else session.acks.abort(id);
    if (lost) {
      if (command === 'COMMIT') {
        throw new SwitchboardError(
          ErrorCodes.ERR_BROKER_UNAVAILABLE,
          `Transaction '${shown}' was lost: the broker connection went away before COMMIT`,
        );
      }
      if (native.receipt !== undefined) relay.receipt(session.id, native.receipt);
      return;
    }
  }
  relay.send(session.connection, session.id, {
    command,
    headers: createHeaders({ transaction: session.brokerTransaction(id) }),
    body: EMPTY,
    origin: { sessionId: session.id, clientReceipt: native.receipt },
  });
}
