import { performance } from 'node:perf_hooks';
import type { MessageHeaders } from '../messaging/message.js';
import { sessionOfDestination } from '../messaging/user-destinations.js';
import type { StompHeaders } from '../stomp/frame.js';
import { createHeaders } from '../stomp/frame.js';

/** A message the simple broker took, shared by all its deliveries. */
export interface Published {
  readonly destination: string;
  readonly payload: Buffer;
  /** Headers every delivery carries (destination, message-id, content-type, custom). */
  readonly base: StompHeaders;
  readonly messageId: string;
  readonly publishedAt: number;
  /** The one session a user destination ('/queue/x-user<session>') belongs to. */
  readonly owner: string | undefined;
  readonly cache: Map<unknown, unknown>;
  /** Auto-ack headers per subscription id: deliveries with the same id share one object (and one encoding). */
  lastSubscriptionId: string | undefined;
  lastHeaders: StompHeaders | undefined;
  redeliveries: number;
}

/** Headers a publisher sets that never travel to subscribers. */
const PROTOCOL_HEADERS = new Set([
  'receipt',
  'transaction',
  'content-length',
  'destination',
  'subscription',
  'message-id',
  'ack',
  'id',
]);

/** The broker's record of a publish to `h.destination`. */
export function publishedMessage(h: MessageHeaders, payload: Buffer, messageId: string): Published {
  const destination = h.destination!;
  const base = createHeaders();
  const native = h.nativeHeaders;
  for (const name in native) {
    if (!PROTOCOL_HEADERS.has(name)) base[name] = native[name]!;
  }
  // Clients see the destination they subscribed to: '/user/queue/x', not '/queue/x-user…'.
  base.destination = h.originalDestination ?? destination;
  base['message-id'] = messageId;
  return {
    destination,
    payload,
    base,
    messageId,
    publishedAt: performance.now(),
    // Only its session may receive a session's user messages, whatever pattern others subscribed.
    owner: destination.includes('-user') ? sessionOfDestination(destination) : undefined,
    cache: new Map(),
    lastSubscriptionId: undefined,
    lastHeaders: undefined,
    redeliveries: 0,
  };
}

/**
 * The MESSAGE headers of one delivery. Auto-ack first deliveries to the same subscription id
 * share one headers object (so one encoding); others get their own, to which the caller adds
 * `ack`.
 */
export function deliveryHeaders(
  published: Published,
  subscriptionId: string,
  shared: boolean,
  redelivered: boolean,
): StompHeaders {
  if (shared && published.lastSubscriptionId === subscriptionId) return published.lastHeaders!;
  const headers = createHeaders();
  Object.assign(headers, published.base);
  headers.subscription = subscriptionId;
  if (redelivered) headers.redelivered = 'true';
  if (shared) {
    published.lastSubscriptionId = subscriptionId;
    published.lastHeaders = headers;
  }
  return headers;
}
