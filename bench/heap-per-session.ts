/**
 * Where an idle session's bytes go: holds `count` connections (the storm's load generator) on
 * one benchmark server, writes a heap snapshot, and prints the objects there are at least one
 * of per session, by type and constructor, with their bytes per session. Run it on two commits
 * to see what a change adds to every session.
 * Usage: tsx bench/heap-per-session.ts [--server switchboard|ws-corked] [--connections 5000]
 *   [--snapshot file.heapsnapshot] [--profile file.cpuprofile (the storm's CPU profile)]
 *   [--allocations file.heapprofile (sampled allocations over the storm's second half, garbage
 *   included: prints what a connect allocates, by function)]
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nextMessage } from './lib/ipc.js';
import { spawn, stats } from './lib/processes.js';
import { startServers, stopServers } from './lib/scenarios.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'switchboard' },
    connections: { type: 'string', default: '5000' },
    snapshot: { type: 'string', default: join(tmpdir(), `switchboard-${process.pid}.heapsnapshot`) },
    profile: { type: 'string' },
    allocations: { type: 'string' },
  },
});
const count = Number(values.connections);
const spec =
  values.server === 'ws-corked'
    ? { file: here('./servers/bare.ts'), args: ['corked'], label: 'bare ws, corked' }
    : { file: here('./servers/switchboard.ts'), args: [], label: 'Switchboard' };

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and bytes of the snapshot's nodes by type and name (the constructor, for objects). */
function byConstructor(file: string): Map<string, { count: number; bytes: number }> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const types = heap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const key = `${types[heap.nodes[i + type]!]} ${heap.strings[heap.nodes[i + name]!]!.slice(0, 50)}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += heap.nodes[i + size]!;
    out.set(key, entry);
  }
  return out;
}

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocationNode[];
}

/** Bytes allocated per connect (sampled), by allocating function (inlined callees count as their caller). */
function printAllocations(file: string, connects: number): void {
  const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: AllocationNode }).head;
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: AllocationNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(root);
  console.log(
    `Allocated per connect (second half of the storm, sampled): ${(total / connects).toFixed(0)} bytes\n`,
  );
  console.log('| bytes per connect | allocated in |\n|---:|---|');
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25);
  for (const [key, bytes] of rows) console.log(`| ${(bytes / connects).toFixed(0)} | ${key} |`);
  console.log('');
}

async function main(): Promise<void> {
  const started = await startServers(spec);
  const server = started.children[0]!;
  try {
    const idle = await stats(server, true);
    if (values.profile !== undefined) {
      server.send({ type: 'profile-start' });
      await nextMessage(server, 'profile-start');
    }
    const load = spawn(here('./load/storm.ts'), [started.ports.join(','), String(count), '200']);
    const result = nextMessage<{ connections: number }>(load, 'result');
    const halfway = await nextMessage<{ connections: number }>(load, 'halfway');
    if (values.allocations !== undefined) {
      server.send({ type: 'alloc-start' });
      await nextMessage(server, 'alloc-start');
    }
    load.send({ type: 'continue' });
    const { connections } = await result;
    if (values.profile !== undefined) {
      server.send({ type: 'profile-stop', file: values.profile });
      await nextMessage(server, 'profile-stop');
    }
    if (values.allocations !== undefined) {
      server.send({ type: 'alloc-stop', file: values.allocations });
      await nextMessage(server, 'alloc-stop');
      printAllocations(values.allocations, connections - halfway.connections);
    }
    const held = await stats(server, true);
    server.send({ type: 'snapshot', file: values.snapshot });
    await nextMessage(server, 'snapshot', 600_000);
    load.send({ type: 'release' });
    console.log(
      `${spec.label}, ${connections} idle sessions: JS heap ${((held.heapUsed - idle.heapUsed) / 1024 / connections).toFixed(2)} KiB, ` +
        `RSS ${((held.rss - idle.rss) / 1024 / connections).toFixed(2)} KiB per session; snapshot ${values.snapshot}\n`,
    );
    const rows = [...byConstructor(values.snapshot)].filter(([, e]) => e.count >= connections);
    rows.sort((a, b) => b[1].bytes - a[1].bytes);
    console.log('| per session | bytes per session | type and constructor |\n|---:|---:|---|');
    for (const [key, e] of rows) {
      console.log(
        `| ${(e.count / connections).toFixed(2)} | ${(e.bytes / connections).toFixed(0)} | ${key} |`,
      );
    }
  } finally {
    await stopServers(started);
  }
}

await main();
process.exit(0);
