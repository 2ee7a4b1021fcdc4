/**
 * Frame dispatch: each client frame, once decoded and in order, checked and turned into a
 * message on the inbound channel (or held in a transaction); receipts answered unless the
 * broker answers them.
 */
import type { MessageChannel } from '../messaging/channel.js';
import type { Message, MessageType } from '../messaging/message.js';
import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CloseCodes } from '../websocket/handler.js';
import type { StompFrame } from './frame.js';
import { createHeaders } from './frame.js';
import { closeConnection, requireHeader, sessionMessage, writeReceipt } from './client-frames.js';
import { acceptConnect } from './connect-negotiation.js';
import type { StompProtocolStats } from './protocol-stats.js';
import type { StompConnection } from './stomp-connection.js';
import { LocalTransactions } from './transactions.js';

/** What the dispatch needs of the protocol handler. */
export interface FrameDispatchOptions {
  inbound: MessageChannel;
  maxSubscriptionsPerSession: number;
  brokerHandlesReceipt: (message: Message) => boolean;
  brokerHandlesTransactions: boolean;
  maxTransactions: number;
  maxTransactionFrames: number;
  stats: StompProtocolStats;
  logger: Logger;
}

/** Dispatches client frames by command (see {@link FrameDispatch.process}). */
export class FrameDispatch {
  readonly #inbound: MessageChannel;
  readonly #maxSubscriptions: number;
  readonly #brokerHandlesReceipt: (message: Message) => boolean;
  readonly #brokerHandlesTransactions: boolean;
  readonly #transactions: LocalTransactions;
  readonly #stats: StompProtocolStats;
  readonly #logger: Logger;

  constructor(options: FrameDispatchOptions) {
    this.#inbound = options.inbound;
    this.#maxSubscriptions = options.maxSubscriptionsPerSession;
    this.#brokerHandlesReceipt = options.brokerHandlesReceipt;
    this.#brokerHandlesTransactions = options.brokerHandlesTransactions;
    this.#transactions = new LocalTransactions(
      options.maxTransactions,
      options.maxTransactionFrames,
      this.process,
    );
    this.#stats = options.stats;
    this.#logger = options.logger;
  }

  /** One client frame; throws a {@link StompProtocolError} for a frame the session must die of. */
  readonly process = (connection: StompConnection, frame: StompFrame): void | Promise<void> => {
    const command = frame.command;
    if (command === 'CONNECT' || command === 'STOMP') {
      const message = acceptConnect(connection, frame);
      this.#stats.connect++;
      return this.#send(connection, message, undefined);
    }
    if (connection.state === 'new') {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_NOT_CONNECTED,
        `${command} frame received before CONNECT`,
      );
    }
    switch (command) {
      case 'SEND': {
        requireHeader(frame, 'destination');
        const transaction = frame.headers.transaction;
        if (transaction !== undefined && !this.#brokerHandlesTransactions)
          return this.#transactions.hold(connection, frame, transaction);
        return this.#forward(connection, frame, 'MESSAGE');
      }
      case 'SUBSCRIBE': {
        requireHeader(frame, 'destination');
        const id = requireHeader(frame, 'id');
        const subscriptions = connection.subscriptions;
        if (!subscriptions.has(id) && subscriptions.size >= this.#maxSubscriptions) {
          throw new StompProtocolError(
            ErrorCodes.ERR_LIMIT_SUBSCRIPTIONS,
            `Too many subscriptions: maxSubscriptionsPerSession is ${this.#maxSubscriptions}`,
          );
        }
        subscriptions.set(id, frame.headers.destination!);
        return this.#forward(connection, frame, 'SUBSCRIBE');
      }
      case 'UNSUBSCRIBE':
        connection.subscriptions.delete(requireHeader(frame, 'id'));
        return this.#forward(connection, frame, 'UNSUBSCRIBE');
      case 'ACK':
      case 'NACK': {
        // Refused here, for every broker: 1.0 has no NACK, and a 1.0 client must not get a
        // requeue from one broker and an ERROR from another.
        if (command === 'NACK' && connection.version === '1.0') {
          throw new StompProtocolError(
            ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND,
            'NACK is not part of STOMP 1.0; connect with STOMP 1.1 or 1.2 to use it',
          );
        }
        if (connection.version === '1.2') requireHeader(frame, 'id');
        else if (frame.headers.id === undefined) requireHeader(frame, 'message-id');
        const transaction = frame.headers.transaction;
        if (transaction !== undefined && !this.#brokerHandlesTransactions)
          return this.#transactions.hold(connection, frame, transaction);
        return this.#forward(connection, frame, command);
      }
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        if (!this.#brokerHandlesTransactions) return this.#transactions.handle(connection, frame);
        requireHeader(frame, 'transaction');
        return this.#forward(connection, frame, command);
      case 'DISCONNECT':
        return this.#disconnect(connection, frame);
      default:
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND,
          `Unexpected ${command} frame from a client`,
        );
    }
  };

  /** Tells the broker the session is gone (once), whatever ended it. */
  sendDisconnect(connection: StompConnection, code: number): void {
    if (connection.disconnected) return;
    connection.disconnected = true;
    this.#stats.disconnect++;
    const message = sessionMessage(connection, 'DISCONNECT', {
      nativeHeaders: createHeaders({ 'close-code': String(code) }),
    });
    try {
      const result = this.#inbound.send(message);
      if (typeof result !== 'boolean') {
        result.catch((error: unknown) => this.#logger.warn('DISCONNECT handling failed', { error }));
      }
    } catch (error) {
      this.#logger.warn('DISCONNECT handling failed', { sessionId: connection.id, error });
    }
  }

  /** Turns a frame into a message of `type` and sends it to the inbound channel. */
  #forward(connection: StompConnection, frame: StompFrame, type: MessageType): void | Promise<void> {
    const headers = frame.headers;
    const message = sessionMessage(
      connection,
      type,
      {
        destination: headers.destination,
        subscriptionId: type === 'SUBSCRIBE' || type === 'UNSUBSCRIBE' ? headers.id : undefined,
        nativeHeaders: headers,
      },
      frame.body,
    );
    return this.#send(connection, message, headers.receipt);
  }

  /** Sends to the inbound channel, then answers the receipt unless the broker will. */
  #send(connection: StompConnection, message: Message, receipt: string | undefined): void | Promise<void> {
    // Asked before routing: routing may change what the answer depends on (an UNSUBSCRIBE).
    const ownReceipt = receipt !== undefined && !this.#brokerHandlesReceipt(message);
    const result = this.#inbound.send(message);
    if (typeof result === 'boolean') {
      if (result && ownReceipt) writeReceipt(connection, receipt);
      return;
    }
    return result.then((sent) => {
      if (sent && ownReceipt) writeReceipt(connection, receipt);
    });
  }

  #disconnect(connection: StompConnection, frame: StompFrame): void {
    this.sendDisconnect(connection, CloseCodes.NORMAL);
    const receipt = frame.headers.receipt;
    if (receipt !== undefined) writeReceipt(connection, receipt);
    closeConnection(connection, CloseCodes.NORMAL, '');
  }
}
