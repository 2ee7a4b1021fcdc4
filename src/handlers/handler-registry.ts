import { ErrorCodes, SwitchboardError } from '../errors.js';
import type { CompiledPattern } from '../messaging/destinations.js';
import { compilePattern, comparePatterns } from '../messaging/destinations.js';
import { classRecordOf, methodRecordOf } from './decorators.js';
import type { HandlerKind, MappingOptions } from './mapping-options.js';
import type { MessageContext } from './message-context.js';

/** An application handler: receives one context, may return a value (or a promise of one) to send. */
export type HandlerFunction<P = unknown, Params extends Record<string, string> = Record<string, string>> = (
  context: MessageContext<P, Params>,
) => unknown;

/** An exception handler: receives the error and the context of the message that caused it. */
export type ExceptionHandlerFunction = (error: unknown, context: MessageContext) => unknown;

/** One registered handler. */
export interface HandlerRoute {
  readonly kind: HandlerKind;
  readonly pattern: string;
  readonly compiled: CompiledPattern;
  readonly handler: HandlerFunction<never, never>;
  readonly options: MappingOptions<unknown>;
  /** The controller it belongs to (its exception handlers are tried first). */
  readonly owner: object | undefined;
}

/** One registered exception handler. */
export interface ExceptionRoute {
  readonly types: readonly (abstract new (...args: never[]) => unknown)[];
  readonly handler: ExceptionHandlerFunction;
  readonly options: MappingOptions<unknown>;
  /** The controller it is local to; undefined for a global advice. */
  readonly owner: object | undefined;
}

/**
 * The function API for application destinations: `map(pattern, fn)` for SENDs and
 * `subscribe(pattern, fn)` for SUBSCRIBEs. Decorated controllers are read by `register()` and
 * end up here too. Exact destinations are one lookup; patterns are ranked most specific first,
 * and two equally specific patterns are rejected at registration.
 */
export class HandlerRegistry {
  readonly #separator: '/' | '.';
  readonly #exact = new Map<string, HandlerRoute>();
  #patterns: HandlerRoute[] = [];
  #exceptionHandlers: ExceptionRoute[] = [];

  constructor(options: { separator?: '/' | '.' } = {}) {
    this.#separator = options.separator ?? '/';
  }

  /** Handles SENDs to `pattern` (without the application prefix). */
  map<P = unknown, Params extends Record<string, string> = Record<string, string>>(
    pattern: string,
    handler: HandlerFunction<P, Params>,
    options: MappingOptions<P> = {},
  ): this {
    return this.#add('message', pattern, handler, options, undefined);
  }

  /** Handles SUBSCRIBEs to `pattern`; the return value goes straight back to the subscriber. */
  subscribe<P = unknown, Params extends Record<string, string> = Record<string, string>>(
    pattern: string,
    handler: HandlerFunction<P, Params>,
    options: MappingOptions<P> = {},
  ): this {
    return this.#add('subscribe', pattern, handler, options, undefined);
  }

  /** Handles errors of the given classes thrown by any handler (a global advice). */
  onError(
    types: readonly (abstract new (...args: never[]) => unknown)[],
    handler: ExceptionHandlerFunction,
    options: MappingOptions = {},
  ): this {
    this.#exceptionHandlers = [...this.#exceptionHandlers, { types, handler, options, owner: undefined }];
    return this;
  }

  /**
   * Registers a decorated controller instance: its `@MessageMapping`, `@SubscribeMapping`
   * and `@MessageExceptionHandler` methods. With `{ advice: true }` its exception handlers
   * apply to every controller (Spring's `@ControllerAdvice`).
   */
  register(controller: object, options: { advice?: boolean } = {}): this {
    const type = controller.constructor;
    const classRecord = classRecordOf(type);
    const prefixes = classRecord?.prefixes ?? [''];
    for (const [name, method] of methodsOf(controller)) {
      const record = methodRecordOf(method);
      if (record === undefined) continue;
      const bound = (method as (...args: unknown[]) => unknown).bind(controller);
      const sendTo = record.sendTo ?? classRecord?.sendTo;
      const routing: MappingOptions = {
        ...(sendTo ? { sendTo } : {}),
        ...(record.sendToUser
          ? { sendToUser: { destinations: record.sendToUser.destinations, ...record.sendToUser.options } }
          : {}),
      };
      for (const mapping of record.mappings) {
        for (const prefix of prefixes) {
          for (const pattern of mapping.patterns) {
            this.#add(
              mapping.kind,
              combine(prefix, pattern, this.#separator),
              bound,
              { ...routing, ...mapping.options },
              controller,
            );
          }
        }
      }
      if (record.exceptionTypes) {
        this.#exceptionHandlers = [
          ...this.#exceptionHandlers,
          {
            types: record.exceptionTypes,
            handler: bound,
            options: routing,
            owner: options.advice ? undefined : controller,
          },
        ];
      }
      if (record.mappings.length === 0 && !record.exceptionTypes) {
        throw new TypeError(`${type.name}.${String(name)} has @SendTo/@SendToUser but no mapping`);
      }
    }
    return this;
  }

  /** Finds the handler of `kind` for a lookup destination, with its captured variables. */
  lookup(
    kind: HandlerKind,
    destination: string,
  ): { route: HandlerRoute; params: Record<string, string> } | undefined {
    const exact = this.#exact.get(`${kind} ${destination}`);
    if (exact !== undefined) return { route: exact, params: {} };
    for (const route of this.#patterns) {
      if (route.kind !== kind) continue;
      const params = route.compiled.match(destination);
      if (params !== null) return { route, params };
    }
    return undefined;
  }

  /**
   * The exception handler for `error` raised by `route`: the owning controller's handlers
   * first, then global ones; within each, the closest error class wins.
   */
  findExceptionHandler(error: unknown, route: HandlerRoute | undefined): ExceptionRoute | undefined {
    const local =
      route?.owner === undefined ? [] : this.#exceptionHandlers.filter((h) => h.owner === route.owner);
    const global = this.#exceptionHandlers.filter((h) => h.owner === undefined);
    return closest(error, local) ?? closest(error, global);
  }

  /** All registered patterns by kind, for diagnostics. */
  get patterns(): string[] {
    return [...this.#exact.values(), ...this.#patterns].map((r) => `${r.kind} ${r.pattern}`);
  }

  #add(
    kind: HandlerKind,
    pattern: string,
    handler: HandlerFunction<never, never>,
    options: MappingOptions<unknown>,
    owner: object | undefined,
  ): this {
    const compiled = compilePattern(pattern, this.#separator);
    const route: HandlerRoute = { kind, pattern, compiled, handler, options, owner };
    const key = `${kind} ${pattern}`;
    if (this.#exact.has(key) || this.#patterns.some((r) => r.kind === kind && r.pattern === pattern)) {
      throw new SwitchboardError(
        ErrorCodes.ERR_AMBIGUOUS_HANDLER,
        `A ${kind} handler is already mapped to '${pattern}'`,
      );
    }
    if (!compiled.isPattern) {
      this.#exact.set(key, route);
      return this;
    }
    for (const other of this.#patterns) {
      if (
        other.kind === kind &&
        comparePatterns(other.pattern, pattern) === 0 &&
        overlap(other.pattern, pattern, this.#separator)
      ) {
        throw new SwitchboardError(
          ErrorCodes.ERR_AMBIGUOUS_HANDLER,
          `Ambiguous ${kind} handlers: '${other.pattern}' and '${pattern}' are equally specific and can match the same destination`,
        );
      }
    }
    this.#patterns = [...this.#patterns, route].sort((a, b) => comparePatterns(a.pattern, b.pattern));
    return this;
  }
}

/** Methods of an object along its prototype chain (own first), excluding Object's. */
function methodsOf(object: object): [string | symbol, unknown][] {
  const seen = new Set<string | symbol>();
  const methods: [string | symbol, unknown][] = [];
  for (
    let proto = Object.getPrototypeOf(object) as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (descriptor && typeof descriptor.value === 'function') methods.push([key, descriptor.value]);
    }
  }
  return methods;
}

/** Spring's pattern combination: '/trade' + '/buy' → '/trade/buy', 'chat' + 'room' → 'chat.room'. */
export function combine(prefix: string, pattern: string, separator: '/' | '.'): string {
  if (prefix === '') return pattern;
  if (pattern === '') return prefix;
  if (prefix.endsWith(separator) || pattern.startsWith(separator)) {
    return prefix.endsWith(separator) && pattern.startsWith(separator)
      ? prefix + pattern.slice(1)
      : prefix + pattern;
  }
  return `${prefix}${separator}${pattern}`;
}

/**
 * Whether two equally specific patterns can match one destination: a sample destination
 * built from each (wildcards and variables filled in) is tried against the other.
 */
function overlap(a: string, b: string, separator: '/' | '.'): boolean {
  const sample = (p: string): string =>
    p
      .replace(/\{[^}]*\}/g, 'v')
      .replace(/\*\*/g, 'x')
      .replace(/[*?]/g, 'x');
  return (
    compilePattern(a, separator).match(sample(b)) !== null ||
    compilePattern(b, separator).match(sample(a)) !== null
  );
}

function closest(error: unknown, handlers: readonly ExceptionRoute[]): ExceptionRoute | undefined {
  let best: ExceptionRoute | undefined;
  let bestDistance = Infinity;
  for (const handler of handlers) {
    for (const type of handler.types) {
      const distance = classDistance(error, type);
      if (distance < bestDistance) {
        best = handler;
        bestDistance = distance;
      }
    }
  }
  return best;
}

function classDistance(error: unknown, type: abstract new (...args: never[]) => unknown): number {
  if (!(error instanceof type)) return Infinity;
  let distance = 0;
  for (
    let proto = Object.getPrototypeOf(error) as object | null;
    proto && proto !== type.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    distance++;
  }
  return distance;
}
