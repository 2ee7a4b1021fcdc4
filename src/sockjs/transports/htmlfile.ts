import { quote } from '../frames.js';
import { receivingTransport } from './receiving-transport.js';

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

/**
 * `htmlfile`: GET, a page that streams one `<script>` per frame, each calling the function the
 * client named in `?c=` on its parent window.
 */
export const htmlFile = receivingTransport('htmlfile', 'GET', {
  contentType: 'text/html;charset=UTF-8',
  callback: true,
  // Padded past 1 KiB so that browsers start rendering (and running the scripts) at once.
  prelude: (callback) => {
    const head = HTMLFILE_HEAD.replace('{{callback}}', callback ?? '');
    return `${head}${' '.repeat(Math.max(0, 1024 - head.length + 14))}\r\n\r\n`;
  },
  wrap: (frame) => `<script>\np(${quote(frame)});\n</script>\r\n`,
  streaming: true,
});
