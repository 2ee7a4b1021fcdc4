import { receivingTransport } from './receiving-transport.js';

/**
 * `xhr_streaming`: POST, one frame a line on a response that stays open. 2 KiB of `h` go first,
 * so that browsers that buffer the start of a response hand the frames over at once.
 */
export const xhrStreaming = receivingTransport('xhr_streaming', 'POST', {
  contentType: 'application/javascript;charset=UTF-8',
  prelude: () => `${'h'.repeat(2048)}\n`,
  wrap: (frame) => `${frame}\n`,
  streaming: true,
});
