import type { ErrorCode } from '../errors.js';
import { ErrorCodes, StompProtocolError, createError } from '../errors.js';
import { DEFAULT_LIMITS } from '../limits.js';
import type { StompCommand, StompFrame, StompHeaders, StompVersion } from './frame.js';
import { CLIENT_COMMANDS, SERVER_COMMANDS, allowsBody, createHeaders } from './frame.js';

export interface StompDecoderOptions {
  /** Largest frame (every byte from the command to the NUL, exclusive). Default 64 KiB. */
  maxFrameSize?: number;
  /** Most header lines one frame may carry (repeated headers count). Default 100. */
  maxHeaders?: number;
  /** Longest command or header line in bytes, line ending excluded. Default 8 KiB. */
  maxHeaderLineLength?: number;
  /**
   * Which commands are accepted: 'client' (a server reading from clients, the default),
   * 'server' (a client or relay reading CONNECTED/MESSAGE/RECEIPT/ERROR) or 'any'.
   */
  commands?: 'client' | 'server' | 'any';
  /** Called once for every EOL (`\n` or `\r\n`) received between frames. */
  onHeartbeat?: () => void;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const BACKSLASH = 0x5c;

/** Byte classes in the command/header section: 0 = ordinary byte. */
const C_LF = 1;
const C_CR = 2;
const C_COLON = 3;
const C_BACKSLASH = 4;
const C_NUL = 5;
const BYTE_CLASS = new Uint8Array(256);
BYTE_CLASS[LF] = C_LF;
BYTE_CLASS[CR] = C_CR;
BYTE_CLASS[COLON] = C_COLON;
BYTE_CLASS[BACKSLASH] = C_BACKSLASH;
BYTE_CLASS[NUL] = C_NUL;

/** Between frames: EOLs are heart-beats. */
const PHASE_EOL = 0;
/** Reading the command line and the header lines. */
const PHASE_HEAD = 1;
/** Reading the body and its NUL terminator. */
const PHASE_BODY = 2;

const EMPTY_BODY = Buffer.alloc(0);

/** Commands grouped by byte length, so a command line is matched without decoding it. */
type CommandTable = readonly (readonly (readonly [Buffer, StompCommand])[] | undefined)[];

function commandTable(list: readonly StompCommand[]): CommandTable {
  const table: (readonly [Buffer, StompCommand])[][] = [];
  for (const command of list) (table[command.length] ??= []).push([Buffer.from(command, 'latin1'), command]);
  return table;
}

const COMMAND_TABLES: Readonly<Record<string, CommandTable>> = {
  client: commandTable(CLIENT_COMMANDS),
  server: commandTable(SERVER_COMMANDS),
  any: commandTable([...CLIENT_COMMANDS, ...SERVER_COMMANDS]),
};

function matchCommand(
  table: CommandTable,
  line: Buffer,
  start: number,
  end: number,
): StompCommand | undefined {
  const candidates = table[end - start];
  if (candidates === undefined) return undefined;
  next: for (const [bytes, command] of candidates) {
    for (let k = 0; k < bytes.length; k++) {
      if (line[start + k] !== bytes[k]) continue next;
    }
    return command;
  }
  return undefined;
}

const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');

/**
 * Incremental STOMP 1.0/1.1/1.2 frame decoder.
 *
 * `decode()` takes bytes as they arrive: a frame may be split at any byte, and one chunk
 * may hold several frames. Whole frames inside one chunk are decoded without copying
 * (their body is a `subarray` of the chunk), so callers must not modify a chunk after
 * handing it over. Errors are {@link StompProtocolError}s; the first one poisons the decoder.
 *
 * Every error is raised at a fixed point of the byte stream (the byte that makes the input
 * invalid; for header escapes, the blank line that ends the headers), so the outcome never
 * depends on how the input was split into chunks.
 */
export class StompDecoder {
  /**
   * Negotiated protocol version; set by the protocol handler after CONNECT.
   * `undefined` (not negotiated yet) unescapes headers like 1.1/1.2, except on
   * CONNECT, STOMP and CONNECTED frames, which are never unescaped.
   */
  version: StompVersion | undefined = undefined;

  readonly #maxFrameSize: number;
  readonly #maxHeaders: number;
  readonly #maxLine: number;
  readonly #commands: CommandTable;
  readonly #onHeartbeat: (() => void) | undefined;

  /** Set by the first error; every later decode() rethrows it. */
  #failure: { error: unknown } | undefined = undefined;
  #phase = PHASE_EOL;
  /** The last byte seen was a CR (between frames or inside a head line). */
  #cr = false;

  // The frame being decoded.
  #command: StompCommand | undefined = undefined;
  #headers: StompHeaders = createHeaders();
  #headerCount = 0;
  #unescape = false;
  #bodyAllowed = false;
  #contentLength = -1;
  /**
   * Header lines are stored undecoded and turned into strings at the blank line, so
   * escape errors and repeated headers are handled in one place whichever way the head
   * was split. While the whole head is inside the chunk being decoded (`#inChunk`),
   * lines are kept as offsets [start, colon, end, backslash] into that chunk and the
   * head is decoded with a single `toString`; once a chunk ends inside the head, they
   * are kept as strings (name, value) in `#pending`.
   */
  #inChunk = false;
  #offsets: number[] = [];
  #offsetCount = 0;
  #pending: string[] = [];
  #pendingCount = 0;
  /** Bytes of the current frame before the current head line (or before the body). */
  #frameBytes = 0;

  // The head line being decoded, when it spans chunks.
  #lineParts: Buffer[] = [];
  #lineLength = 0;
  #colon = -1;
  #backslash = false;

  // The body being decoded, when it spans chunks.
  #bodyParts: Buffer[] = [];
  #bodyLength = 0;

  constructor(options: StompDecoderOptions = {}) {
    this.#maxFrameSize = limitOption('maxFrameSize', options.maxFrameSize, DEFAULT_LIMITS.maxFrameSize);
    this.#maxHeaders = limitOption('maxHeaders', options.maxHeaders, DEFAULT_LIMITS.maxHeaders);
    this.#maxLine = limitOption(
      'maxHeaderLineLength',
      options.maxHeaderLineLength,
      DEFAULT_LIMITS.maxHeaderLineLength,
    );
    const commands = options.commands ?? 'client';
    const table = Object.hasOwn(COMMAND_TABLES, commands) ? COMMAND_TABLES[commands] : undefined;
    if (table === undefined) {
      throw createError(
        ErrorCodes.ERR_INVALID_OPTION,
        `Invalid decoder option commands: ${String(commands)} (expected 'client', 'server' or 'any')`,
      );
    }
    this.#commands = table;
    this.#onHeartbeat = options.onHeartbeat;
  }

  /**
   * True between frames: nothing of a frame is held (no partial frame, no pending CR) and the
   * decoder is not poisoned, so the next chunk could as well go to another decoder.
   */
  get betweenFrames(): boolean {
    return this.#phase === PHASE_EOL && !this.#cr && this.#failure === undefined;
  }

  /**
   * Decodes the next chunk of the byte stream and returns the frames it completes
   * (possibly none). Throws a {@link StompProtocolError} on malformed input; frames
   * completed earlier in the same chunk are then discarded with it. After an error
   * (or an exception from `onHeartbeat`) the decoder is poisoned: every later call
   * throws the same error.
   */
  decode(chunk: Buffer): StompFrame[] {
    if (this.#failure !== undefined) throw this.#failure.error;
    const frames: StompFrame[] = [];
    const length = chunk.length;
    let pos = 0;
    try {
      while (pos < length) {
        if (this.#phase === PHASE_EOL) pos = this.#skipEols(chunk, pos);
        else if (this.#phase === PHASE_HEAD) pos = this.#readHead(chunk, pos);
        else pos = this.#readBody(chunk, pos, frames);
      }
    } catch (error) {
      this.#failure = { error };
      this.#release();
      throw error;
    }
    return frames;
  }

  /** Consumes EOLs between frames (heart-beats); stops at the first byte of a frame. */
  #skipEols(buf: Buffer, pos: number): number {
    const length = buf.length;
    while (pos < length) {
      const byte = buf[pos] as number;
      if (byte === LF) {
        pos++;
        this.#cr = false;
        this.#onHeartbeat?.();
      } else if (this.#cr) {
        throw loneCr();
      } else if (byte === CR) {
        pos++;
        this.#cr = true;
      } else {
        this.#startFrame();
        return pos;
      }
    }
    return pos;
  }

  #startFrame(): void {
    this.#phase = PHASE_HEAD;
    this.#command = undefined;
    this.#headers = createHeaders();
    this.#headerCount = 0;
    this.#contentLength = -1;
    this.#inChunk = true;
    this.#offsetCount = 0;
    this.#pendingCount = 0;
    this.#frameBytes = 0;
    this.#lineLength = 0;
    this.#colon = -1;
    this.#backslash = false;
  }

  /**
   * Reads the command line and header lines. The loop looks at every byte once (header
   * bytes are few; a table lookup per byte beats several native `indexOf` calls per line)
   * and raises each error at the byte where it becomes certain; size limits are checked
   * only from the offset (`stop`) where one could be reached.
   */
  #readHead(buf: Buffer, pos: number): number {
    const length = buf.length;
    let lineStart = pos;
    let carried = this.#lineLength;
    let cr = this.#cr;
    let colon = this.#colon;
    let backslash = this.#backslash;
    let stop = this.#limitOffset(lineStart, carried);
    for (let i = pos; i < length; i++) {
      const byte = buf[i] as number;
      if (cr && byte !== LF) throw loneCr();
      if (i >= stop) {
        this.#checkLimits(byte, carried + i - lineStart);
        stop = i + 1;
      }
      const kind = BYTE_CLASS[byte];
      if (kind === 0) continue;
      if (kind === C_LF) {
        const lineLength = carried + i - lineStart;
        const contentLength = cr ? lineLength - 1 : lineLength;
        let line = buf;
        let start = lineStart;
        if (carried > 0) {
          this.#lineParts.push(buf.subarray(lineStart, i));
          line = Buffer.concat(this.#lineParts, lineLength);
          start = 0;
          this.#lineParts = [];
        }
        this.#frameBytes += lineLength + 1;
        cr = false;
        if (this.#command === undefined) {
          this.#readCommand(line, start, start + contentLength);
        } else if (contentLength === 0) {
          this.#endHead(buf);
          this.#cr = false;
          this.#lineLength = 0;
          return i + 1;
        } else {
          this.#readHeader(line, start, start + contentLength, colon, backslash);
        }
        lineStart = i + 1;
        carried = 0;
        colon = -1;
        backslash = false;
        stop = this.#limitOffset(lineStart, 0);
      } else if (kind === C_CR) {
        cr = true;
      } else if (kind === C_COLON) {
        if (colon < 0) colon = carried + i - lineStart;
      } else if (kind === C_BACKSLASH) {
        backslash = true;
      } else {
        if (this.#command !== undefined) throw nulInHead(this.#command);
        // A NUL in the command line: whatever this is, it is not a command.
        this.#lineParts.push(buf.subarray(lineStart, i + 1));
        const line = Buffer.concat(this.#lineParts);
        throw unknownCommand(line, 0, line.length, ' (NUL byte in the command line)');
      }
    }
    // The chunk ends inside the head: decode the lines it completed while it is at hand.
    if (this.#inChunk) {
      const offsets = this.#offsets;
      for (let k = 0; k < this.#offsetCount; k += 4) {
        this.#pushPending(
          buf.toString('utf8', offsets[k], offsets[k + 1]),
          buf.toString('utf8', (offsets[k + 1] as number) + 1, offsets[k + 2]),
        );
      }
      this.#inChunk = false;
    }
    if (lineStart < length) {
      this.#lineParts.push(buf.subarray(lineStart, length));
      carried += length - lineStart;
    }
    this.#lineLength = carried;
    this.#cr = cr;
    this.#colon = colon;
    this.#backslash = backslash;
    return length;
  }

  /** Chunk offset of the first byte of the current line at which a size limit may be hit. */
  #limitOffset(lineStart: number, carried: number): number {
    return lineStart - carried + Math.min(this.#maxLine, this.#maxFrameSize - this.#frameBytes);
  }

  /** Checks the byte at line offset `index` against maxFrameSize and maxHeaderLineLength. */
  #checkLimits(byte: number, index: number): void {
    if (this.#frameBytes + index >= this.#maxFrameSize) throw frameTooLarge(this.#maxFrameSize);
    // A CR right at the limit may still be the CR of a CRLF line ending.
    if (index >= this.#maxLine && byte !== LF && !(byte === CR && index === this.#maxLine)) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_HEADER_TOO_LONG,
        this.#command === undefined
          ? `STOMP command line exceeds maxHeaderLineLength (${this.#maxLine} bytes)`
          : `STOMP header line exceeds maxHeaderLineLength (${this.#maxLine} bytes)`,
      );
    }
  }

  #readCommand(line: Buffer, start: number, end: number): void {
    const command = matchCommand(this.#commands, line, start, end);
    if (command === undefined) throw unknownCommand(line, start, end, '');
    this.#command = command;
    this.#bodyAllowed = allowsBody(command);
    this.#unescape =
      this.version !== '1.0' && command !== 'CONNECT' && command !== 'STOMP' && command !== 'CONNECTED';
  }

  /** Checks one header line (`colon` is relative to `start`) and stores it for {@link #endHead}. */
  #readHeader(line: Buffer, start: number, end: number, colon: number, backslash: boolean): void {
    if (++this.#headerCount > this.#maxHeaders) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_TOO_MANY_HEADERS,
        `STOMP frame has more headers than maxHeaders (${this.#maxHeaders})`,
      );
    }
    if (colon <= 0) {
      const shown = printable(line.toString('utf8', start, Math.min(end, start + 40)));
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_MALFORMED_HEADER,
        colon < 0
          ? `Malformed STOMP header line "${shown}${end - start > 40 ? '…' : ''}": expected name:value`
          : `Malformed STOMP header line "${shown}${end - start > 40 ? '…' : ''}": the header name is empty`,
      );
    }
    // Escaping cannot produce or hide "content-length" (it has no \\, CR, LF or ':'), so
    // the raw bytes tell whether this is the first content-length header.
    if (colon === CONTENT_LENGTH.length && this.#contentLength < 0 && isContentLength(line, start)) {
      this.#readContentLength(line, start + colon + 1, end);
    }
    if (this.#inChunk) {
      const offsets = this.#offsets;
      const k = this.#offsetCount;
      offsets[k] = start;
      offsets[k + 1] = start + colon;
      offsets[k + 2] = end;
      offsets[k + 3] = backslash ? 1 : 0;
      this.#offsetCount = k + 4;
    } else {
      this.#pushPending(
        line.toString('utf8', start, start + colon),
        line.toString('utf8', start + colon + 1, end),
      );
    }
  }

  #pushPending(name: string, value: string): void {
    const k = this.#pendingCount;
    this.#pending[k] = name;
    this.#pending[k + 1] = value;
    this.#pendingCount = k + 2;
  }

  #readContentLength(line: Buffer, start: number, end: number): void {
    let value = 0;
    for (let k = start; k < end; k++) {
      const digit = (line[k] as number) - 0x30;
      if (digit < 0 || digit > 9) {
        value = -1;
        break;
      }
      value = value * 10 + digit;
    }
    if (value < 0 || end === start) {
      throw new StompProtocolError(
        ErrorCodes.ERR_STOMP_INVALID_CONTENT_LENGTH,
        `Invalid content-length "${printable(line.toString('utf8', start, Math.min(end, start + 40)))}": expected a non-negative decimal integer`,
      );
    }
    // The blank line still to come is one more byte.
    if (this.#frameBytes + 1 + value > this.#maxFrameSize) {
      throw frameTooLarge(this.#maxFrameSize, line.toString('latin1', start, Math.min(end, start + 40)));
    }
    this.#contentLength = value;
  }

  /** The blank line after the headers was read: builds the header map and checks the body size. */
  #endHead(buf: Buffer): void {
    const headers = this.#headers;
    const unescape = this.#unescape;
    if (this.#inChunk) {
      const offsets = this.#offsets;
      const count = this.#offsetCount;
      if (count > 0) {
        const base = offsets[0] as number;
        const byteLength = (offsets[count - 2] as number) - base;
        const text = buf.toString('utf8', base, base + byteLength);
        // Same length: every byte became one character, so byte offsets are string offsets.
        const sameOffsets = text.length === byteLength;
        for (let k = 0; k < count; k += 4) {
          const start = offsets[k] as number;
          const colon = offsets[k + 1] as number;
          const end = offsets[k + 2] as number;
          let name = sameOffsets
            ? text.slice(start - base, colon - base)
            : buf.toString('utf8', start, colon);
          let value = sameOffsets
            ? text.slice(colon + 1 - base, end - base)
            : buf.toString('utf8', colon + 1, end);
          if (unescape && offsets[k + 3] === 1) {
            name = unescapeHeader(name, name);
            value = unescapeHeader(value, name);
          }
          if (headers[name] === undefined) headers[name] = value; // Repeated headers: the first wins.
        }
      }
    } else {
      const pending = this.#pending;
      for (let k = 0; k < this.#pendingCount; k += 2) {
        let name = pending[k] as string;
        let value = pending[k + 1] as string;
        if (unescape) {
          name = unescapeHeader(name, name);
          value = unescapeHeader(value, name);
        }
        if (headers[name] === undefined) headers[name] = value;
      }
      pending.fill('', 0, this.#pendingCount); // Let go of the strings.
    }
    const contentLength = this.#contentLength;
    if (contentLength >= 0) {
      if (this.#frameBytes + contentLength > this.#maxFrameSize) {
        throw frameTooLarge(this.#maxFrameSize, String(contentLength));
      }
      if (contentLength > 0 && !this.#bodyAllowed) throw bodyNotAllowed(this.#command);
    }
    this.#phase = PHASE_BODY;
    this.#bodyLength = 0;
  }

  #readBody(buf: Buffer, pos: number, frames: StompFrame[]): number {
    const length = buf.length;
    const contentLength = this.#contentLength;
    if (contentLength >= 0) {
      const missing = contentLength - this.#bodyLength;
      if (length - pos <= missing) {
        // The body (or its NUL) continues in a later chunk.
        this.#bodyParts.push(buf.subarray(pos, length));
        this.#bodyLength += length - pos;
        return length;
      }
      const end = pos + missing;
      if (buf[end] !== NUL) {
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_MISSING_NUL,
          `STOMP frame is not terminated by a NUL byte after content-length (${contentLength}) body bytes: content-length mismatch`,
        );
      }
      this.#emit(frames, this.#takeBody(buf, pos, end));
      return end + 1;
    }
    if (!this.#bodyAllowed) {
      if (buf[pos] !== NUL) throw bodyNotAllowed(this.#command);
      this.#emit(frames, EMPTY_BODY);
      return pos + 1;
    }
    // Body bytes still allowed before maxFrameSize is passed.
    const allowed = this.#maxFrameSize - this.#frameBytes - this.#bodyLength;
    const nul =
      length - pos > allowed ? buf.subarray(pos, pos + allowed + 1).indexOf(NUL) : buf.indexOf(NUL, pos);
    if (nul < 0) {
      if (length - pos > allowed) throw frameTooLarge(this.#maxFrameSize);
      this.#bodyParts.push(buf.subarray(pos, length));
      this.#bodyLength += length - pos;
      return length;
    }
    const end = length - pos > allowed ? pos + nul : nul;
    this.#emit(frames, this.#takeBody(buf, pos, end));
    return end + 1;
  }

  #takeBody(buf: Buffer, start: number, end: number): Buffer {
    if (this.#bodyParts.length === 0) return end > start ? buf.subarray(start, end) : EMPTY_BODY;
    this.#bodyParts.push(buf.subarray(start, end));
    const body = Buffer.concat(this.#bodyParts, this.#bodyLength + end - start);
    this.#bodyParts = [];
    return body;
  }

  #emit(frames: StompFrame[], body: Buffer): void {
    frames.push({ command: this.#command as StompCommand, headers: this.#headers, body });
    this.#phase = PHASE_EOL;
    this.#cr = false;
    this.#bodyLength = 0;
  }

  /** Drops buffered input once the decoder is poisoned. */
  #release(): void {
    this.#lineParts = [];
    this.#offsets = [];
    this.#pending = [];
    this.#bodyParts = [];
    this.#headers = createHeaders();
  }
}

function isContentLength(line: Buffer, start: number): boolean {
  for (let k = 0; k < CONTENT_LENGTH.length; k++) {
    if (line[start + k] !== CONTENT_LENGTH[k]) return false;
  }
  return true;
}

function limitOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw createError(
      ErrorCodes.ERR_INVALID_OPTION,
      `Invalid decoder option ${name}: ${String(value)} (expected a positive number)`,
    );
  }
  return value;
}

/**
 * Undoes STOMP 1.1/1.2 header escaping. `\r` is accepted for 1.1 too (it is only defined
 * by 1.2), as Spring does; any other escape, or a trailing lone backslash, is an error.
 */
function unescapeHeader(text: string, name: string): string {
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
        throw new StompProtocolError(
          ErrorCodes.ERR_STOMP_INVALID_ESCAPE,
          slash + 1 >= text.length
            ? `Invalid escape in STOMP header "${printable(name.slice(0, 40))}": lone backslash at the end`
            : `Invalid escape sequence "\\${printable(text.charAt(slash + 1))}" in STOMP header "${printable(name.slice(0, 40))}" (defined: \\r \\n \\c \\\\)`,
        );
    }
    from = slash + 2;
    slash = text.indexOf('\\', from);
  }
  return out + text.slice(from);
}

/** Makes arbitrary text safe to show in an error message: control and non-ASCII characters are escaped. */
function printable(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) out += text.charAt(i);
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}

function error(code: ErrorCode, message: string): StompProtocolError {
  return new StompProtocolError(code, message);
}

function loneCr(): StompProtocolError {
  return error(
    ErrorCodes.ERR_STOMP_INVALID_EOL,
    'Invalid line ending in STOMP frame: CR must be followed by LF',
  );
}

function unknownCommand(line: Buffer, start: number, end: number, detail: string): StompProtocolError {
  const shown = printable(line.toString('latin1', start, Math.min(end, start + 40)));
  return error(
    ErrorCodes.ERR_STOMP_UNKNOWN_COMMAND,
    `Unknown STOMP command "${shown}${end - start > 40 ? '…' : ''}"${detail}`,
  );
}

function nulInHead(command: StompCommand): StompProtocolError {
  return error(
    ErrorCodes.ERR_STOMP_MALFORMED_HEADER,
    `NUL byte in the headers of a ${command} frame (is the blank line before the body missing?)`,
  );
}

function frameTooLarge(max: number, contentLength?: string): StompProtocolError {
  return error(
    ErrorCodes.ERR_STOMP_FRAME_TOO_LARGE,
    contentLength === undefined
      ? `STOMP frame exceeds maxFrameSize (${max} bytes)`
      : `STOMP frame exceeds maxFrameSize (${max} bytes): content-length is ${printable(contentLength.slice(0, 40))}`,
  );
}

function bodyNotAllowed(command: StompCommand | undefined): StompProtocolError {
  return error(
    ErrorCodes.ERR_STOMP_BODY_NOT_ALLOWED,
    `A ${String(command)} frame must not have a body (only SEND, MESSAGE and ERROR frames may)`,
  );
}
