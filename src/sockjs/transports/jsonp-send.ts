import { sendingTransport } from './sending-transport.js';

/**
 * `jsonp_send`: POST the JSON array of messages, as the body or, from the form the client
 * submits, as its `d` field; 200 `ok` once accepted.
 */
export const jsonpSend = sendingTransport('jsonp_send', {
  payload: (body, req) =>
    (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      ? (new URLSearchParams(body).get('d') ?? '')
      : body,
  accepted: (res) => void res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' }).end('ok'),
});
