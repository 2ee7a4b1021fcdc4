import { performance } from 'node:perf_hooks';
import { ErrorCodes, SwitchboardError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { logIncident } from '../../logging/log-incident.js';
import type { MessageChannel } from '../../messaging/channel.js';
import type { Message, MessageType } from '../../messaging/message.js';
import { createMessage } from '../../messaging/message.js';
import type { StompFrame } from '../../stomp/frame.js';
import { createHeaders, negotiateVersion } from '../../stomp/frame.js';
import type { AckTranslatorOptions } from './ack-translation.js';
import { AckTranslator, needsAckTranslation } from './ack-translation.js';
import type { StompTcpConnectionOptions } from './tcp-connection.js';
import { StompTcpConnection } from './tcp-connection.js';

/** What a {@link RelaySession} needs from its relay. */
export interface RelaySessionContext {
  readonly outbound: MessageChannel;
  readonly logger: Logger;
  /** Called once when the session's broker connection is gone (whatever the cause). */
  readonly onEnd: (session: RelaySession) => void;
  /** Counts frames relayed each way, and broker ack ids forgotten past the bound. */
  readonly count: (what: 'toBroker' | 'fromBroker' | 'ackMapOverflow') => void;
  /** Bounds of the ACK translation for STOMP 1.0/1.1 clients. */
  readonly ackTranslation?: AckTranslatorOptions;
}

/**
 * One client session's own connection to the broker (Spring's per-session relay handler).
 * Client frames go out on it; the broker's MESSAGE, RECEIPT and ERROR frames come back to the
 * client through the outbound channel. When the broker connection ends for any reason other
 * than the client leaving, the client gets an ERROR naming the cause (and is closed).
 */
export class RelaySession {
  readonly sessionId: string;
  readonly #context: RelaySessionContext;
  readonly #connection: StompTcpConnection;
  /** Subscriptions to user destinations: id → the destination the client subscribed to. */
  readonly #userSubscriptions = new Map<string, string>();
  /** Queue arguments added to user-destination frames (e.g. `x-expires`), stripped from deliveries. */
  readonly #userQueueHeaders: Readonly<Record<string, string>>;
  /** Maps a STOMP 1.0/1.1 client's acknowledgements to the broker's (1.2) ack ids; none for 1.2. */
  #acks: AckTranslator | undefined;
  /** Set once the client must hear nothing more from this session. */
  #ended = false;
  #released = false;

  constructor(
    sessionId: string,
    options: StompTcpConnectionOptions,
    userQueueHeaders: Readonly<Record<string, string>>,
    context: RelaySessionContext,
  ) {
    this.sessionId = sessionId;
    this.#context = context;
    this.#userQueueHeaders = userQueueHeaders;
    this.#connection = new StompTcpConnection(options);
  }

  get connected(): boolean {
    return this.#connection.connected;
  }

  /**
   * Connects to the broker; resolves once it answered CONNECTED and the client was told
   * (CONNECT_ACK), rejects with the broker's reason otherwise.
   */
  async connect(connect: Message): Promise<void> {
    const version = negotiateVersion(connect.headers.nativeHeaders['accept-version']) ?? '1.2';
    if (needsAckTranslation(version)) this.#acks = new AckTranslator(version, this.#context.ackTranslation);
    try {
      await this.#connection.connect(this.#fromBroker, this.#lost);
    } catch (error) {
      this.#end();
      throw error instanceof SwitchboardError
        ? error
        : new SwitchboardError(ErrorCodes.ERR_BROKER_UNAVAILABLE, String(error));
    }
    if (this.#ended) return;
    const { sessionId, user, heartbeat } = connect.headers;
    await this.#context.outbound.send(
      createMessage({ type: 'CONNECT_ACK', sessionId, user, heartbeat, nativeHeaders: createHeaders() }),
    );
  }

  /** Sends a client frame (already translated) to the broker. */
  send(type: MessageType, message: Message): void {
    const h = message.headers;
    let headers = createHeaders(h.nativeHeaders);
    let command: StompFrame['command'];
    switch (type) {
      case 'MESSAGE':
        command = 'SEND';
        headers.destination = h.destination!;
        if (h.originalDestination !== undefined) {
          // One copy per target session: the protocol handler answers the client's receipt once.
          delete headers.receipt;
          Object.assign(headers, this.#userQueueHeaders);
        }
        break;
      case 'SUBSCRIBE':
        command = 'SUBSCRIBE';
        headers.destination = h.destination!;
        this.#acks?.subscribed(h.subscriptionId!, headers.ack);
        if (h.originalDestination !== undefined) {
          this.#userSubscriptions.set(h.subscriptionId!, h.originalDestination);
          Object.assign(headers, this.#userQueueHeaders);
        }
        break;
      case 'UNSUBSCRIBE':
        command = 'UNSUBSCRIBE';
        this.#userSubscriptions.delete(h.subscriptionId!);
        this.#acks?.unsubscribed(h.subscriptionId!);
        break;
      case 'ACK':
      case 'NACK':
        command = type;
        if (this.#acks !== undefined) headers = this.#acks.toBroker(type, headers);
        break;
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        command = type;
        break;
      default:
        return;
    }
    if (!this.#connection.send({ command, headers, body: message.payload })) {
      throw new SwitchboardError(
        ErrorCodes.ERR_BROKER_UNAVAILABLE,
        `The broker connection of this session is closed; ${command} not relayed`,
      );
    }
    this.#context.count('toBroker');
    if (type === 'COMMIT') this.#acks?.committed(headers.transaction!);
    else if (type === 'ABORT') this.#acks?.aborted(headers.transaction!);
  }

  /** The client left: DISCONNECT from the broker without telling the client anything. */
  close(): void {
    this.#ended = true;
    this.#connection.close();
    this.#end();
  }

  /** The relay lost the broker: tell the client why and close. */
  fail(reason: string): void {
    if (this.#ended) return;
    this.#error(reason);
    this.#connection.close();
    this.#end();
  }

  readonly #fromBroker = (frame: StompFrame): void => {
    this.#context.count('fromBroker');
    const headers = frame.headers;
    switch (frame.command) {
      case 'MESSAGE': {
        const subscription = headers.subscription;
        const original = subscription === undefined ? undefined : this.#userSubscriptions.get(subscription);
        if (original !== undefined) {
          headers.destination = original;
          for (const name in this.#userQueueHeaders) delete headers[name];
        }
        // RabbitMQ copies the publisher's SEND headers; a receipt request means nothing here.
        delete headers.receipt;
        if (this.#acks !== undefined) this.#delivered(headers);
        this.#toClient('MESSAGE', frame, subscription, headers.destination);
        return;
      }
      case 'RECEIPT':
        this.#toClient('RECEIPT', frame);
        return;
      case 'ERROR':
        logIncident(
          this.#context.logger,
          'warn',
          'relayBrokerError',
          this.sessionId,
          'The broker sent an ERROR; closing the client session',
          { sessionId: this.sessionId, message: headers.message },
        );
        this.#ended = true;
        this.#toClient('ERROR', frame);
        this.#connection.close();
        this.#end();
        return;
      default:
        return;
    }
  };

  #delivered(headers: StompFrame['headers']): void {
    const forgotten = this.#acks!.forgotten;
    this.#acks!.delivered(headers);
    if (this.#acks!.forgotten === forgotten) return;
    this.#context.count('ackMapOverflow');
    // Once per session: the client can cause this at will.
    if (forgotten === 0) {
      this.#context.logger.warn('Too many unacknowledged messages; the oldest ack ids are forgotten', {
        sessionId: this.sessionId,
      });
    }
  }

  readonly #lost = (error: SwitchboardError | undefined): void => {
    if (this.#ended) return;
    // A close before CONNECTED rejects connect(), which reports it; after, the client hears here.
    if (this.#connection.connectedFrame !== undefined) {
      this.#error(`Lost the connection to the message broker: ${error?.message ?? 'closed'}`);
    }
    this.#end();
  };

  #error(reason: string): void {
    this.#ended = true;
    const nativeHeaders = createHeaders({
      message: reason,
      code: ErrorCodes.ERR_BROKER_UNAVAILABLE,
      'content-type': 'text/plain',
    });
    logIncident(this.#context.logger, 'warn', 'relaySessionClosed', this.sessionId, 'Relay session closed', {
      sessionId: this.sessionId,
      reason,
    });
    this.#deliver(
      createMessage({ type: 'ERROR', sessionId: this.sessionId, nativeHeaders }, Buffer.from(reason)),
    );
  }

  #toClient(type: MessageType, frame: StompFrame, subscriptionId?: string, destination?: string): void {
    this.#deliver(
      createMessage(
        {
          type,
          sessionId: this.sessionId,
          subscriptionId,
          destination,
          nativeHeaders: frame.headers,
          publishedAt: type === 'MESSAGE' ? performance.now() : undefined,
        },
        frame.body,
      ),
    );
  }

  #deliver(message: Message): void {
    try {
      const result = this.#context.outbound.send(message);
      if (typeof result !== 'boolean') {
        result.catch((error: unknown) => this.#deliveryFailed(error));
      }
    } catch (error) {
      this.#deliveryFailed(error);
    }
  }

  #deliveryFailed(error: unknown): void {
    logIncident(
      this.#context.logger,
      'warn',
      'deliveryFailed',
      this.sessionId,
      'Delivery to a client failed',
      {
        sessionId: this.sessionId,
        error,
      },
    );
  }

  /** Tells the relay, once, that this session's broker connection is gone. */
  #end(): void {
    this.#ended = true;
    if (this.#released) return;
    this.#released = true;
    this.#context.onEnd(this);
  }
}
