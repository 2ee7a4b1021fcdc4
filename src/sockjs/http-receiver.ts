import type http from 'node:http';
import { quote } from './frames.js';
import type { Receiver } from './session.js';

/** How one HTTP transport frames its response. */
export interface HttpTransportFormat {
  readonly contentType: string;
  /** Written once before the first frame (e.g. 2048 × 'h' for xhr_streaming). */
  readonly prelude?: (callback: string | undefined) => string;
  /** Wraps one frame for the wire. */
  readonly wrap: (frame: string, callback: string | undefined) => string;
  /** Streaming keeps the response open for many frames; polling answers one. */
  readonly streaming: boolean;
}

/**
 * A receiver over one HTTP response. Polling receivers end after one frame; streaming ones end
 * once `responseLimit` bytes have gone out (the client opens a new request), so proxies never
 * buffer an endless response.
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

const HTMLFILE_HEAD = `<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.{{callback}};
    c.start();
    function p(d) {c.message(d);};
    window.onload = function() {c.stop();};
  </script>`;

/** The receiving HTTP transports of the SockJS protocol. */
export const HTTP_FORMATS = {
  xhr: {
    contentType: 'application/javascript;charset=UTF-8',
    wrap: (frame) => `${frame}\n`,
    streaming: false,
  },
  xhr_streaming: {
    contentType: 'application/javascript;charset=UTF-8',
    prelude: () => `${'h'.repeat(2048)}\n`,
    wrap: (frame) => `${frame}\n`,
    streaming: true,
  },
  eventsource: {
    contentType: 'text/event-stream',
    prelude: () => '\r\n',
    wrap: (frame) => `data: ${frame}\r\n\r\n`,
    streaming: true,
  },
  htmlfile: {
    contentType: 'text/html;charset=UTF-8',
    // Padded past 1 KiB so that browsers start rendering (and running the scripts) at once.
    prelude: (callback) => {
      const head = HTMLFILE_HEAD.replace('{{callback}}', callback ?? '');
      return `${head}${' '.repeat(Math.max(0, 1024 - head.length + 14))}\r\n\r\n`;
    },
    wrap: (frame) => `<script>\np(${quote(frame)});\n</script>\r\n`,
    streaming: true,
  },
  jsonp: {
    contentType: 'application/javascript;charset=UTF-8',
    wrap: (frame, callback) => `/**/${callback ?? ''}(${quote(frame)});\r\n`,
    streaming: false,
  },
} satisfies Record<string, HttpTransportFormat>;

export type HttpTransportName = keyof typeof HTTP_FORMATS;
