import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { within } from './server.js';

const cli = fileURLToPath(new URL('../../src/cli/switchboard.ts', import.meta.url));

/** Rules that let anyone SEND and SUBSCRIBE anywhere (for tests of other things than authorization). */
export const OPEN_RULES = { rules: [{ type: ['SEND', 'SUBSCRIBE'], allow: true }] };

function spawnCli(
  t: TestContext,
  args: string[],
  env: Record<string, string>,
  options: SpawnOptions,
  wrapper: readonly string[] = [],
) {
  const command = [...wrapper, process.execPath, '--import', 'tsx', cli, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
    env: { ...process.env, ...env },
  });
  t.after(() => child.kill('SIGKILL'));
  const output = { out: '', logs: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.logs += chunk));
  return { child, output };
}

/**
 * Starts the CLI on free ports of 127.0.0.1 (the internal listener too); resolves with its
 * ws:// or wss:// URL once it prints it, and the internal listener's URL when it has one.
 */
export async function startCli(
  t: TestContext,
  args: string[],
  env: Record<string, string> = {},
): Promise<{
  child: ReturnType<typeof spawn>;
  url: string;
  internalUrl: () => Promise<string>;
  out: () => string;
  logs: () => string;
}> {
  const { child, output } = spawnCli(
    t,
    ['--port', '0', '--host', '127.0.0.1', '--internal-port', '0', ...args],
    env,
    {},
  );
  const printed = (pattern: RegExp, what: string) =>
    within(
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output.out);
          if (match === null) return;
          child.stdout!.off('data', check);
          resolve(match[1]!);
        };
        child.stdout!.on('data', check);
        check();
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output.logs}`)));
      }),
      20000,
      what,
    );
  const url = await printed(/(wss?:\/\/\S+\/stomp)/, 'the server URL on stdout');
  return {
    child,
    url,
    internalUrl: () => printed(/Internal endpoints on (http:\/\/\S+)/, 'the internal URL on stdout'),
    out: () => output.out,
    logs: () => output.logs,
  };
}

/** Runs the CLI expecting it to fail at start; resolves with its exit code and what it printed. */
export async function failingCli(
  t: TestContext,
  args: string[],
  options: { env?: Record<string, string>; spawn?: SpawnOptions; wrapper?: readonly string[] } = {},
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const { child, output } = spawnCli(
    t,
    ['--log-level', 'error', ...args],
    options.env ?? {},
    options.spawn ?? {},
    options.wrapper,
  );
  const [code] = (await within(once(child, 'exit'), 30000, 'the CLI to exit')) as [number | null];
  return { code, stderr: output.logs, stdout: output.out };
}

/** Writes `content` (JSON unless a string) to a file in a fresh temporary folder, removed after the test. */
export function tempFile(t: TestContext, name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
