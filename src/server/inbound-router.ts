import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { MessageHandler } from '../messaging/channel.js';
import type { Message } from '../messaging/message.js';
import type { Broker } from '../broker/broker.js';
import type { AnnotationHandler } from '../handlers/annotation-handler.js';

/**
 * Routes client inbound messages: application destinations to the annotation handler, broker
 * destinations and session lifecycle to the broker. A SEND or SUBSCRIBE to a destination that
 * nothing serves is an error the client hears about, rather than a silent drop.
 */
export class InboundRouter implements MessageHandler {
  readonly #broker: Broker;
  readonly #app: AnnotationHandler;
  readonly #appPrefixes: readonly string[];

  constructor(broker: Broker, app: AnnotationHandler, appPrefixes: readonly string[]) {
    this.#broker = broker;
    this.#app = app;
    this.#appPrefixes = appPrefixes;
  }

  handleMessage(message: Message): void | Promise<void> {
    const { type, destination } = message.headers;
    switch (type) {
      case 'MESSAGE':
        if (destination !== undefined && this.#app.matches(destination))
          return this.#app.handleMessage(message);
        return this.#toBroker(message, destination);
      case 'SUBSCRIBE':
        return this.#toBroker(message, destination);
      default:
        return this.#broker.handleMessage(message);
    }
  }

  #toBroker(message: Message, destination: string | undefined): void | Promise<void> {
    if (destination !== undefined && this.#broker.matches(destination))
      return this.#broker.handleMessage(message);
    const served = [...this.#appPrefixes, ...this.#broker.prefixes].join(', ');
    throw new StompProtocolError(
      ErrorCodes.ERR_DESTINATION_NOT_ALLOWED,
      `No handler or broker for destination '${destination ?? ''}' (served prefixes: ${served})`,
    );
  }
}
