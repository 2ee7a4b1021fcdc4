// The package as a user gets it: `npm pack`, installed into a fresh strict TypeScript 5.9 project
// (skipLibCheck off), a consumer of both entry points compiled and run against a live server, the
// README's controller example compiled, and publint and are-the-types-wrong on the tarball.
// Needs the npm registry (or npm's cache) for typescript, zod, @types/node and @stomp/stompjs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = path.join(root, 'test/package/consumer');
const bin = (name: string): string => path.join(root, 'node_modules/.bin', name);

/** The marker the README (or a page of docs/) puts before the controller example. */
const EXAMPLE_MARKER = '<!-- consumer-test: controller-example -->';

/** What the consumer installs beside the tarball (the versions a user of today would get). */
const CONSUMER_DEPS = ['typescript@~5.9', 'zod@^4', '@types/node@^20', '@stomp/stompjs@^7'];

/**
 * attw findings accepted: Switchboard is ESM-only. CommonJS code on Node >= 20.19 can require() it
 * (require(esm)), but TypeScript's node16 resolution from CJS still reports it (docs/getting-started.md says so).
 */
const ACCEPTED_ATTW = new Set(['CJSResolvesToESM']);

/** The part of `attw --format json` checked here. */
interface AttwAnalysis {
  problems: { kind: string; entrypoint: string; resolutionKind?: string }[];
  entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// npm sets these for scripts it runs (`npm test`); the nested npm must see its own project.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_(package|lifecycle)_|^npm_config_local_prefix$|^INIT_CWD$/i.test(key),
  ),
);

function run(command: string, args: string[], cwd: string, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv, timeout, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
      },
    );
  });
}

function ok(result: Run, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The first ```ts block after the marker, in README.md or a page of docs/. */
async function controllerExample(): Promise<string> {
  const pages = [path.join(root, 'README.md')];
  const docs = await readdir(path.join(root, 'docs'), { recursive: true }).catch(() => []);
  pages.push(...docs.filter((f) => f.endsWith('.md')).map((f) => path.join(root, 'docs', f)));
  for (const page of pages) {
    const text = await readFile(page, 'utf8');
    const at = text.indexOf(EXAMPLE_MARKER);
    if (at === -1) continue;
    const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
    assert.ok(block?.[1], `${page}: no \`\`\`ts block after ${EXAMPLE_MARKER}`);
    return block[1];
  }
  assert.fail(`no page has ${EXAMPLE_MARKER} before the controller example`);
}

// The build (prepack) and the strict compile take most of its time: about 20 s of CPU, over a
// minute of wall time on a busy machine, hence its own timeout.
test(
  'the packed package installs, compiles strictly and runs in a fresh project',
  { timeout: 240_000 },
  async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-consumer-'));
    t.after(() => rm(dir, { recursive: true, force: true }));

    const project = path.join(dir, 'consumer');
    await cp(fixture, project, { recursive: true });
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    await writeFile(path.join(project, 'src/readme-example.ts'), await controllerExample());
    const npmInstall = (packages: string[]): Promise<Run> =>
      run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...packages],
        project,
      );

    // The consumer's own dependencies install while prepack builds dist/ (as `npm publish` would).
    const [packing, deps] = await Promise.all([
      run('npm', ['pack', '--json', '--pack-destination', dir], root),
      npmInstall(CONSUMER_DEPS),
    ]);
    const packed = JSON.parse(ok(packing, 'npm pack')) as { filename: string }[];
    ok(deps, 'npm install of typescript, zod, @types/node, @stomp/stompjs');
    const tarball = path.join(dir, packed[0]!.filename);

    // Installing and linting the tarball are independent: side by side.
    const [installed, publint, attw] = await Promise.all([
      npmInstall([tarball]),
      run(bin('publint'), ['run', tarball, '--strict'], root),
      run(bin('attw'), [tarball, '--format', 'json'], root),
    ]);
    ok(installed, 'npm install of the tarball');

    await t.test('publint finds nothing', () => {
      assert.equal(publint.code, 0, `${publint.stdout}\n${publint.stderr}`);
      assert.match(publint.stdout, /All good!/, publint.stdout);
    });

    await t.test(
      'are-the-types-wrong: every entry point resolves; only the accepted ESM-only finding',
      () => {
        const { analysis } = JSON.parse(attw.stdout) as { analysis?: AttwAnalysis };
        assert.ok(analysis, `attw said:\n${attw.stdout}\n${attw.stderr}`);
        for (const entry of ['.', './testing']) {
          for (const kind of ['node10', 'node16-esm', 'bundler']) {
            const file = analysis.entrypoints[entry]?.resolutions[kind]?.resolution?.fileName;
            assert.ok(file?.endsWith('.d.ts'), `${entry} under ${kind} resolves to ${file}`);
          }
        }
        const unexpected = analysis.problems.filter((p) => !ACCEPTED_ATTW.has(p.kind));
        assert.deepEqual(unexpected, [], JSON.stringify(unexpected, null, 2));
      },
    );

    await t.test('the strict consumer and the README example compile against the declarations', async () => {
      ok(
        await run(path.join(project, 'node_modules/.bin/tsc'), ['-p', '.'], project),
        'tsc (strict, skipLibCheck off)',
      );
    });

    await t.test('the compiled consumer runs against a live server', async () => {
      // Node 20 has WebSocket behind a flag; 22 and later have it on.
      const flags = typeof globalThis.WebSocket === 'function' ? [] : ['--experimental-websocket'];
      const out = ok(await run(process.execPath, [...flags, 'out/main.js'], project, 30_000), 'consumer');
      assert.match(out, /consumer ok/);
    });

    await t.test('CommonJS code can require() both entry points (Node >= 20.19)', async () => {
      const script =
        "const s = require('switchboard'); const t = require('switchboard/testing');" +
        'console.log(typeof s.createStompServer, typeof t.connectTestClient);';
      const out = ok(await run(process.execPath, ['-e', script], project), 'require()');
      assert.equal(out.trim(), 'function function');
    });
  },
);
