/**
 * Transactions applied by the server (when the broker does not apply them itself): BEGIN opens
 * a list of frames, SEND/ACK/NACK naming it are held there, COMMIT replays them in order
 * without their transaction and receipt headers, ABORT forgets them.
 */
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { StompFrame } from './frame.js';
import { createHeaders } from './frame.js';
import { requireHeader, writeReceipt } from './client-frames.js';
import type { StompConnection } from './stomp-connection.js';

/** Processes one frame as if the client had sent it (the frame dispatch). */
export type ProcessFrame = (connection: StompConnection, frame: StompFrame) => void | Promise<void>;

/** The server's own transactions, bounded per session. */
export class LocalTransactions {
  readonly #maxTransactions: number;
  readonly #maxTransactionFrames: number;
  readonly #process: ProcessFrame;

  constructor(maxTransactions: number, maxTransactionFrames: number, process: ProcessFrame) {
    this.#maxTransactions = maxTransactions;
    this.#maxTransactionFrames = maxTransactionFrames;
    this.#process = process;
  }

  /** Holds a SEND/ACK/NACK in its open transaction `id` (and answers its receipt now). */
  hold(connection: StompConnection, frame: StompFrame, id: string): void {
    const frames = connection.transactions.get(id);
    if (frames === undefined) {
      throw new StompProtocolError(ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION, `Unknown transaction '${id}'`);
    }
    if (frames.length >= this.#maxTransactionFrames) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION,
        `Transaction '${id}' exceeds maxTransactionFrames (${this.#maxTransactionFrames})`,
      );
    }
    frames.push(frame);
    if (frame.headers.receipt !== undefined) writeReceipt(connection, frame.headers.receipt);
  }

  /** BEGIN, COMMIT or ABORT. */
  handle(connection: StompConnection, frame: StompFrame): void | Promise<void> {
    const id = requireHeader(frame, 'transaction');
    const transactions = connection.transactions;
    const receipt = frame.headers.receipt;
    if (frame.command === 'BEGIN') {
      if (transactions.has(id)) {
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_DUPLICATE_TRANSACTION,
          `Transaction '${id}' is already open`,
        );
      }
      if (transactions.size >= this.#maxTransactions) {
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_DUPLICATE_TRANSACTION,
          `Too many open transactions: maxTransactions is ${this.#maxTransactions}`,
        );
      }
      transactions.set(id, []);
      if (receipt !== undefined) writeReceipt(connection, receipt);
      return;
    }
    const frames = transactions.get(id);
    if (frames === undefined) {
      throw new StompProtocolError(ErrorCodes.ERR_STOMP_UNKNOWN_TRANSACTION, `Unknown transaction '${id}'`);
    }
    transactions.delete(id);
    const done = (): void => {
      if (receipt !== undefined) writeReceipt(connection, receipt);
    };
    if (frame.command === 'ABORT') return done();
    const result = this.#replay(connection, frames.map(withoutTransaction), 0);
    if (result === undefined) return done();
    return result.then(done);
  }

  #replay(connection: StompConnection, frames: StompFrame[], from: number): void | Promise<void> {
    for (let i = from; i < frames.length; i++) {
      const result = this.#process(connection, frames[i]!);
      if (result !== undefined) return result.then(() => this.#replay(connection, frames, i + 1));
    }
  }
}

function withoutTransaction(frame: StompFrame): StompFrame {
  const headers = createHeaders(frame.headers);
  delete headers.transaction;
  delete headers.receipt;
  return { command: frame.command, headers, body: frame.body };
}
