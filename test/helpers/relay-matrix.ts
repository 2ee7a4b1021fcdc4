import { after } from 'node:test';
import type { TestContext } from 'node:test';
import type { Client, IFrame, IMessage } from '@stomp/stompjs';
import { Versions } from '@stomp/stompjs';
import type {
  HandshakeDecision,
  HandshakeRequest,
  RelayConfig,
  StompServer,
  StompServerOptions,
} from '../../src/index.js';
import { createStompServer } from '../../src/index.js';
import type { BrokerTarget } from './brokers.js';
import { relayTo } from './brokers.js';
import { eventually, within } from './server.js';
import type { Inbox } from './stompjs.js';
import { connectStompJs } from './stompjs.js';

/** The relay's modes: one broker connection per client session, or a few shared ones. */
export type RelayMode = 'per-session' | 'shared';

/** The modes the matrix runs. */
export const RELAY_MODES: readonly RelayMode[] = ['per-session', 'shared'];

/** The STOMP versions clients are forced to. */
export const CLIENT_VERSIONS = ['1.0', '1.1', '1.2'] as const;
/** A client's STOMP version. */
export type ClientVersion = (typeof CLIENT_VERSIONS)[number];

/** The relay options that select `mode` (named even for the default, so each row is what it says). */
export function modeOptions(mode: RelayMode): RelayConfig {
  return { mode };
}

/** `?user=name` on the WebSocket URL names the session's user (user destinations). */
const userFromQuery = {
  beforeHandshake(request: HandshakeRequest): HandshakeDecision {
    const user = request.query.get('user');
    if (user !== null) request.setPrincipal({ name: user });
    return true;
  },
};

/** A server of the matrix: its URL and the server itself. */
export interface MatrixServer {
  readonly url: string;
  readonly server: StompServer;
}

/**
 * Relay servers shared by the tests of one file (one per broker, mode and variant), started on
 * first use and closed when the file is done: tests keep apart by unique destination names.
 * Construct it at the top level of a test file.
 */
export class MatrixServers {
  readonly #servers = new Map<string, Promise<MatrixServer>>();

  constructor() {
    after(async () => {
      const servers = await Promise.allSettled([...this.#servers.values()]);
      for (const s of servers) if (s.status === 'fulfilled') await s.value.server.close();
    });
  }

  /** The server for `broker` in `mode`; `variant` tells apart servers with other options. */
  get(
    broker: BrokerTarget,
    mode: RelayMode,
    variant = 'main',
    relay: RelayConfig = {},
    options: StompServerOptions = {},
  ): Promise<MatrixServer> {
    const key = `${broker.name}/${mode}/${variant}`;
    let server = this.#servers.get(key);
    if (server === undefined) {
      server = start(broker, mode, relay, options);
      this.#servers.set(key, server);
    }
    return server;
  }
}

async function start(
  broker: BrokerTarget,
  mode: RelayMode,
  relay: RelayConfig,
  options: StompServerOptions,
): Promise<MatrixServer> {
  const server = createStompServer({
    heartbeat: [0, 0],
    handshakeInterceptors: [userFromQuery],
    ...options,
    broker: { relay: relayTo(broker, { ...modeOptions(mode), ...relay }) },
  });
  const { url } = await server.listen(0, '127.0.0.1');
  await eventually(() => server.broker.available, 10_000, `the relay to connect to ${broker.name}`);
  return { url, server };
}

/** What a client saw of its end: the broker's (or the server's) ERROR, and the close. */
export interface ClientEnd {
  readonly error: Promise<IFrame>;
  readonly closed: Promise<void>;
}

/**
 * A `@stomp/stompjs` client forced to STOMP `version`, deactivated when the test ends. `end`
 * resolves with the ERROR frame it gets and when its WebSocket closes.
 */
export async function versionClient(
  t: TestContext,
  url: string,
  version: ClientVersion,
  user?: string,
): Promise<{ client: Client; end: ClientEnd }> {
  const address = user === undefined ? url : `${url}?user=${encodeURIComponent(user)}`;
  const { client, connected } = await connectStompJs(address, { stompVersions: new Versions([version]) });
  t.after(() => client.deactivate());
  if (connected.headers.version !== version) {
    throw new Error(`asked for STOMP ${version}, the server answered ${connected.headers.version}`);
  }
  const error = new Promise<IFrame>((resolve) => (client.onStompError = resolve));
  const closed = new Promise<void>((resolve) => (client.onWebSocketClose = () => resolve()));
  // A rejection nobody waits for must not fail the run.
  error.catch(() => {});
  return { client, end: { error, closed } };
}

/** Publishes and waits for the broker's receipt (so what follows is ordered after it). */
export async function publishConfirmed(
  client: Client,
  destination: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<void> {
  const receipt = `p-${Math.random().toString(36).slice(2)}`;
  const done = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
  if (typeof body === 'string') client.publish({ destination, body, headers: { ...headers, receipt } });
  else client.publish({ destination, binaryBody: body, headers: { ...headers, receipt } });
  await within(done, 5000, `receipt for SEND to ${destination}`);
}

/** Bodies of the messages an inbox holds. */
export function bodies(inbox: Inbox): string[] {
  return inbox.messages.map((m: IMessage) => m.body);
}
