import type http from 'node:http';
import { decodeMessages } from './frames.js';
import { serverError } from './http-helpers.js';

/**
 * Reads an `xhr_send` / `jsonp_send` body (at most `limit` bytes, else 413 naming the limit),
 * answers as the protocol says (204, or 200 `ok` for JSONP; 500 `Payload expected.` or
 * `Broken JSON encoding.`), and hands the decoded messages on.
 */
export function acceptMessages(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  limit: number,
  jsonp: boolean,
  deliver: (messages: string[]) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size <= limit) {
      chunks.push(chunk);
      return;
    }
    chunks.length = 0;
    req.off('data', onData);
    res
      .writeHead(413, { 'content-type': 'text/plain;charset=UTF-8', connection: 'close' })
      .end(`Payload over maxRequestBodySize (${limit} bytes)\n`);
    // Discard the rest briefly so the client can read the answer, then drop the connection.
    req.resume();
    res.on('finish', () => setTimeout(() => req.destroy(), 1000).unref());
  };
  req.on('data', onData);
  req.on('end', () => {
    if (res.headersSent) return;
    let payload = Buffer.concat(chunks).toString('utf8');
    if (jsonp && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      payload = new URLSearchParams(payload).get('d') ?? '';
    }
    const messages = decodeMessages(payload);
    if (messages === 'empty') return serverError(res, 'Payload expected.');
    if (messages === 'broken') return serverError(res, 'Broken JSON encoding.');
    if (jsonp) res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' }).end('ok');
    else res.writeHead(204, { 'content-type': 'text/plain;charset=UTF-8' }).end();
    deliver(messages);
  });
  req.on('error', () => {});
}
