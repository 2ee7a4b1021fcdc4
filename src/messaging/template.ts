import type { MessageChannel } from './channel.js';
import type { MessageHeaders } from './message.js';
import { createHeaders } from '../stomp/frame.js';
import type { MessageConverter } from './converters.js';
import { defaultConverter } from './converters.js';
import type { UserDestinationResolver } from './user-destinations.js';
import { sessionDestination } from './user-destinations.js';

/**
 * Sends messages to broker destinations from anywhere in the application: timers, HTTP
 * routes, handlers (Spring's `SimpMessagingTemplate`).
 */
export class MessagingTemplate {
  readonly #channel: MessageChannel;
  readonly #converter: MessageConverter;
  readonly #users: UserDestinationResolver | undefined;
  readonly #clustered: () => boolean;

  /** `clustered` tells whether other instances share user messages (a relay with the user broadcast). */
  constructor(
    brokerChannel: MessageChannel,
    converter: MessageConverter = defaultConverter,
    users?: UserDestinationResolver,
    clustered: () => boolean = () => false,
  ) {
    this.#channel = brokerChannel;
    this.#converter = converter;
    this.#users = users;
    this.#clustered = clustered;
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
   * Sends to every session of `user`: `destination` is the user-relative form (`/queue/x`),
   * and the user's subscribers to `/user/queue/x` receive it. Resolves to false when the user
   * has no session here; with a relay and the user broadcast (a cluster), to true once the
   * message is handed to the broker, since the user may be on another instance. Rejects when
   * the broker is unavailable.
   */
  async convertAndSendToUser(
    user: string,
    destination: string,
    payload: unknown,
    headers?: Record<string, string>,
  ): Promise<boolean> {
    return this.publishToUser(user, destination, payload, headers);
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
    return this.#send({ type: 'MESSAGE', destination }, payload, headers);
  }

  /** Synchronous form of {@link convertAndSendToUser}. */
  publishToUser(
    user: string,
    destination: string,
    payload: unknown,
    headers?: Record<string, string>,
  ): boolean | Promise<boolean> {
    const users = this.#users;
    if (users === undefined) return false;
    const userDestination = `${users.prefix}${encodeURIComponent(user)}${destination}`;
    // Alone, a user with no session here has nobody to receive; in a cluster another instance may.
    if (!this.#clustered() && (users.resolveSend(userDestination)?.targets.length ?? 0) === 0) return false;
    return this.#send({ type: 'MESSAGE', destination: userDestination }, payload, headers);
  }

  /** Sends to one session's `/user/...` destination (`@SendToUser` with `broadcast: false`). */
  publishToSession(
    sessionId: string,
    destination: string,
    payload: unknown,
    headers?: Record<string, string>,
  ): boolean | Promise<boolean> {
    const prefix = this.#users?.prefix ?? '/user/';
    return this.#send(
      {
        type: 'MESSAGE',
        destination: sessionDestination(destination, sessionId),
        originalDestination: `${prefix.slice(0, -1)}${destination}`,
      },
      payload,
      headers,
    );
  }

  #send(
    headers: Pick<MessageHeaders, 'type' | 'destination' | 'originalDestination'>,
    payload: unknown,
    extra: Record<string, string> | undefined,
  ): boolean | Promise<boolean> {
    const { body, contentType } = this.#converter.toMessage(payload);
    const nativeHeaders = createHeaders(extra);
    nativeHeaders['content-type'] ??= contentType;
    nativeHeaders.destination = headers.destination!;
    // One headers object (createMessage would copy it again).
    const all: MessageHeaders = Object.assign({ nativeHeaders }, headers);
    return this.#channel.send({ headers: all, payload: body });
  }
}
