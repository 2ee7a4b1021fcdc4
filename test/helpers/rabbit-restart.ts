import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { RABBIT_STOMP } from './rabbitmq.js';
import { eventually } from './server.js';

const run = promisify(execFile);

/** Runs `rabbitmqctl` (bounded: a wedged broker fails the test, it does not hang it). */
export function rabbitmqctl(...args: string[]): Promise<{ stdout: string }> {
  return run('rabbitmqctl', args, { timeout: 120_000 });
}

/** One STOMP CONNECT + topic SUBSCRIBE with a receipt: true when RabbitMQ answers both. */
function probe(timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(RABBIT_STOMP);
    let text = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('connect', () =>
      socket.write('CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\n\n\0'),
    );
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('ERROR')) return done(false);
      if (text.includes('CONNECTED') && !text.includes('SUBSCRIBE-SENT')) {
        text += 'SUBSCRIBE-SENT';
        socket.write('SUBSCRIBE\nid:probe\ndestination:/topic/switchboard-probe\nreceipt:probe\n\n\0');
      }
      if (text.includes('receipt-id:probe')) done(true);
    });
  });
}

/**
 * `rabbitmqctl start_app`, then waits until RabbitMQ is fully up: `await_startup`, then a topic
 * SUBSCRIBE answered over STOMP (right after start_app the port may accept connections while
 * the broker is still starting its parts, and a test hitting it then sees `AMQP channel died`).
 */
export async function startRabbitApp(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
  const deadline = Date.now() + 60_000;
  while (!(await probe(5000))) {
    if (Date.now() > deadline)
      throw new Error('RabbitMQ did not answer a STOMP SUBSCRIBE within 60 s of start_app');
    await new Promise((resolve) => setTimeout(resolve, 200)); // a retry interval, not a synchronisation
  }
}

/** Timers and TCP sockets this process holds now (what a restart test must give back). */
export function timersAndSockets(): { Timeout: number; TCPSocketWrap: number } {
  const counts = { Timeout: 0, TCPSocketWrap: 0 };
  for (const kind of process.getActiveResourcesInfo())
    if (kind in counts) counts[kind as keyof typeof counts]++;
  return counts;
}

/** Waits (5 s at most) until the process holds no more timers and sockets than at `baseline`. */
export async function backToBaseline(baseline: { Timeout: number; TCPSocketWrap: number }): Promise<void> {
  await eventually(
    () => {
      const now = timersAndSockets();
      return now.Timeout <= baseline.Timeout && now.TCPSocketWrap <= baseline.TCPSocketWrap;
    },
    5000,
    `timers and sockets back to the baseline (${JSON.stringify(baseline)} → ${JSON.stringify(timersAndSockets())})`,
  );
}
