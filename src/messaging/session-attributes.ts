/**
 * A message from a session carries the session's attributes (`sessionAttributes`, Spring's
 * `simpSessionAttributes`): the session's own map, so what a handler or interceptor writes
 * there stays with the session. A session makes that map on first use; while it has none, its
 * messages carry an accessor that makes it when read, so a session nobody gives attributes
 * holds no map (about 180 bytes each).
 */
import type { MessageHeaders } from './message.js';

/** Where a message's session attributes come from: a session. */
export interface AttributesSource {
  readonly attributes: Map<string, unknown>;
  /** The attributes map when it exists already, without making one (optional). */
  readonly attributesIfAny?: Map<string, unknown> | undefined;
}

const SOURCE = Symbol('switchboard.attributesSource');

// One getter for every message (the session is found on the headers object), so headers with
// the accessor share one shape and no closure is made per message.
function sessionAttributes(this: { [SOURCE]: AttributesSource }): Map<string, unknown> {
  return this[SOURCE].attributes;
}

const LAZY: PropertyDescriptor = { get: sessionAttributes, enumerable: true, configurable: true };

/**
 * Sets `headers.sessionAttributes` (on headers just made, not yet shared) to `source`'s
 * attributes: the map itself when it exists, else an accessor that makes it when first read.
 * Copies of the headers (`{ ...headers }`, `withHeaders`) read the accessor, so they carry the map.
 */
export function attachSessionAttributes(headers: MessageHeaders, source: AttributesSource): void {
  const target = headers as { sessionAttributes?: Map<string, unknown>; [SOURCE]?: AttributesSource };
  const existing = 'attributesIfAny' in source ? source.attributesIfAny : source.attributes;
  if (existing !== undefined) {
    target.sessionAttributes = existing;
    return;
  }
  target[SOURCE] = source;
  Object.defineProperty(target, 'sessionAttributes', LAZY);
}
