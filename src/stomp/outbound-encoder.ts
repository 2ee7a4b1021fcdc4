import { isUtf8 } from 'node:buffer';
import type { Message } from '../messaging/message.js';
import { OutboundMessage } from '../websocket/outbound-message.js';
import { encodeFrame } from './encoder.js';
import type { StompCommand, StompFrame, StompVersion } from './frame.js';
import { createHeaders } from './frame.js';

const VERSION_INDEX: Record<StompVersion, number> = { '1.0': 0, '1.1': 1, '1.2': 2 };

/**
 * Turns an outbound MESSAGE into bytes for a client of `version`. Deliveries of one publish
 * that share a `nativeHeaders` object share the encoded result through the message's
 * `deliveryCache`, so a fan-out to N subscribers encodes and frames once.
 */
export function encodeMessageDelivery(message: Message, version: StompVersion): OutboundMessage {
  const { deliveryCache, nativeHeaders } = message.headers;
  if (deliveryCache === undefined) return toOutbound(messageFrame(message, version), version);
  // A fan-out asks for the same headers many times in a row: the last answer spares the lookup.
  let perVersion: PerVersion | undefined;
  if (deliveryCache === last.cache && nativeHeaders === last.headers) {
    perVersion = last.perVersion;
  } else {
    perVersion = deliveryCache.get(nativeHeaders) as PerVersion | undefined;
    if (perVersion === undefined) {
      perVersion = [undefined, undefined, undefined];
      deliveryCache.set(nativeHeaders, perVersion);
    }
    last.cache = deliveryCache;
    last.headers = nativeHeaders;
    last.perVersion = perVersion;
  }
  const index = VERSION_INDEX[version];
  return (perVersion[index] ??= toOutbound(messageFrame(message, version), version));
}

type PerVersion = (OutboundMessage | undefined)[];

/** The last delivery cache entry used (one publish's encodings; replaced by the next publish's). */
const last: { cache: unknown; headers: unknown; perVersion: PerVersion } = {
  cache: undefined,
  headers: undefined,
  perVersion: [],
};

/** Encodes any frame for a client of `version` (undefined before negotiation: treated as 1.2). */
export function toOutbound(frame: StompFrame, version: StompVersion | undefined): OutboundMessage {
  const bytes = encodeFrame(frame, version ?? '1.2');
  // A WebSocket text frame must be valid UTF-8; bodies that are not go as binary frames.
  return new OutboundMessage(bytes, frame.body.length > 0 && !isUtf8(frame.body));
}

/** Builds a frame of `command` from a message's native headers. */
export function frameOf(command: StompCommand, message: Message): StompFrame {
  return { command, headers: message.headers.nativeHeaders, body: message.payload };
}

/**
 * The MESSAGE frame a client of `version` is shown. The `ack` header is STOMP 1.2's: a 1.0 or
 * 1.1 client acknowledges by `message-id` (and `subscription`), so it is left out for them,
 * whichever broker set it.
 */
function messageFrame(message: Message, version: StompVersion): StompFrame {
  const { nativeHeaders, destination, subscriptionId } = message.headers;
  const dropAck = version !== '1.2' && nativeHeaders.ack !== undefined;
  if (
    !dropAck &&
    (nativeHeaders.subscription !== undefined || subscriptionId === undefined) &&
    (nativeHeaders.destination !== undefined || destination === undefined)
  ) {
    return { command: 'MESSAGE', headers: nativeHeaders, body: message.payload };
  }
  const headers = createHeaders({ destination, subscription: subscriptionId });
  Object.assign(headers, nativeHeaders);
  if (subscriptionId !== undefined) headers.subscription = subscriptionId;
  if (dropAck) delete headers.ack;
  return { command: 'MESSAGE', headers, body: message.payload };
}
