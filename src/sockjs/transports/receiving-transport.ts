import type http from 'node:http';
import { serverError } from '../http-helpers.js';
import type { SockJsSession } from '../session.js';
import type { HttpTransportFormat } from './http-receiver.js';
import { HttpReceiver } from './http-receiver.js';
import type { ReceivingTransportName, Transport } from './transport.js';

const CALLBACK = /^[a-zA-Z0-9_.-]+$/;

/**
 * A transport whose requests receive frames, written in `format`: each request becomes the
 * session's receiver (opening the session on the first) until the poll is answered, the stream
 * reaches its byte limit, or the client goes away.
 */
export function receivingTransport(
  name: ReceivingTransportName,
  method: 'GET' | 'POST',
  format: HttpTransportFormat,
): Transport {
  return {
    name,
    method,
    handle(req, res, sessionId, url, sessions) {
      let callback: string | undefined;
      if (format.callback === true) {
        callback = url.searchParams.get('c') ?? url.searchParams.get('callback') ?? undefined;
        if (callback === undefined || callback === '')
          return serverError(res, '"callback" parameter required');
        if (!CALLBACK.test(callback)) return serverError(res, 'invalid "callback" parameter');
      }
      sessions.receiving(req, res, sessionId, name, (session) =>
        receive(req, res, session, format, callback, sessions.streamBytesLimit),
      );
    },
  };
}

function receive(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  session: SockJsSession,
  format: HttpTransportFormat,
  callback: string | undefined,
  streamBytesLimit: number,
): void {
  res.writeHead(200, { 'content-type': format.contentType });
  res.flushHeaders(); // the client learns at once that its request is the receiver
  req.socket.setNoDelay(true);
  const receiver = new HttpReceiver(res, format, callback, streamBytesLimit);
  res.on('close', () => {
    if (receiver.ended) session.detached(receiver);
    else session.interrupted(receiver);
  });
  session.attach(receiver);
}
