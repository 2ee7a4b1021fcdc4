import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { Logger } from '../logger.js';
import { logIncident } from '../logging/log-incident.js';
import type { MessageHandler } from '../messaging/channel.js';
import type { Message } from '../messaging/message.js';
import { withHeaders } from '../messaging/message.js';
import type { UserDestinationResolver, UserRegistry } from '../messaging/user-destinations.js';
import { sessionOfDestination } from '../messaging/user-destinations.js';
import type { Broker } from '../broker/broker.js';
import type { AnnotationHandler } from '../handlers/annotation-handler.js';
import type { SessionEvents } from './session-events.js';

export interface InboundRouterOptions {
  broker: Broker;
  app: AnnotationHandler;
  appPrefixes: readonly string[];
  users: UserDestinationResolver;
  registry: UserRegistry;
  events: SessionEvents;
  logger: Logger;
  /** Shares user messages with other instances (set with a relay). */
  cluster?:
    | {
        readonly broadcasting: boolean;
        broadcast(message: Message): void;
        reservesDestination(destination: string): boolean;
      }
    | undefined;
}

/**
 * Routes client inbound messages: application destinations to the annotation handler, user
 * destinations translated to session-specific broker destinations, broker destinations and
 * session lifecycle to the broker; keeps the user registry and fires session events. A SEND or
 * SUBSCRIBE to a destination nothing serves is an error the client hears about, not a silent drop.
 */
export class InboundRouter implements MessageHandler {
  readonly #o: InboundRouterOptions;
  /** `@SubscribeMapping` subscriptions live here, not in the broker: session id → subscription ids. */
  readonly #appSubscriptions = new Map<string, Set<string>>();
  /** Messages to a user with no session anywhere, dropped (counted in `stats().messagesDropped`). */
  droppedNoSession = 0;

  constructor(options: InboundRouterOptions) {
    this.#o = options;
  }

  handleMessage(message: Message): void | Promise<void> {
    const { type, destination, sessionId, user } = message.headers;
    switch (type) {
      case 'CONNECT':
        if (sessionId !== undefined && user !== undefined) this.#o.registry.addSession(sessionId, user);
        if (this.#o.events.listens('connect'))
          this.#o.events.emit('connect', {
            sessionId: sessionId!,
            user,
            headers: message.headers.nativeHeaders,
          });
        return this.#o.broker.handleMessage(message);
      case 'MESSAGE':
        if (destination !== undefined && this.#o.app.matches(destination))
          return this.#o.app.handleMessage(message);
        if (destination !== undefined && this.#o.users.matches(destination))
          return this.publishToUser(message);
        return this.#toBroker(message, destination);
      case 'SUBSCRIBE':
        return this.#subscribe(message);
      case 'UNSUBSCRIBE': {
        const id = message.headers.subscriptionId!;
        const result = this.#forgetAppSubscription(sessionId!, id)
          ? undefined
          : this.#o.broker.handleMessage(message);
        this.#o.registry.removeSubscription(sessionId!, id);
        if (this.#o.events.listens('unsubscribe'))
          this.#o.events.emit('unsubscribe', { sessionId: sessionId!, user, subscriptionId: id });
        return result;
      }
      case 'DISCONNECT':
        this.#o.registry.removeSession(sessionId!);
        this.#appSubscriptions.delete(sessionId!);
        if (this.#o.events.listens('disconnect'))
          this.#o.events.emit('disconnect', {
            sessionId: sessionId!,
            user,
            closeCode: Number(message.headers.nativeHeaders['close-code'] ?? 1000),
          });
        return this.#o.broker.handleMessage(message);
      default:
        return this.#o.broker.handleMessage(message);
    }
  }

  /**
   * Whether `message` ends up at the broker as the frame the client sent, so a broker that
   * answers receipts (a relay) answers this one. Asked before the message is routed.
   */
  reachesBroker(message: Message): boolean {
    const { type, destination, sessionId, subscriptionId } = message.headers;
    switch (type) {
      case 'MESSAGE':
        return (
          destination !== undefined &&
          !this.#o.app.matches(destination) &&
          !this.#o.users.matches(destination) &&
          this.#o.broker.matches(destination)
        );
      case 'SUBSCRIBE':
        return (
          destination !== undefined &&
          !this.#o.app.matches(destination) &&
          (this.#o.users.matches(destination) || this.#o.broker.matches(destination))
        );
      case 'UNSUBSCRIBE':
        return !(this.#appSubscriptions.get(sessionId!)?.has(subscriptionId!) ?? false);
      case 'ACK':
      case 'NACK':
      case 'BEGIN':
      case 'COMMIT':
      case 'ABORT':
        return true;
      default:
        return false;
    }
  }

  /**
   * A message to `/user/{name}/...`: one copy per session of the user here, and (with a relay)
   * one copy for the other instances. With no session anywhere it is dropped with a WARN naming
   * the user (there is nobody to deliver to).
   */
  publishToUser(message: Message, fromCluster = false): void | Promise<void> {
    const destination = message.headers.destination!;
    const resolved = this.#o.users.resolveSend(destination);
    if (resolved === undefined) {
      throw new StompProtocolError(
        ErrorCodes.ERR_DESTINATION_NOT_ALLOWED,
        `Invalid user destination '${destination}' (expected ${this.#o.users.prefix}{user}/...)`,
      );
    }
    const cluster = fromCluster ? undefined : this.#o.cluster;
    if (cluster?.broadcasting) cluster.broadcast(message);
    else if (resolved.targets.length === 0 && !fromCluster) {
      this.droppedNoSession++;
      logIncident(
        this.#o.logger,
        'warn',
        'noUserSession',
        resolved.user ?? destination,
        'No session for user destination; message dropped',
        {
          destination,
          user: resolved.user,
        },
      );
      return;
    }
    let pending: Promise<void>[] | undefined;
    for (const target of resolved.targets) {
      const result = this.#o.broker.handleMessage(
        withHeaders(message, {
          destination: target.destination,
          originalDestination: resolved.originalDestination,
        }),
      );
      if (result !== undefined) (pending ??= []).push(result);
    }
    if (pending) return Promise.all(pending).then(() => undefined);
  }

  #subscribe(message: Message): void | Promise<void> {
    const { destination, sessionId, user, subscriptionId } = message.headers;
    const emit = (): void => {
      this.#o.registry.addSubscription(sessionId!, subscriptionId!, destination!);
      if (this.#o.events.listens('subscribe'))
        this.#o.events.emit('subscribe', {
          sessionId: sessionId!,
          user,
          subscriptionId: subscriptionId!,
          destination: destination!,
        });
    };
    if (destination !== undefined && this.#o.app.matches(destination)) {
      let ids = this.#appSubscriptions.get(sessionId!);
      if (ids === undefined) this.#appSubscriptions.set(sessionId!, (ids = new Set()));
      ids.add(subscriptionId!);
      emit();
      return this.#o.app.handleMessage(message);
    }
    if (destination !== undefined && this.#o.users.matches(destination)) {
      const resolved = this.#o.users.resolveSubscription(destination, sessionId!)!;
      const result = this.#o.broker.handleMessage(
        withHeaders(message, {
          destination: resolved.targets[0]!.destination,
          originalDestination: destination,
        }),
      );
      emit();
      return result;
    }
    const result = this.#toBroker(message, destination);
    emit();
    return result;
  }

  #toBroker(message: Message, destination: string | undefined): void | Promise<void> {
    if (destination !== undefined && this.#o.broker.matches(destination)) {
      // Another session's user destination is reachable only through /user/...: never directly.
      const owner = sessionOfDestination(destination);
      if (owner !== undefined && owner !== message.headers.sessionId) {
        throw new StompProtocolError(
          ErrorCodes.ERR_ACCESS_DENIED,
          `Access denied: '${destination}' belongs to another session (use ${this.#o.users.prefix}...)`,
        );
      }
      if (this.#o.cluster?.reservesDestination(destination)) {
        throw new StompProtocolError(
          ErrorCodes.ERR_ACCESS_DENIED,
          `Access denied: '${destination}' reaches the topics Switchboard instances use among themselves`,
        );
      }
      return this.#o.broker.handleMessage(message);
    }
    const served = [...this.#o.appPrefixes, this.#o.users.prefix, ...this.#o.broker.prefixes].join(', ');
    throw new StompProtocolError(
      ErrorCodes.ERR_DESTINATION_NOT_ALLOWED,
      `No handler or broker for destination '${destination ?? ''}' (served prefixes: ${served})`,
    );
  }

  /** Removes an app subscription; false when the session has none of that id. */
  #forgetAppSubscription(sessionId: string, id: string): boolean {
    const ids = this.#appSubscriptions.get(sessionId);
    if (ids === undefined || !ids.delete(id)) return false;
    if (ids.size === 0) this.#appSubscriptions.delete(sessionId);
    return true;
  }
}
