import type http from 'node:http';
import { decodeMessages } from '../frames.js';
import { notFound, serverError } from '../http-helpers.js';
import type { SendingTransportName, Transport } from './transport.js';

/** How one sending transport carries its messages and acknowledges them. */
export interface SendFormat {
  /** The JSON array of messages, out of the request body. */
  readonly payload: (body: string, req: http.IncomingMessage) => string;
  /** The answer once the messages are accepted. */
  readonly accepted: (res: http.ServerResponse) => void;
}

/**
 * A transport whose POSTs carry messages to an existing session of the same client (else 404):
 * the body is read up to maxRequestBodySize (else 413 naming the limit), decoded (else 500
 * `Payload expected.` or `Broken JSON encoding.`), acknowledged, then handed to the session.
 */
export function sendingTransport(name: SendingTransportName, format: SendFormat): Transport {
  return {
    name,
    method: 'POST',
    handle(req, res, sessionId, _url, sessions) {
      const session = sessions.sending(req, sessionId);
      if (session === undefined) return notFound(res);
      acceptMessages(req, res, sessions.maxRequestBodySize, format, (messages) => session.receive(messages));
    },
  };
}

function acceptMessages(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  limit: number,
  format: SendFormat,
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
    const messages = decodeMessages(format.payload(Buffer.concat(chunks).toString('utf8'), req));
    if (messages === 'empty') return serverError(res, 'Payload expected.');
    if (messages === 'broken') return serverError(res, 'Broken JSON encoding.');
    format.accepted(res);
    deliver(messages);
  });
  req.on('error', () => {});
}
