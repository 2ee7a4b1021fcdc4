import { isUtf8 } from 'node:buffer';

/** Converts payloads between bytes on the wire and values handlers work with. */
export interface MessageConverter {
  /** Bytes → value, given the message's `content-type` (may be undefined). */
  fromMessage(body: Buffer, contentType: string | undefined): unknown;
  /** Value → bytes plus the `content-type` to send with them. */
  toMessage(value: unknown): { body: Buffer; contentType: string };
}

/**
 * JSON, text and bytes, chosen by `content-type` (Spring's default converter set):
 * - `application/json` (or `+json`) → parsed JSON; a body that does not parse throws.
 * - `text/*` → string.
 * - `application/octet-stream` → Buffer.
 * - no content-type → JSON when the body parses, else text when it is UTF-8, else bytes.
 * Outgoing: string → text/plain, Buffer/Uint8Array → application/octet-stream, others → JSON.
 */
export const defaultConverter: MessageConverter = {
  fromMessage(body, contentType) {
    const type = mediaType(contentType);
    if (type === undefined) {
      if (body.length === 0) return undefined;
      const text = isUtf8(body) ? body.toString('utf8') : undefined;
      if (text === undefined) return body;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    if (type === 'application/json' || type.endsWith('+json')) {
      try {
        return JSON.parse(body.toString('utf8')) as unknown;
      } catch (error) {
        throw new PayloadConversionError(`Payload is not valid JSON: ${(error as Error).message}`);
      }
    }
    if (type.startsWith('text/')) return body.toString('utf8');
    return body;
  },
  toMessage(value) {
    if (typeof value === 'string')
      return { body: Buffer.from(value, 'utf8'), contentType: 'text/plain;charset=UTF-8' };
    if (value instanceof Uint8Array) {
      return {
        body: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        contentType: 'application/octet-stream',
      };
    }
    return { body: Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'), contentType: 'application/json' };
  },
};

/** Raised when a payload cannot be converted to what a handler expects. */
export class PayloadConversionError extends Error {
  readonly code = 'ERR_PAYLOAD_CONVERSION';
  constructor(message: string) {
    super(message);
    this.name = 'PayloadConversionError';
  }
}

function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType === '') return undefined;
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}
