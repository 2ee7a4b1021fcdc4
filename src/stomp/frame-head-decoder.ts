import type { CommandTable } from './command-table.js';
import { matchCommand } from './command-table.js';
import type { DecoderLimits } from './decoder-limits.js';
import {
  bodyNotAllowed,
  frameTooLarge,
  invalidContentLength,
  lineTooLong,
  loneCr,
  malformedHeader,
  nulInHead,
  tooManyHeaders,
  unknownCommand,
} from './decoder-errors.js';
import type { StompCommand, StompHeaders, StompVersion } from './frame.js';
import { allowsBody, createHeaders } from './frame.js';
import { escapesHeaders, unescapeHeader } from './header-escaping.js';

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

const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');

/**
 * Decodes the head of one frame (its command line, header lines and the blank line that ends
 * them) from bytes that may arrive in any number of chunks, and enforces maxHeaders,
 * maxHeaderLineLength and, up to the body, maxFrameSize. Header names and values are
 * unescaped by version. `StompDecoder` drives it and reads the body itself.
 */
export class FrameHeadDecoder {
  readonly #maxFrameSize: number;
  readonly #maxHeaders: number;
  readonly #maxLine: number;
  readonly #commands: CommandTable;

  /** The blank line after the headers was read: the head is complete. */
  #complete = false;
  /** The last byte seen was a CR inside a head line. */
  #cr = false;
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
  /** Bytes of the current frame before the current head line (once complete: the whole head). */
  #frameBytes = 0;

  // The head line being decoded, when it spans chunks.
  #lineParts: Buffer[] = [];
  #lineLength = 0;
  #colon = -1;
  #backslash = false;

  constructor(limits: DecoderLimits) {
    this.#maxFrameSize = limits.maxFrameSize;
    this.#maxHeaders = limits.maxHeaders;
    this.#maxLine = limits.maxHeaderLineLength;
    this.#commands = limits.commands;
  }

  /** Whether the head is complete: command, headers and content-length below are final. */
  get complete(): boolean {
    return this.#complete;
  }

  /** The frame's command (once the command line is read). */
  get command(): StompCommand | undefined {
    return this.#command;
  }

  /** The frame's headers (complete once {@link complete}). Repeated headers: the first wins. */
  get headers(): StompHeaders {
    return this.#headers;
  }

  /** The first content-length header's value; -1 when there is none. */
  get contentLength(): number {
    return this.#contentLength;
  }

  /** Whether the command may carry a body (SEND, MESSAGE, ERROR). */
  get bodyAllowed(): boolean {
    return this.#bodyAllowed;
  }

  /** Bytes of the head read so far; once complete, the whole head with its blank line. */
  get frameBytes(): number {
    return this.#frameBytes;
  }

  /** Starts a new frame; its first byte is the next one read. */
  start(): void {
    this.#complete = false;
    this.#cr = false;
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
   * Reads head bytes of `buf` from `pos`; returns the offset after the blank line that ends
   * the head ({@link complete} is then true), or `buf.length` when the head goes on. `version`
   * is the negotiated one at the time the command line is read; it decides the unescaping.
   *
   * The loop looks at every byte once (header bytes are few; a table lookup per byte beats
   * several native `indexOf` calls per line) and raises each error at the byte where it
   * becomes certain; size limits are checked only from the offset (`stop`) where one could
   * be reached.
   */
  read(buf: Buffer, pos: number, version: StompVersion | undefined): number {
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
          this.#readCommand(line, start, start + contentLength, version);
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

  /** Drops buffered input (the decoder is poisoned). */
  release(): void {
    this.#lineParts = [];
    this.#offsets = [];
    this.#pending = [];
    this.#headers = createHeaders();
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
      throw lineTooLong(this.#command === undefined, this.#maxLine);
    }
  }

  #readCommand(line: Buffer, start: number, end: number, version: StompVersion | undefined): void {
    const command = matchCommand(this.#commands, line, start, end);
    if (command === undefined) throw unknownCommand(line, start, end, '');
    this.#command = command;
    this.#bodyAllowed = allowsBody(command);
    this.#unescape = escapesHeaders(version, command);
  }

  /** Checks one header line (`colon` is relative to `start`) and stores it for {@link #endHead}. */
  #readHeader(line: Buffer, start: number, end: number, colon: number, backslash: boolean): void {
    if (++this.#headerCount > this.#maxHeaders) throw tooManyHeaders(this.#maxHeaders);
    if (colon <= 0) throw malformedHeader(line, start, end, colon);
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
    if (value < 0 || end === start) throw invalidContentLength(line, start, end);
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
    this.#complete = true;
  }
}

function isContentLength(line: Buffer, start: number): boolean {
  for (let k = 0; k < CONTENT_LENGTH.length; k++) {
    if (line[start + k] !== CONTENT_LENGTH[k]) return false;
  }
  return true;
}
