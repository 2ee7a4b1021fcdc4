import { ErrorCodes, SwitchboardError } from '../errors.js';
import type { CompiledPattern } from '../messaging/destinations.js';
import { compilePattern, comparePatterns } from '../messaging/destinations.js';
import type { MessageContext } from './message-context.js';

/** An application handler: receives one context, may return a value (or a promise of one) to publish. */
export type HandlerFunction<P = unknown, Params extends Record<string, string> = Record<string, string>> = (
  context: MessageContext<P, Params>,
) => unknown;

/** Options of one mapping. */
export interface MappingOptions<P = unknown> {
  /**
   * Where the return value goes: one or more destinations, `{var}` expanded from the
   * matched destination. Default: `/topic` + the lookup destination (as Spring).
   */
  sendTo?: string | readonly string[];
  /**
   * Parses/validates the converted payload before the handler runs (a schema's `parse`,
   * or any function that throws on invalid input).
   */
  payload?: (value: unknown) => P;
}

/** One registered handler. */
export interface HandlerRoute {
  readonly pattern: string;
  readonly compiled: CompiledPattern;
  readonly handler: HandlerFunction<never, never>;
  readonly options: MappingOptions<unknown>;
}

/**
 * The function API for application destinations (`/app/**`): `map(pattern, fn)`. Decorators
 * record metadata and call `map`, so both styles end up here. Exact destinations are found
 * with one lookup; patterns are ranked most specific first, and two equally specific patterns
 * matching the same destination are reported as ambiguous.
 */
export class HandlerRegistry {
  readonly #separator: '/' | '.';
  readonly #exact = new Map<string, HandlerRoute>();
  #patterns: HandlerRoute[] = [];

  constructor(options: { separator?: '/' | '.' } = {}) {
    this.#separator = options.separator ?? '/';
  }

  /** Registers `handler` for destinations matching `pattern` (without the application prefix). */
  map<P = unknown, Params extends Record<string, string> = Record<string, string>>(
    pattern: string,
    handler: HandlerFunction<P, Params>,
    options: MappingOptions<P> = {},
  ): this {
    const compiled = compilePattern(pattern, this.#separator);
    const route: HandlerRoute = {
      pattern,
      compiled,
      handler,
      options,
    };
    if (this.#exact.has(pattern) || this.#patterns.some((r) => r.pattern === pattern)) {
      throw new SwitchboardError(
        ErrorCodes.ERR_AMBIGUOUS_HANDLER,
        `A handler is already mapped to '${pattern}'`,
      );
    }
    if (compiled.isPattern) {
      this.#patterns = [...this.#patterns, route].sort((a, b) => comparePatterns(a.pattern, b.pattern));
    } else {
      this.#exact.set(pattern, route);
    }
    return this;
  }

  /** Finds the handler for a lookup destination, with its captured variables. */
  lookup(destination: string): { route: HandlerRoute; params: Record<string, string> } | undefined {
    const exact = this.#exact.get(destination);
    if (exact !== undefined) return { route: exact, params: {} };
    let found: { route: HandlerRoute; params: Record<string, string> } | undefined;
    for (const route of this.#patterns) {
      const params = route.compiled.match(destination);
      if (params === null) continue;
      if (found === undefined) {
        found = { route, params };
        continue;
      }
      if (comparePatterns(found.route.pattern, route.pattern) === 0) {
        throw new SwitchboardError(
          ErrorCodes.ERR_AMBIGUOUS_HANDLER,
          `Ambiguous handlers for '${destination}': '${found.route.pattern}' and '${route.pattern}'`,
        );
      }
      break;
    }
    return found;
  }

  /** All registered patterns, for diagnostics. */
  get patterns(): string[] {
    return [...this.#exact.keys(), ...this.#patterns.map((r) => r.pattern)];
  }
}
