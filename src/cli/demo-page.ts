import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Finds the stompjs browser bundle in node_modules; undefined when it is not installed. */
function loadStompBundle(): Buffer | undefined {
  try {
    const require = createRequire(import.meta.url);
    let dir = path.dirname(require.resolve('@stomp/stompjs'));
    for (let i = 0; i < 4; i++) {
      try {
        return readFileSync(path.join(dir, 'bundles', 'stomp.umd.min.js'));
      } catch {
        dir = path.dirname(dir);
      }
    }
  } catch {
    // not installed
  }
  return undefined;
}

/**
 * The standalone server's page at `/`: a small chat over STOMP (`/topic/chat`) and an echo
 * through an application handler (`/app/echo` → `/topic/echo`). The client library is
 * served locally, never from a CDN.
 */
export function demoPage(stompPath: string): http.RequestListener {
  const bundle = loadStompBundle();
  const html = Buffer.from(page(stompPath), 'utf8');
  return (req, res) => {
    const url = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('Method not allowed\n');
      return;
    }
    if (url === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': html.length })
        .end(html);
      return;
    }
    if (url === '/lib/stomp.umd.min.js' && bundle) {
      res
        .writeHead(200, {
          'content-type': 'application/javascript; charset=utf-8',
          'content-length': bundle.length,
        })
        .end(bundle);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
  };
}

function page(stompPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Switchboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .status { font-size: .9rem; color: #667; }
  .status.ok { color: #17803d; }
  form { display: flex; gap: .5rem; margin: 1rem 0; }
  input { flex: 1; padding: .45rem .6rem; border: 1px solid #c6cbd6; border-radius: 6px; font: inherit; }
  button { padding: .45rem 1rem; border: 0; border-radius: 6px; background: #2456d6; color: #fff; font: inherit; cursor: pointer; }
  ul { list-style: none; padding: 0; border-top: 1px solid #e4e7ee; }
  li { padding: .35rem 0; border-bottom: 1px solid #e4e7ee; }
  code { background: #f2f4f8; padding: 0 .25rem; border-radius: 4px; }
</style>
</head>
<body>
<h1>Switchboard</h1>
<p class="status" id="status">Connecting to <code>${stompPath}</code>…</p>
<p>Messages typed here are SENT to <code>/topic/chat</code>; every open page is subscribed to it.</p>
<form id="form"><input id="text" autocomplete="off" placeholder="Say something" required><button>Send</button></form>
<ul id="log"></ul>
<script src="/lib/stomp.umd.min.js"></script>
<script>
  const status = document.getElementById('status');
  const log = document.getElementById('log');
  if (!window.StompJs) {
    status.textContent = 'The @stomp/stompjs bundle is not installed (npm install).';
  } else {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + ${JSON.stringify(stompPath)};
    const client = new StompJs.Client({ brokerURL: url, reconnectDelay: 2000 });
    client.onConnect = (frame) => {
      status.textContent = 'Connected (STOMP ' + frame.headers.version + ', session ' + frame.headers.session + ')';
      status.className = 'status ok';
      client.subscribe('/topic/chat', (message) => {
        const li = document.createElement('li');
        li.textContent = message.body;
        log.prepend(li);
      });
    };
    client.onWebSocketClose = () => { status.textContent = 'Disconnected; retrying…'; status.className = 'status'; };
    client.activate();
    document.getElementById('form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = document.getElementById('text');
      if (client.connected) client.publish({ destination: '/topic/chat', body: input.value });
      input.value = '';
    });
  }
</script>
</body>
</html>
`;
}
