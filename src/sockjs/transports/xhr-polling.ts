import { receivingTransport } from './receiving-transport.js';

/** `xhr`: POST, answered with one frame per request (`o\n`, `a[...]\n`, ...). */
export const xhrPolling = receivingTransport('xhr', 'POST', {
  contentType: 'application/javascript;charset=UTF-8',
  wrap: (frame) => `${frame}\n`,
  streaming: false,
});
