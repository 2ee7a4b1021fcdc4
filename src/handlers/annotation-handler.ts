import { ErrorCodes, SwitchboardError } from '../errors.js';
import type { MessageChannel } from '../messaging/channel.js';
import type { MessageConverter } from '../messaging/converters.js';
import { PayloadConversionError, defaultConverter } from '../messaging/converters.js';
import type { Message } from '../messaging/message.js';
import type { MessagingTemplate } from '../messaging/template.js';
import { createHeaders } from '../stomp/frame.js';
import type { HandlerRegistry, HandlerRoute } from './handler-registry.js';
import type { HandlerKind, MappingOptions } from './mapping-options.js';
import type { MessageContext } from './message-context.js';
import { validatePayload } from './payload-validation.js';

/** Options of {@link AnnotationHandler}. */
export interface AnnotationHandlerOptions {
  registry: HandlerRegistry;
  template: MessagingTemplate;
  /** Where `@SubscribeMapping` replies go (the client outbound channel). */
  outbound: MessageChannel;
  /** Application destination prefixes, normalised to end with the separator (e.g. '/app/'). */
  prefixes: readonly string[];
  converter?: MessageConverter;
}

let replyCounter = 0;

/** Maps for messages that carry no session attributes (not from a session): one per context. */
const noSessionAttributes = new WeakMap<object, Map<string, unknown>>();

/** One getter for every context (`this` is the context): no closure per message. */
function sessionAttributesOf(this: { message: Message }): Map<string, unknown> {
  const attributes = this.message.headers.sessionAttributes;
  if (attributes !== undefined) return attributes;
  let own = noSessionAttributes.get(this);
  if (own === undefined) noSessionAttributes.set(this, (own = new Map<string, unknown>()));
  return own;
}

const SESSION_ATTRIBUTES: PropertyDescriptor = {
  get: sessionAttributesOf,
  enumerable: true,
  configurable: true,
};

/**
 * Handles application destinations: SENDs (`map` / `@MessageMapping`) and SUBSCRIBEs
 * (`subscribe` / `@SubscribeMapping`). Strips the prefix, finds the handler, converts and
 * validates the payload, calls the handler with a {@link MessageContext}, and routes the return
 * value: `sendToUser`, else `sendTo`, else `/topic` + the destination (SEND) or straight back to
 * the subscriber (SUBSCRIBE). Errors go to the closest `@MessageExceptionHandler`; unhandled
 * ones propagate and become an ERROR frame. Returns a promise only for async work, which the
 * protocol handler waits for to keep the session's order.
 */
export class AnnotationHandler {
  readonly #registry: HandlerRegistry;
  readonly #template: MessagingTemplate;
  readonly #outbound: MessageChannel;
  readonly #prefixes: readonly string[];
  readonly #converter: MessageConverter;

  constructor(options: AnnotationHandlerOptions) {
    this.#registry = options.registry;
    this.#template = options.template;
    this.#outbound = options.outbound;
    this.#prefixes = options.prefixes;
    this.#converter = options.converter ?? defaultConverter;
  }

  /** True when `destination` is an application destination. */
  matches(destination: string): boolean {
    return this.#prefixes.some((prefix) => destination.startsWith(prefix));
  }

  /** Handles a SEND (type MESSAGE) or SUBSCRIBE to an application destination. */
  handleMessage(message: Message): void | Promise<void> {
    const kind: HandlerKind = message.headers.type === 'SUBSCRIBE' ? 'subscribe' : 'message';
    const destination = message.headers.destination!;
    const prefix = this.#prefixes.find((p) => destination.startsWith(p))!;
    // Keep the leading separator, as Spring does: '/app/chat.1' → '/chat.1'.
    const lookup = destination.slice(prefix.length - 1);
    const found = this.#registry.lookup(kind, lookup);
    if (found === undefined) {
      throw new SwitchboardError(
        ErrorCodes.ERR_NO_HANDLER,
        `No ${kind === 'subscribe' ? 'subscribe ' : ''}handler for destination '${destination}'`,
      );
    }
    const { route, params } = found;
    const context = {
      payload: undefined as unknown,
      params,
      headers: message.headers.nativeHeaders,
      destination,
      lookupDestination: lookup,
      user: message.headers.user,
      sessionId: message.headers.sessionId,
      message,
    };
    // Read from the message when a handler asks: a session makes its attributes map only then.
    Object.defineProperty(context, 'sessionAttributes', SESSION_ATTRIBUTES);
    const handlerContext = context as typeof context & Pick<MessageContext, 'sessionAttributes'>;
    try {
      const payload = this.#payload(message, route, destination);
      if (isPromise(payload)) {
        return payload.then(
          (value) => {
            context.payload = value;
            return this.#invoke(route, handlerContext);
          },
          (error: unknown) => this.#handleError(error, route, handlerContext),
        );
      }
      context.payload = payload;
      return this.#invoke(route, handlerContext);
    } catch (error) {
      return this.#handleError(error, route, handlerContext);
    }
  }

  #payload(message: Message, route: HandlerRoute, destination: string): unknown {
    let value: unknown;
    try {
      value = this.#converter.fromMessage(message.payload, message.headers.nativeHeaders['content-type']);
    } catch (error) {
      const reason = error instanceof PayloadConversionError ? error.message : String(error);
      throw new SwitchboardError(
        ErrorCodes.ERR_MESSAGE_REJECTED,
        `Invalid payload for '${destination}': ${reason}`,
        {
          cause: error,
        },
      );
    }
    return route.options.payload ? validatePayload(route.options.payload, value, destination) : value;
  }

  #invoke(route: HandlerRoute, context: MessageContext): void | Promise<void> {
    let result: unknown;
    try {
      result = (route.handler as (ctx: MessageContext) => unknown)(context);
    } catch (error) {
      return this.#handleError(error, route, context);
    }
    if (isPromise(result)) {
      return result.then(
        (value) => this.#reply(route.kind, route.options, context, value),
        (error: unknown) => this.#handleError(error, route, context),
      );
    }
    return this.#reply(route.kind, route.options, context, result);
  }

  #handleError(error: unknown, route: HandlerRoute, context: MessageContext): void | Promise<void> {
    const handler = this.#registry.findExceptionHandler(error, route);
    if (handler === undefined) throw error;
    const result = handler.handler(error, context);
    // An exception handler replies like its mapping would, unless it names its own destinations.
    const options = handler.options.sendTo || handler.options.sendToUser ? handler.options : route.options;
    if (isPromise(result)) return result.then((value) => this.#reply(route.kind, options, context, value));
    return this.#reply(route.kind, options, context, result);
  }

  #reply(
    kind: HandlerKind,
    options: MappingOptions,
    context: MessageContext,
    value: unknown,
  ): void | Promise<void> {
    if (value === undefined) return;
    const pending: Promise<boolean>[] = [];
    const collect = (sent: boolean | Promise<boolean>): void => {
      if (typeof sent !== 'boolean') pending.push(sent);
    };
    if (options.sendToUser) {
      const { destinations, broadcast = true } = options.sendToUser;
      const list =
        destinations === undefined || destinations.length === 0
          ? [`/queue${context.lookupDestination}`]
          : toArray(destinations);
      const name = context.user?.name;
      for (const destination of list) {
        const target = expand(destination, context.params);
        if (name !== undefined && broadcast) {
          collect(this.#template.publishToUser(name, target, value));
        } else if (context.sessionId !== undefined) {
          collect(this.#template.publishToSession(context.sessionId, target, value));
        }
      }
    } else if (options.sendTo) {
      for (const destination of toArray(options.sendTo))
        collect(this.#template.publish(expand(destination, context.params), value));
    } else if (kind === 'subscribe') {
      collect(this.#replyToSubscriber(context, value));
    } else {
      collect(this.#template.publish(`/topic${context.lookupDestination}`, value));
    }
    if (pending.length > 0) return Promise.all(pending).then(() => undefined);
  }

  /** `@SubscribeMapping` reply: one MESSAGE to the subscribing session, with its subscription id. */
  #replyToSubscriber(context: MessageContext, value: unknown): boolean | Promise<boolean> {
    const { body, contentType } = this.#converter.toMessage(value);
    const subscription = context.headers.id;
    const nativeHeaders = createHeaders({
      destination: context.destination,
      subscription,
      'message-id': `reply-${++replyCounter}`,
      'content-type': contentType,
    });
    return this.#outbound.send({
      headers: {
        type: 'MESSAGE',
        sessionId: context.sessionId,
        subscriptionId: subscription,
        destination: context.destination,
        nativeHeaders,
      },
      payload: body,
    });
  }
}

function toArray(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

function expand(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}
