/**
 * A minimal SockJS xhr-streaming subscriber for load generation: one streaming POST (reopened
 * when the server ends it at its stream limit) and xhr_send for CONNECT and SUBSCRIBE. Calls
 * `onMessage` with each STOMP MESSAGE frame's text.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** Connects, subscribes `destination` (waiting for the receipt), then streams until `stop()`. */
export async function subscribeXhrStreaming(
  port: number,
  prefix: string,
  destination: string,
  onMessage: (frame: string) => void,
): Promise<{ stop: () => void }> {
  const base = `http://127.0.0.1:${port}${prefix}/000/${randomBytes(8).toString('hex')}`;
  let stopped = false;
  let current: http.ClientRequest | undefined;
  let onReceipt!: () => void;
  const receipt = new Promise<void>((resolve) => (onReceipt = resolve));
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));

  const onFrame = (frame: string): void => {
    if (frame === 'o') return opened();
    if (frame[0] !== 'a') return;
    for (const stomp of JSON.parse(frame.slice(1)) as string[]) {
      if (stomp.startsWith('MESSAGE')) onMessage(stomp);
      else if (stomp.startsWith('RECEIPT')) onReceipt();
    }
  };
  const stream = (): void => {
    if (stopped) return;
    current = http.request(`${base}/xhr_streaming`, { method: 'POST', agent }, (res) => {
      let buffer = '';
      let prelude = true;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const frame = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (prelude) prelude = false;
          else onFrame(frame);
        }
      });
      res.on('end', stream);
    });
    current.on('error', () => {});
    current.end();
  };
  stream();
  await open;
  const frames = [
    'CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0',
    `SUBSCRIBE\nid:sub-0\ndestination:${destination}\nreceipt:s\n\n\0`,
  ];
  await post(`${base}/xhr_send`, JSON.stringify(frames));
  await receipt;
  return {
    stop: () => {
      stopped = true;
      current?.destroy();
    },
  };
}

function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}
