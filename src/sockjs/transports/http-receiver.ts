import type http from 'node:http';
import type { Receiver } from '../session.js';

/** How one receiving HTTP transport frames its response. */
export interface HttpTransportFormat {
  readonly contentType: string;
  /** The response calls a function the client names (`?c=` or `?callback=`): htmlfile, jsonp. */
  readonly callback?: boolean;
  /** Written once before the first frame (e.g. 2048 × 'h' for xhr_streaming). */
  readonly prelude?: (callback: string | undefined) => string;
  /** Wraps one frame for the wire. */
  readonly wrap: (frame: string, callback: string | undefined) => string;
  /** Streaming keeps the response open for many frames; polling answers one. */
  readonly streaming: boolean;
}

/**
 * The writer every receiving HTTP transport shares: a receiver over one HTTP response. Polling
 * receivers end after one frame; streaming ones end once `responseLimit` bytes have gone out
 * (the client opens a new request), so proxies never buffer an endless response.
 */
export class HttpReceiver implements Receiver {
  readonly #res: http.ServerResponse;
  readonly #format: HttpTransportFormat;
  readonly #callback: string | undefined;
  readonly #responseLimit: number;
  #written = 0;
  #ended = false;

  constructor(
    res: http.ServerResponse,
    format: HttpTransportFormat,
    callback: string | undefined,
    responseLimit: number,
  ) {
    this.#res = res;
    this.#format = format;
    this.#callback = callback;
    this.#responseLimit = responseLimit;
    const prelude = format.prelude?.(callback);
    if (prelude) res.write(prelude);
  }

  get bufferedAmount(): number {
    return this.#res.writableLength;
  }

  get ended(): boolean {
    return this.#ended;
  }

  sendFrame(frame: string): boolean {
    if (this.#ended) return false;
    const data = this.#format.wrap(frame, this.#callback);
    this.#written += Buffer.byteLength(data);
    this.#res.write(data);
    return this.#format.streaming && this.#written < this.#responseLimit;
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#res.end();
  }
}
