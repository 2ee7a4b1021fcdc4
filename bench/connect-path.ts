/**
 * The STOMP connect path alone, in-process (no sockets): a session opens and sends CONNECT, the
 * server answers CONNECTED, and the session is kept (as an idle session is). Prints the CPU per
 * connect over successive bands, which shows how long the JIT takes to optimize the path (see
 * docs/performance.md, "Lean sessions").
 * Usage: tsx bench/connect-path.ts [connects, default 10000]
 */
import { createStompServer } from '../src/index.js';
import type { Principal } from '../src/messaging/message.js';
import type { Session } from '../src/websocket/handler.js';
import type { OutboundMessage } from '../src/websocket/outbound-message.js';
import { newSessionId } from '../src/websocket/session-id.js';

const URI = new URL('ws://localhost/stomp');
let answered = 0;

/** A transport session as the WebSocket endpoint makes it: attributes made on first use. */
class IdleSession implements Session {
  readonly id = newSessionId();
  readonly transport = 'websocket' as const;
  readonly uri = URI;
  readonly handshakeHeaders = {};
  readonly remoteAddress = '127.0.0.1';
  readonly protocol = 'v12.stomp';
  principal: Principal | undefined = undefined;
  isOpen = true;
  bufferedAmount = 0;
  #attributes: Map<string, unknown> | undefined;

  get attributes(): Map<string, unknown> {
    return (this.#attributes ??= new Map());
  }

  get attributesIfAny(): Map<string, unknown> | undefined {
    return this.#attributes;
  }

  send(_message: OutboundMessage): boolean {
    answered++;
    return true;
  }

  close(): void {
    this.isOpen = false;
  }
}

const server = createStompServer({ path: '/stomp', heartbeat: [0, 0] });
const handler = server.handler;
const connect = Buffer.from('CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\0');
const count = Number(process.argv[2] ?? 10_000);
const bands = [50, 200, 500, 1000, 2500, 5000, 10_000, 20_000, 50_000].filter((n) => n < count);
bands.push(count);

const sessions: IdleSession[] = [];
console.log('| connects | CPU µs per connect |\n|---|---:|');
let from = 0;
let cpu = process.cpuUsage();
for (const upTo of bands) {
  for (let i = from; i < upTo; i++) {
    const session = new IdleSession();
    sessions.push(session);
    handler.onOpen(session);
    handler.onMessage(session, connect);
  }
  const used = process.cpuUsage(cpu);
  console.log(`| ${from}–${upTo} | ${((used.user + used.system) / (upTo - from)).toFixed(1)} |`);
  from = upTo;
  cpu = process.cpuUsage();
}
if (answered !== count) throw new Error(`${answered} CONNECTED frames for ${count} CONNECTs`);
await server.close();
