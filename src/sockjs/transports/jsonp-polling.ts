import { quote } from '../frames.js';
import { receivingTransport } from './receiving-transport.js';

/** `jsonp`: GET, answered with one frame per request as a call of the function named in `?c=`. */
export const jsonpPolling = receivingTransport('jsonp', 'GET', {
  contentType: 'application/javascript;charset=UTF-8',
  callback: true,
  wrap: (frame, callback) => `/**/${callback ?? ''}(${quote(frame)});\r\n`,
  streaming: false,
});
