import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import type { RelayConfig } from '../../src/index.js';

const exec = promisify(execFile);

/** A queue as the broker reports it. */
export interface BrokerQueue {
  readonly name: string;
  readonly messages: number;
  readonly consumers: number;
}

/**
 * A broker-side ERROR that concerns one client: the relay options that make it possible, and
 * the one frame a client sends to get it. The same frame from other clients of the same server
 * would be fine but for `destination`.
 */
export interface BrokerErrorScenario {
  /** What the scenario shows (test names). */
  readonly what: string;
  /** Relay options of the server (e.g. a broker login with restricted rights). */
  readonly relay: RelayConfig;
  /** Makes the broker ready for it (idempotent). */
  readonly prepare: () => Promise<void>;
  /** The offending frame, for a fresh destination name `name`. */
  readonly frame: (name: string) => {
    command: 'SEND' | 'SUBSCRIBE';
    destination: string;
    headers: Record<string, string>;
  };
  /** The broker's ERROR `message` header. */
  readonly message: RegExp;
  /**
   * The broker closes the connection it sent the ERROR on. In shared mode that connection
   * carries other sessions too: their broker subscriptions on it are made again once the relay
   * reconnects, and it is available again when the broker confirmed them.
   */
  readonly closesConnection: boolean;
}

/**
 * A STOMP broker the relay is tested against: where it listens, the login the tests use, its
 * destination syntax, and what is special about it. Tests loop over {@link BROKERS} to run the
 * same scenario on each.
 */
export interface BrokerTarget {
  readonly name: 'RabbitMQ' | 'ActiveMQ';
  readonly host: string;
  readonly port: number;
  readonly login: string;
  readonly passcode: string;
  /**
   * The CONNECT `host` header. RabbitMQ reads it as the virtual host ('/'); ActiveMQ ignores it
   * (any value is accepted), so the relay's default '/' suits both.
   */
  readonly virtualHost: string;
  /** Topic wildcards, '.'-separated words: one word, and any number of words. */
  readonly wildcards: { readonly one: '*'; readonly many: '#' | '>' };
  /**
   * Headers for `/queue/` SUBSCRIBE and SEND frames in tests: RabbitMQ declares durable queues,
   * so tests make them expire (every frame naming a queue must carry the same arguments);
   * ActiveMQ keeps them in memory only (`scripts/activemq.sh`), so none.
   */
  readonly queueHeaders: Readonly<Record<string, string>>;
  /** Relay options for this broker (the tests add theirs). */
  readonly relay: RelayConfig;
  /** A broker-side ERROR for one client (see {@link BrokerErrorScenario}). */
  readonly brokerError: BrokerErrorScenario;
  /** The broker's queues (RabbitMQ only: `rabbitmqctl list_queues`); undefined where unsupported. */
  readonly listQueues: (() => Promise<BrokerQueue[]>) | undefined;
}

/** RabbitMQ's login for the broker-error scenario: everything but publishing under `refused.`. */
const RABBIT_RESTRICTED = { login: 'switchboard-restricted', passcode: 'restricted' } as const;

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await exec('rabbitmqctl', args, { timeout: 30_000 });
  return stdout;
}

/** RabbitMQ 3.10 with its STOMP plugin (`scripts/services.sh`). */
export const RABBITMQ: BrokerTarget = {
  name: 'RabbitMQ',
  host: '127.0.0.1',
  port: 61613,
  login: 'guest',
  passcode: 'guest',
  virtualHost: '/',
  wildcards: { one: '*', many: '#' },
  queueHeaders: { 'x-expires': '30000' },
  relay: {},
  brokerError: {
    what: 'permission refused by topic authorisation',
    relay: {
      login: RABBIT_RESTRICTED.login,
      passcode: RABBIT_RESTRICTED.passcode,
      clientLogin: RABBIT_RESTRICTED.login,
      clientPasscode: RABBIT_RESTRICTED.passcode,
    },
    async prepare() {
      const users = await rabbitmqctl('list_users', '-q', '--formatter', 'json');
      if ((JSON.parse(users) as { user: string }[]).some((u) => u.user === RABBIT_RESTRICTED.login)) return;
      await rabbitmqctl('add_user', RABBIT_RESTRICTED.login, RABBIT_RESTRICTED.passcode);
      await rabbitmqctl('set_permissions', '-p', '/', RABBIT_RESTRICTED.login, '.*', '.*', '.*');
      // Publishing to amq.topic (/topic/...) is refused for routing keys under `refused.`.
      await rabbitmqctl(
        'set_topic_permissions',
        '-p',
        '/',
        RABBIT_RESTRICTED.login,
        'amq.topic',
        '^(?!refused\\.).*',
        '.*',
      );
    },
    frame: (name) => ({ command: 'SEND', destination: `/topic/refused.${name}`, headers: {} }),
    message: /access_refused/,
    closesConnection: true,
  },
  async listQueues() {
    const out = await rabbitmqctl(
      'list_queues',
      '-q',
      '--formatter',
      'json',
      'name',
      'messages',
      'consumers',
    );
    return JSON.parse(out) as BrokerQueue[];
  },
};

/** ActiveMQ Classic 5.17 with STOMP on 61614 (`scripts/activemq.sh`). */
export const ACTIVEMQ: BrokerTarget = {
  name: 'ActiveMQ',
  host: '127.0.0.1',
  port: 61614,
  login: 'guest',
  passcode: 'guest',
  virtualHost: '/',
  wildcards: { one: '*', many: '>' },
  queueHeaders: {},
  relay: {
    port: 61614,
    // RabbitMQ's queue argument means nothing to ActiveMQ (it would travel as a message property).
    userQueueHeaders: {},
  },
  brokerError: {
    // ActiveMQ's authorization adds up every matching entry, so one destination cannot be denied
    // to a login that may write the others; an invalid JMS selector is its own broker-side error.
    what: 'an invalid JMS selector',
    relay: {},
    prepare: async () => {},
    frame: (name) => ({
      command: 'SUBSCRIBE',
      destination: `/queue/${name}`,
      headers: { selector: 'price = = 1' },
    }),
    message: /price = = 1/,
    closesConnection: false,
  },
  listQueues: undefined,
};

/** Every broker the relay is tested against. */
export const BROKERS: readonly BrokerTarget[] = [RABBITMQ, ACTIVEMQ];

/** Fails (never skips) when the broker is not there: run `scripts/services.sh`. */
export async function requireBroker(target: BrokerTarget): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) =>
      reject(
        new Error(
          `${target.name}'s STOMP port ${target.host}:${target.port} is not reachable (${error.message}); ` +
            'run scripts/services.sh',
        ),
      ),
    );
  });
}

/** The relay options that point at `target` with its test login. */
export function relayTo(target: BrokerTarget, extra: RelayConfig = {}): RelayConfig {
  return {
    host: target.host,
    port: target.port,
    virtualHost: target.virtualHost,
    login: target.login,
    passcode: target.passcode,
    clientLogin: target.login,
    clientPasscode: target.passcode,
    reconnect: { initialDelay: 100, maxDelay: 1000 },
    ...target.relay,
    ...extra,
  };
}

/** A topic pattern in the broker's syntax: `base` followed by the one-word or many-words wildcard. */
export function wildcardTopic(target: BrokerTarget, base: string, kind: 'one' | 'many'): string {
  return `/topic/${base}.${target.wildcards[kind]}`;
}
