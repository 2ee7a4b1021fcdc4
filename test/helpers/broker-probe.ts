import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** RabbitMQ queues bound to `amq.topic` with `routingKey` (one per broker subscription to `/topic/<key>`). */
export async function rabbitQueuesForTopic(routingKey: string): Promise<string[]> {
  const { stdout } = await run(
    'rabbitmqctl',
    ['list_bindings', '-q', '--no-table-headers', 'source_name', 'routing_key', 'destination_name'],
    { timeout: 60_000 },
  );
  return stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([source, key]) => source === 'amq.topic' && key === routingKey)
    .map(([, , queue]) => queue!);
}

/** RabbitMQ queues whose name contains `part`. */
export async function rabbitQueuesNamed(part: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '-q', '--no-table-headers', 'name'], {
    timeout: 60_000,
  });
  return stdout.split('\n').filter((name) => name.includes(part));
}

/**
 * Established TCP connections from this process to `port` (RabbitMQ's `list_connections` does
 * not show STOMP connections): the socket inodes of /proc/self/fd matched with /proc/net/tcp{,6}.
 */
export function tcpConnectionsTo(port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the fd closed meanwhile
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remotePort = cols[2]!.split(':')[1];
      if (remotePort === hexPort && cols[3] === '01' && inodes.has(cols[9]!)) count++;
    }
  }
  return count;
}
