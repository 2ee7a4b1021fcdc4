import type { MessageChannel } from './channel.js';
import { createMessage } from './message.js';
import { createHeaders } from '../stomp/frame.js';
import type { MessageConverter } from '../handlers/converters.js';
import { defaultConverter } from '../handlers/converters.js';

/**
 * Sends messages to broker destinations from anywhere in the application: timers, HTTP
 * routes, handlers (Spring's `SimpMessagingTemplate`).
 */
export class MessagingTemplate {
  readonly #channel: MessageChannel;
  readonly #converter: MessageConverter;

  constructor(brokerChannel: MessageChannel, converter: MessageConverter = defaultConverter) {
    this.#channel = brokerChannel;
    this.#converter = converter;
  }

  /**
   * Converts `payload` (string → text/plain, bytes → octet-stream, anything else → JSON) and
   * publishes it to `destination`. Extra STOMP `headers` travel with the message. Resolves to
   * whether the message was sent (false when an interceptor dropped it).
   */
  async convertAndSend(
    destination: string,
    payload: unknown,
    headers?: Record<string, string>,
  ): Promise<boolean> {
    return this.publish(destination, payload, headers);
  }

  /**
   * Like {@link convertAndSend}, but returns the channel's own result: a plain boolean unless
   * an async interceptor is installed. Handlers use it to stay synchronous on the hot path.
   */
  publish(
    destination: string,
    payload: unknown,
    headers?: Record<string, string>,
  ): boolean | Promise<boolean> {
    const { body, contentType } = this.#converter.toMessage(payload);
    const nativeHeaders = createHeaders(headers);
    nativeHeaders['content-type'] ??= contentType;
    nativeHeaders.destination = destination;
    return this.#channel.send(createMessage({ type: 'MESSAGE', destination, nativeHeaders }, body));
  }
}
