import { bodyNotAllowed, frameTooLarge, loneCr, missingNul } from './decoder-errors.js';
import { resolveDecoderLimits } from './decoder-limits.js';
import { FrameHeadDecoder } from './frame-head-decoder.js';
import type { StompCommand, StompFrame, StompVersion } from './frame.js';

/** Options of a {@link StompDecoder}. */
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

/** Between frames: EOLs are heart-beats. */
const PHASE_EOL = 0;
/** Reading the command line and the header lines. */
const PHASE_HEAD = 1;
/** Reading the body and its NUL terminator. */
const PHASE_BODY = 2;

const EMPTY_BODY = Buffer.alloc(0);

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
 *
 * This class frames the byte stream: heart-beats between frames, then the head (read by a
 * `FrameHeadDecoder`), then the body, delimited by content-length or by the NUL byte.
 */
export class StompDecoder {
  /**
   * Negotiated protocol version; set by the protocol handler after CONNECT.
   * `undefined` (not negotiated yet) unescapes headers like 1.1/1.2, except on
   * CONNECT, STOMP and CONNECTED frames, which are never unescaped.
   */
  version: StompVersion | undefined = undefined;

  readonly #maxFrameSize: number;
  readonly #onHeartbeat: (() => void) | undefined;
  readonly #head: FrameHeadDecoder;

  /** Set by the first error; every later decode() rethrows it. */
  #failure: { error: unknown } | undefined = undefined;
  #phase = PHASE_EOL;
  /** Between frames, the last byte seen was a CR. */
  #cr = false;

  // The body being decoded, when it spans chunks.
  #bodyParts: Buffer[] = [];
  #bodyLength = 0;

  constructor(options: StompDecoderOptions = {}) {
    const limits = resolveDecoderLimits(options);
    this.#maxFrameSize = limits.maxFrameSize;
    this.#head = new FrameHeadDecoder(limits);
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
        this.#phase = PHASE_HEAD;
        this.#head.start();
        return pos;
      }
    }
    return pos;
  }

  #readHead(buf: Buffer, pos: number): number {
    const head = this.#head;
    const next = head.read(buf, pos, this.version);
    if (head.complete) {
      this.#phase = PHASE_BODY;
      this.#bodyLength = 0;
    }
    return next;
  }

  #readBody(buf: Buffer, pos: number, frames: StompFrame[]): number {
    const head = this.#head;
    const length = buf.length;
    const contentLength = head.contentLength;
    if (contentLength >= 0) {
      const missing = contentLength - this.#bodyLength;
      if (length - pos <= missing) {
        // The body (or its NUL) continues in a later chunk.
        this.#bodyParts.push(buf.subarray(pos, length));
        this.#bodyLength += length - pos;
        return length;
      }
      const end = pos + missing;
      if (buf[end] !== NUL) throw missingNul(contentLength);
      this.#emit(frames, this.#takeBody(buf, pos, end));
      return end + 1;
    }
    if (!head.bodyAllowed) {
      if (buf[pos] !== NUL) throw bodyNotAllowed(head.command);
      this.#emit(frames, EMPTY_BODY);
      return pos + 1;
    }
    // Body bytes still allowed before maxFrameSize is passed.
    const allowed = this.#maxFrameSize - head.frameBytes - this.#bodyLength;
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
    const head = this.#head;
    frames.push({ command: head.command as StompCommand, headers: head.headers, body });
    this.#phase = PHASE_EOL;
    this.#cr = false;
    this.#bodyLength = 0;
  }

  /** Drops buffered input once the decoder is poisoned. */
  #release(): void {
    this.#head.release();
    this.#bodyParts = [];
  }
}
