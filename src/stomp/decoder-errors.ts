import { ErrorCodes, StompProtocolError } from '../errors.js';
import type { StompCommand } from './frame.js';

/**
 * The decoder's errors, one factory per way a frame can be malformed. Anything the peer
 * wrote that an error message shows is cut to 40 characters and made {@link printable}.
 */

/** How much of a peer's line, header or value an error message shows. */
const SHOWN = 40;

/** Makes arbitrary text safe to show in an error message: control and non-ASCII characters are escaped. */
export function printable(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) out += text.charAt(i);
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** The first bytes of `line[start, end)`, printable, with an ellipsis when cut. */
function shown(line: Buffer, start: number, end: number, encoding: 'utf8' | 'latin1'): string {
  const text = printable(line.toString(encoding, start, Math.min(end, start + SHOWN)));
  return end - start > SHOWN ? `${text}…` : text;
}

export function loneCr(): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_INVALID_EOL,
    'Invalid line ending in STOMP frame: CR must be followed by LF',
  );
}

/** The command line `line[start, end)` names no command the decoder accepts; `detail` says more. */
export function unknownCommand(line: Buffer, start: number, end: number, detail: string): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND,
    `Unknown STOMP command "${shown(line, start, end, 'latin1')}"${detail}`,
  );
}

export function nulInHead(command: StompCommand): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_MALFORMED_HEADER,
    `NUL byte in the headers of a ${command} frame (is the blank line before the body missing?)`,
  );
}

/** `contentLength` is the header's text when it is what makes the frame too large. */
export function frameTooLarge(max: number, contentLength?: string): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE,
    contentLength === undefined
      ? `STOMP frame exceeds maxFrameSize (${max} bytes)`
      : `STOMP frame exceeds maxFrameSize (${max} bytes): content-length is ${printable(contentLength.slice(0, SHOWN))}`,
  );
}

export function bodyNotAllowed(command: StompCommand | undefined): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_BODY_NOT_ALLOWED,
    `A ${String(command)} frame must not have a body (only SEND, MESSAGE and ERROR frames may)`,
  );
}

/** A command line (`commandLine`) or header line longer than maxHeaderLineLength. */
export function lineTooLong(commandLine: boolean, max: number): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_HEADER_TOO_LONG,
    `STOMP ${commandLine ? 'command' : 'header'} line exceeds maxHeaderLineLength (${max} bytes)`,
  );
}

export function tooManyHeaders(max: number): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_TOO_MANY_HEADERS,
    `STOMP frame has more headers than maxHeaders (${max})`,
  );
}

/** The header line `line[start, end)` has no colon (`colon` < 0) or an empty name (`colon` 0). */
export function malformedHeader(line: Buffer, start: number, end: number, colon: number): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_MALFORMED_HEADER,
    colon < 0
      ? `Malformed STOMP header line "${shown(line, start, end, 'utf8')}": expected name:value`
      : `Malformed STOMP header line "${shown(line, start, end, 'utf8')}": the header name is empty`,
  );
}

/** The content-length value `line[start, end)` is not a non-negative decimal integer. */
export function invalidContentLength(line: Buffer, start: number, end: number): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_INVALID_CONTENT_LENGTH,
    `Invalid content-length "${printable(line.toString('utf8', start, Math.min(end, start + SHOWN)))}": expected a non-negative decimal integer`,
  );
}

export function missingNul(contentLength: number): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_MISSING_NUL,
    `STOMP frame is not terminated by a NUL byte after content-length (${contentLength}) body bytes: content-length mismatch`,
  );
}

/** The backslash at `slash` in `text` (of header `name`) starts no defined escape. */
export function invalidEscape(text: string, slash: number, name: string): StompProtocolError {
  return new StompProtocolError(
    ErrorCodes.ERR_STOMP_INVALID_ESCAPE,
    slash + 1 >= text.length
      ? `Invalid escape in STOMP header "${printable(name.slice(0, SHOWN))}": lone backslash at the end`
      : `Invalid escape sequence "\\${printable(text.charAt(slash + 1))}" in STOMP header "${printable(name.slice(0, SHOWN))}" (defined: \\r \\n \\c \\\\)`,
  );
}
