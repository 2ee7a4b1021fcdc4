import { sendingTransport } from './sending-transport.js';

/** `xhr_send`: POST a JSON array of messages; 204 once accepted. */
export const xhrSend = sendingTransport('xhr_send', {
  payload: (body) => body,
  accepted: (res) => void res.writeHead(204, { 'content-type': 'text/plain;charset=UTF-8' }).end(),
});
