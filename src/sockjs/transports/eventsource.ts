import { receivingTransport } from './receiving-transport.js';

/** `eventsource`: GET, Server-Sent Events with one frame per `data:` event. */
export const eventSource = receivingTransport('eventsource', 'GET', {
  contentType: 'text/event-stream',
  prelude: () => '\r\n',
  wrap: (frame) => `data: ${frame}\r\n\r\n`,
  streaming: true,
});
