import { ErrorCodes, SwitchboardError } from '../errors.js';
import type { MessageHandler } from '../messaging/channel.js';
import type { Message } from '../messaging/message.js';
import type { MessagingTemplate } from '../messaging/template.js';
import type { MessageConverter } from './converters.js';
import { PayloadConversionError, defaultConverter } from './converters.js';
import type { HandlerRegistry, HandlerRoute } from './handler-registry.js';
import type { MessageContext } from './message-context.js';

/** Options of {@link AnnotationHandler}. */
export interface AnnotationHandlerOptions {
  registry: HandlerRegistry;
  template: MessagingTemplate;
  /** Application destination prefixes, normalised to end with the separator (e.g. '/app/'). */
  prefixes: readonly string[];
  /** Prefix of the default reply destination. Default '/topic'. */
  defaultReplyPrefix?: string;
  converter?: MessageConverter;
}

/**
 * Handles SENDs to application destinations: strips the prefix, finds the handler, converts
 * the payload, calls the handler with a {@link MessageContext}, and publishes the return value
 * (to `sendTo`, or `/topic` + the lookup destination). Returns a promise only for async handlers,
 * which the protocol handler waits for to keep the session's order.
 */
export class AnnotationHandler implements MessageHandler {
  readonly #registry: HandlerRegistry;
  readonly #template: MessagingTemplate;
  readonly #prefixes: readonly string[];
  readonly #replyPrefix: string;
  readonly #converter: MessageConverter;

  constructor(options: AnnotationHandlerOptions) {
    this.#registry = options.registry;
    this.#template = options.template;
    this.#prefixes = options.prefixes;
    this.#replyPrefix = options.defaultReplyPrefix ?? '/topic';
    this.#converter = options.converter ?? defaultConverter;
  }

  /** True when `destination` is an application destination. */
  matches(destination: string): boolean {
    return this.#prefixes.some((prefix) => destination.startsWith(prefix));
  }

  handleMessage(message: Message): void | Promise<void> {
    const destination = message.headers.destination;
    if (message.headers.type !== 'MESSAGE' || destination === undefined) return;
    const prefix = this.#prefixes.find((p) => destination.startsWith(p));
    if (prefix === undefined) return;
    // Keep the leading separator, as Spring does: '/app/chat.1' → '/chat.1'.
    const lookup = destination.slice(prefix.length - 1);
    const found = this.#registry.lookup(lookup);
    if (found === undefined) {
      throw new SwitchboardError(ErrorCodes.ERR_NO_HANDLER, `No handler for destination '${destination}'`);
    }
    const { route, params } = found;
    let payload: unknown;
    try {
      payload = this.#converter.fromMessage(message.payload, message.headers.nativeHeaders['content-type']);
      if (route.options.payload) payload = route.options.payload(payload);
    } catch (error) {
      const reason = error instanceof PayloadConversionError ? error.message : describe(error);
      throw new SwitchboardError(
        ErrorCodes.ERR_MESSAGE_REJECTED,
        `Invalid payload for '${destination}': ${reason}`,
        {
          cause: error,
        },
      );
    }
    const context: MessageContext = {
      payload,
      params,
      headers: message.headers.nativeHeaders,
      destination,
      lookupDestination: lookup,
      user: message.headers.user,
      sessionId: message.headers.sessionId,
      sessionAttributes: message.headers.sessionAttributes ?? new Map<string, unknown>(),
      message,
    };
    const result = (route.handler as (ctx: MessageContext) => unknown)(context);
    if (isPromise(result)) return result.then((value) => this.#reply(route, lookup, params, value));
    return this.#reply(route, lookup, params, result);
  }

  #reply(
    route: HandlerRoute,
    lookup: string,
    params: Record<string, string>,
    value: unknown,
  ): void | Promise<void> {
    if (value === undefined) return;
    const sendTo = route.options.sendTo;
    const targets =
      sendTo === undefined ? [this.#replyPrefix + lookup] : typeof sendTo === 'string' ? [sendTo] : sendTo;
    let pending: Promise<boolean>[] | undefined;
    for (const target of targets) {
      const sent = this.#template.publish(expand(target, params), value);
      if (typeof sent !== 'boolean') (pending ??= []).push(sent);
    }
    if (pending) return Promise.all(pending).then(() => undefined);
  }
}

function expand(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
