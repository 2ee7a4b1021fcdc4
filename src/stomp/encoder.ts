import type { StompFrame, StompVersion } from './frame.js';
import { allowsBody } from './frame.js';
import { escapeHeader, escapesHeaders, flattenHeader } from './header-escaping.js';

const UTF8 = new TextEncoder();

/**
 * Encodes one frame: `COMMAND\n`, `name:value\n` per header, `\n`, body, NUL.
 *
 * Header names and values are escaped for 1.1/1.2 except on CONNECT, STOMP and CONNECTED
 * frames. `content-length` is always the body's real length: it is written for SEND,
 * MESSAGE and ERROR frames and for any frame with a non-empty body, replacing a
 * `content-length` the frame may carry; other frames never get one.
 */
export function encodeFrame(frame: StompFrame, version: StompVersion = '1.2'): Buffer {
  const { command, headers, body } = frame;
  const escape = escapesHeaders(version, command);
  const bodyLength = body.length;
  let head = command + '\n';
  const names = Object.keys(headers);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (name === 'content-length') continue;
    const value = headers[name];
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : String(value);
    head += escape
      ? escapeHeader(name) + ':' + escapeHeader(text) + '\n'
      : flattenHeader(name) + ':' + flattenHeader(text) + '\n';
  }
  if (bodyLength > 0 || allowsBody(command)) head += 'content-length:' + bodyLength + '\n';
  head += '\n';
  // Optimistic: an ASCII head has one byte per character. Otherwise size it and write again.
  let out = Buffer.allocUnsafe(head.length + bodyLength + 1);
  const { read, written } = UTF8.encodeInto(head, out);
  let headLength = written;
  if (read !== head.length || written !== head.length) {
    headLength = Buffer.byteLength(head, 'utf8');
    out = Buffer.allocUnsafe(headLength + bodyLength + 1);
    UTF8.encodeInto(head, out);
  }
  if (bodyLength > 0) out.set(body, headLength);
  out[headLength + bodyLength] = 0;
  return out;
}

/** A heart-beat: one EOL. */
export function encodeHeartbeat(): Buffer {
  return Buffer.from([0x0a]);
}
