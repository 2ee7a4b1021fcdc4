/** The benchmark runner's child processes: servers and load generators, each in its own process. */
import { execFileSync, fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { nextMessage } from './ipc.js';

const children = new Set<ChildProcess>();

/** Kills every child still running (the runner's exit path). */
export function cleanup(): void {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** Node flags for the benchmark servers only (not the load generators): BENCH_SERVER_FLAGS, e.g. `--trace-opt`. */
const SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);

/** Forks a TypeScript file (through tsx) with IPC, killed when the runner exits. */
export function spawn(file: string, args: string[], env?: Record<string, string>): ChildProcess {
  const server = file.includes('/servers/');
  const child = fork(file, args, {
    execArgv: ['--import', 'tsx', ...(server ? SERVER_FLAGS : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** CPU time (µs), RSS and JS heap in use (bytes) of a process. */
export interface Stats {
  cpuMicros: number;
  rss: number;
  /** 0 for RabbitMQ (not a Node process). */
  heapUsed: number;
}

/** A benchmark server's own CPU, RSS and heap (memory after a GC when asked, CPU before it), over IPC. */
export async function stats(server: ChildProcess, gc = false): Promise<Stats> {
  const reply = nextMessage<Stats>(server, 'stats');
  server.send({ type: 'stats', gc });
  return reply;
}

/** Asks a server to stop, then kills it after 5 s at most. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  child.kill('SIGKILL');
}

/** RabbitMQ's Erlang VM: CPU (µs, from /proc) and RSS, to set beside the Node servers' own. */
export function rabbitStats(): Stats {
  // The broker's VM boots `rabbit`; rabbitmqctl's short-lived VMs are beam.smp processes too.
  const pid = execFileSync('pgrep', ['-f', 'beam.smp.* -s rabbit boot'], { encoding: 'utf8' })
    .trim()
    .split('\n')[0];
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuMicros: (ticks * 1e6) / hz, rss: rssKiB * 1024, heapUsed: 0 };
}

/** The machine, for the report: CPU model, cores, memory, Node, kernel. */
export function machine(): string {
  const cpu =
    /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  return `${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}
