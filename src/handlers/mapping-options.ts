import type { PayloadValidator } from './payload-validation.js';

/**
 * What a mapping says about its handler, shared by the function API (`HandlerRegistry`) and
 * the decorators that record mappings for it.
 */

/** SEND (`@MessageMapping`) or SUBSCRIBE (`@SubscribeMapping`). */
export type HandlerKind = 'message' | 'subscribe';

/** Where a `@SendToUser` / `sendToUser` reply goes. */
export interface SendToUserOptions {
  /** false: only the session the message came from. Default true: every session of the user. */
  broadcast?: boolean;
}

/** Options of one mapping. */
export interface MappingOptions<P = unknown> {
  /** Broker destinations for the return value, `{var}` expanded. Default `/topic` + the destination. */
  sendTo?: string | readonly string[];
  /**
   * Send the return value to the current user instead: `/user/{name}` + each destination
   * (default `/queue` + the destination). Takes precedence over `sendTo`.
   */
  sendToUser?: { destinations?: string | readonly string[] } & SendToUserOptions;
  /** Validates/parses the converted payload: any Standard Schema (zod, valibot) or a function that throws. */
  payload?: PayloadValidator<P>;
}
