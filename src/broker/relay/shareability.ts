import { hasPrefix } from '../../messaging/destinations.js';
import type { StompHeaders } from '../../stomp/frame.js';

/**
 * SUBSCRIBE headers that do not change what the broker delivers. Anything else (`durable`,
 * `persistent`, `auto-delete`, `exclusive`, `selector`, `prefetch-count`, `x-*`,
 * `activemq.*`, a header the relay has never heard of) may, so it is not shared.
 */
const HARMLESS_HEADERS = new Set(['id', 'destination', 'ack', 'receipt', 'content-length', 'content-type']);

/**
 * Whether a local SUBSCRIBE can ride on a broker subscription other local subscribers share:
 * its destination delivers every message to every subscriber (one of `sharedPrefixes`, topics
 * by default), it acknowledges automatically, and it carries no header that could change what
 * the broker delivers. Everything else gets a broker subscription of its own.
 */
export function isShareable(
  destination: string,
  headers: StompHeaders,
  sharedPrefixes: readonly string[],
): boolean {
  if (!hasPrefix(destination, sharedPrefixes)) return false;
  const ack = headers.ack;
  if (ack !== undefined && ack !== 'auto') return false;
  for (const name in headers) if (!HARMLESS_HEADERS.has(name)) return false;
  return true;
}
