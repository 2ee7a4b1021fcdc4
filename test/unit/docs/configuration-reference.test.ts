// The configuration reference (docs/configuration.md) is complete: every library option its table
// names must exist in the option types, every option of those types must be in it, and so must every
// CLI flag.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { CLI_FLAGS } from '../../../src/cli/options.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const reference = readFileSync(`${root}docs/configuration.md`, 'utf8');
const optionsAt = reference.indexOf('\n## Options\n');
const limitsAt = reference.indexOf('\n## Limits\n');
assert.ok(optionsAt !== -1 && limitsAt > optionsAt, 'docs/configuration.md has ## Options, then ## Limits');
const section = reference.slice(optionsAt, limitsAt);
const rows = section
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| Flag') && !line.startsWith('| **'))
  .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s\|$/g, '')));

/** `a.b.c` paths in the library column (code spans without calls). */
function documentedPaths(): Set<string> {
  const paths = new Set<string>();
  for (const row of rows) {
    for (const [, code] of (row[2] ?? '').matchAll(/`([^`]+)`/g)) {
      if (!code!.includes('(') && /^[a-zA-Z.]+$/.test(code!)) paths.add(code!);
    }
  }
  return paths;
}

const program = ts.createProgram([`${root}src/index.ts`], {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  experimentalDecorators: false,
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(`${root}src/server/stomp-server-options.ts`)!;
const optionsDecl = source.statements.find(
  (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'StompServerOptions',
)!;
const optionsType = checker.getTypeAtLocation(optionsDecl);

/** The object types a (possibly optional, union) property type stands for. */
function objectParts(type: ts.Type): ts.Type[] {
  const parts = type.isUnion() ? type.types : [type];
  return parts.filter(
    (t) =>
      (t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) !== 0 &&
      t.getProperties().length > 0 &&
      !checker.isArrayType(t) &&
      !checker.isTupleType(t),
  );
}

function propertyType(owner: ts.Type, name: string): ts.Type | undefined {
  for (const part of objectParts(owner)) {
    const symbol = part.getProperty(name);
    if (symbol) return checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(symbol, optionsDecl));
  }
  return undefined;
}

function resolve(path: string): ts.Type | undefined {
  let type: ts.Type | undefined = optionsType;
  for (const name of path.split('.')) {
    type = type && propertyType(type, name);
    if (!type) return undefined;
  }
  return type;
}

function keys(path: string): string[] {
  const type = path === '' ? optionsType : resolve(path)!;
  return objectParts(type).flatMap((t) => t.getProperties().map((p) => p.name));
}

test('every library option the configuration table names exists in the option types', () => {
  const paths = documentedPaths();
  assert.ok(paths.size > 60, `found ${paths.size} option paths`);
  const missing = [...paths].filter((p) => resolve(p) === undefined);
  assert.deepEqual(missing, [], 'documented but not in StompServerOptions');
});

test('every option of StompServerOptions, limits, sockjs, the broker, the relay, the connection limits and the log throttle is in the table', () => {
  const paths = documentedPaths();
  const undocumented: string[] = [];
  for (const prefix of [
    '',
    'limits',
    'sockjs',
    'broker',
    'broker.relay',
    'connectionLimits',
    'logThrottle',
  ]) {
    for (const key of keys(prefix)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (path === 'broker.relay' || path === 'broker.relay.outbound' || path === 'broker.relay.logger')
        continue;
      const covered =
        paths.has(path) ||
        (['limits', 'sockjs', 'broker', 'connectionLimits', 'logThrottle'].includes(path) &&
          [...paths].some((p) => p.startsWith(`${path}.`)));
      if (!covered) undocumented.push(path);
    }
  }
  assert.deepEqual(undocumented, []);
});

test('every CLI flag and its environment variable are in the table', () => {
  const flags = rows.map((r) => r[0] ?? '').join(' ');
  const envs = rows.map((r) => r[1] ?? '').join(' ');
  for (const [flag, { env }] of Object.entries(CLI_FLAGS)) {
    assert.ok(flags.includes(`\`--${flag}\``), `--${flag}`);
    assert.ok(envs.includes(`\`${env}\``), env);
  }
});
