/**
 * What the relay costs RabbitMQ, read from the outside: TCP connections a process holds to a
 * port (from /proc, since `rabbitmqctl list_connections` does not list STOMP connections on
 * RabbitMQ 3.10), the queues bound to a topic's routing key, and the Erlang VM's memory.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Established TCP connections the processes `pids` hold to `port` on the remote side. */
export function connectionsTo(pids: readonly number[], port: number): number {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  const remotePort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields: sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (fields.length < 10 || fields[3] !== '01') continue;
      if (fields[2]!.endsWith(`:${remotePort}`) && inodes.has(fields[9]!)) count++;
    }
  }
  return count;
}

/** Queues bound to amq.topic (RabbitMQ's /topic/) with `routingKey`. */
export function queuesBoundTo(routingKey: string): number {
  const out = execFileSync(
    'rabbitmqctl',
    ['list_bindings', '-q', '--formatter', 'json', 'source_name', 'routing_key', 'destination_name'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const bindings = JSON.parse(out) as {
    source_name: string;
    routing_key: string;
    destination_name: string;
  }[];
  return new Set(
    bindings
      .filter((b) => b.source_name === 'amq.topic' && b.routing_key === routingKey)
      .map((b) => b.destination_name),
  ).size;
}

/** The Erlang VM's total memory (`erlang:memory(total)`), bytes. */
export function erlangMemory(): number {
  return Number(execFileSync('rabbitmqctl', ['eval', 'erlang:memory(total).'], { encoding: 'utf8' }).trim());
}

/**
 * RabbitMQ's file-descriptor limit (its Erlang VM's soft `open files`): every STOMP connection
 * takes one, and running out breaks the whole broker, so rows that give each client its own
 * broker connection stay below it.
 */
export function rabbitFileLimit(): number {
  const pid = execFileSync('pgrep', ['-x', 'beam.smp'], { encoding: 'utf8' }).trim().split('\n')[0];
  const line = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return line ? Number(line[1]) : Infinity;
}
