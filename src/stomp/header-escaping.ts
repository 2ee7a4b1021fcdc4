import { invalidEscape } from './decoder-errors.js';
import type { StompCommand, StompVersion } from './frame.js';

/**
 * STOMP header escaping, both directions. 1.1 and 1.2 escape `\`, CR, LF and `:` in header
 * names and values; 1.0 does not, and neither do CONNECT, STOMP and CONNECTED frames in any
 * version (they are exchanged before the version is known).
 */

/**
 * Whether headers of `command` are escaped at `version`. `undefined` (not negotiated yet)
 * escapes like 1.1/1.2, except on the frames that never escape.
 */
export function escapesHeaders(version: StompVersion | undefined, command: StompCommand): boolean {
  return version !== '1.0' && command !== 'CONNECT' && command !== 'STOMP' && command !== 'CONNECTED';
}

/** Characters STOMP 1.1/1.2 escape in header names and values. */
const NEEDS_ESCAPE = /[\\\r\n:]/;
const ESCAPED = /[\\\r\n:]/g;
/** Characters that would break a header line where no escaping applies. */
const NEEDS_FLATTEN = /[\r\n]/;
const FLATTENED = /[\r\n]/g;

function escapeChar(char: string): string {
  switch (char) {
    case '\\':
      return '\\\\';
    case '\r':
      return '\\r';
    case '\n':
      return '\\n';
    default:
      return '\\c';
  }
}

/**
 * STOMP 1.1/1.2 escaping. CR is written as `\r` for 1.1 too (1.1 does not define it; this is
 * what Spring does, and a raw CR would end the line for any CRLF-tolerant reader).
 */
export function escapeHeader(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, escapeChar) : text;
}

/** No escaping (STOMP 1.0, CONNECT/STOMP/CONNECTED): CR and LF become spaces so the frame stays intact. */
export function flattenHeader(text: string): string {
  return NEEDS_FLATTEN.test(text) ? text.replace(FLATTENED, ' ') : text;
}

/**
 * Undoes STOMP 1.1/1.2 header escaping. `\r` is accepted for 1.1 too (it is only defined
 * by 1.2), as Spring does; any other escape, or a trailing lone backslash, is an error
 * naming header `name`.
 */
export function unescapeHeader(text: string, name: string): string {
  let slash = text.indexOf('\\');
  if (slash < 0) return text;
  let out = '';
  let from = 0;
  while (slash >= 0) {
    out += text.slice(from, slash);
    switch (text.charCodeAt(slash + 1)) {
      case 0x6e: // n
        out += '\n';
        break;
      case 0x72: // r
        out += '\r';
        break;
      case 0x63: // c
        out += ':';
        break;
      case 0x5c: // backslash
        out += '\\';
        break;
      default:
        throw invalidEscape(text, slash, name);
    }
    from = slash + 2;
    slash = text.indexOf('\\', from);
  }
  return out + text.slice(from);
}
