import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  buildImportGraph,
  filesOverLines,
  findCycles,
  findExplicitAny,
  importSpecifiers,
  sourceFiles,
} from '../../helpers/import-graph.js';
import type { ImportGraph } from '../../helpers/import-graph.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

/** The line budget of a file in src/ (issue 13): past it, a file must be split. */
const MAX_FILE_LINES = 400;

/**
 * The layers of ARCHITECTURE.md point one way: each folder of src/ may not import the folders
 * listed for it (the layers above it). Files at the root of src/ (errors, limits, logger,
 * index) are not folders and are not checked here.
 */
const UPPER_LAYERS: Readonly<Record<string, readonly string[]>> = (() => {
  const entryPoints = ['cli', 'observability', 'integrations', 'testing'];
  const aboveCodecs = ['handlers', 'broker', 'server', ...entryPoints];
  return {
    websocket: aboveCodecs,
    sockjs: aboveCodecs,
    stomp: aboveCodecs,
    security: aboveCodecs,
    messaging: aboveCodecs,
    broker: ['handlers', 'server', ...entryPoints],
    handlers: ['broker', 'server', ...entryPoints],
    server: entryPoints,
  };
})();

function graphOf(edges: Record<string, string[]>): ImportGraph {
  return new Map(Object.entries(edges));
}

test('findCycles: finds a two-module cycle, a longer one and a self-import, and nothing in a DAG', () => {
  assert.deepEqual(findCycles(graphOf({ a: ['b'], b: ['c'], c: [], d: ['a', 'c'] })), []);
  assert.deepEqual(findCycles(graphOf({ a: ['b'], b: ['a'], c: ['a'] })), [['a', 'b']]);
  assert.deepEqual(
    findCycles(graphOf({ a: ['b'], b: ['c'], c: ['a', 'd'], d: [], e: ['e'], f: ['g'], g: ['f'] })),
    [['a', 'b', 'c'], ['e'], ['f', 'g']],
  );
  // Two cycles sharing a module are one strongly connected component.
  assert.deepEqual(findCycles(graphOf({ a: ['b', 'c'], b: ['a'], c: ['a'] })), [['a', 'b', 'c']]);
});

test('findCycles: a long chain does not overflow the stack', () => {
  const edges: Record<string, string[]> = {};
  for (let i = 0; i < 50_000; i++) edges[`m${i}`] = [`m${i + 1}`];
  edges.m50000 = ['m0'];
  const cycles = findCycles(graphOf(edges));
  assert.equal(cycles.length, 1);
  assert.equal(cycles[0]!.length, 50_001);
});

test('importSpecifiers: static, type-only, re-exports and dynamic imports; comments and packages do not count', () => {
  const source = [
    "import { a } from './a.js';",
    "import type { B } from '../b.js';",
    "export { c } from './c.js';",
    "export type { D } from './d.js';",
    "import './side-effect.js';",
    "import ws from 'ws';",
    "// import { x } from './commented.js';",
    'const s = "import { y } from \'./in-a-string.js\'";',
    "const lazy = await import('./lazy.js');",
    "type T = import('./type-position.js').T;",
  ].join('\n');
  assert.deepEqual(importSpecifiers(source), [
    './a.js',
    '../b.js',
    './c.js',
    './d.js',
    './side-effect.js',
    './lazy.js',
    './type-position.js',
  ]);
});

test('findExplicitAny: annotations, assertions and type arguments; not comments, strings or names', () => {
  const source = [
    'let a: any;', // 1
    'const b = a as any;', // 2
    'const c = <any>a;', // 3
    'const d: Record<string, any> = {};', // 4
    'function e(x: unknown): any[] { return [x]; }', // 5
    '// a comment saying any: any',
    "const f = 'as any';",
    'const anything: unknown = company;',
  ].join('\n');
  assert.deepEqual(
    findExplicitAny(source).map((use) => use.line),
    [1, 2, 3, 4, 5],
  );
});

test('src/ has no import cycle (type-only imports included)', () => {
  const graph = buildImportGraph(SRC);
  assert.ok(graph.size > 50, `expected the whole of src/, found ${graph.size} modules`);
  const cycles = findCycles(graph);
  assert.deepEqual(
    cycles,
    [],
    `import cycles in src/:\n${cycles.map((cycle) => `  ${cycle.join(' ↔ ')}`).join('\n')}`,
  );
});

test('src/ layers point one way (no folder imports a layer above it)', () => {
  const upward: string[] = [];
  for (const [from, targets] of buildImportGraph(SRC)) {
    const forbidden = UPPER_LAYERS[from.split('/')[0]!] ?? [];
    for (const to of targets) {
      if (forbidden.includes(to.split('/')[0]!)) upward.push(`${from} → ${to}`);
    }
  }
  assert.deepEqual(upward, [], `imports against the layering:\n  ${upward.join('\n  ')}`);
});

test('src/ has no explicit any', () => {
  const uses: string[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const use of findExplicitAny(readFileSync(file, 'utf8'), file)) {
      uses.push(`${file.slice(SRC.length + 1)}:${use.line}: ${use.text}`);
    }
  }
  assert.deepEqual(uses, [], `explicit any in src/:\n  ${uses.join('\n  ')}`);
});

test(`no file in src/ is past ${MAX_FILE_LINES} lines`, () => {
  const long = filesOverLines(SRC, MAX_FILE_LINES);
  assert.deepEqual(
    long,
    [],
    `files past ${MAX_FILE_LINES} lines (split them along their seams):\n  ${long.map(({ file, lines }) => `${file}: ${lines} lines`).join('\n  ')}`,
  );
  // The helper itself must see long files, or the check would pass on nothing.
  assert.ok(filesOverLines(SRC, 1).length > 0);
});
