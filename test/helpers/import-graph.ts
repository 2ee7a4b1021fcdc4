/**
 * Static checks over the source tree, for the architecture test: the import graph of
 * `src/**\/*.ts` and its cycles, explicit `any`, and files past a line budget.
 *
 * Imports are read with the TypeScript parser, not with regular expressions, so comments and
 * strings never count. Type-only imports (`import type`, `export type ... from`) are edges too:
 * they cost nothing at run time, but a type that two layers need belongs below both of them, and
 * a type-only cycle is how a runtime cycle starts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** Module → the modules it imports (both as paths relative to the root given to the builder). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every `.ts` file under `dir` (recursively), sorted, as absolute paths. */
export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files.sort();
}

/**
 * The relative module specifiers `source` imports or re-exports: static imports and exports
 * (type-only included), `import x = require()` and dynamic `import('...')` with a literal.
 */
export function importSpecifiers(source: string, fileName = 'module.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      specifiers.push(node.moduleReference.expression.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node)) {
      // `import('./x.js').Y` in a type position.
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) {
        specifiers.push(argument.literal.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return specifiers.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

/**
 * Builds the import graph of every `.ts` file under `root`. Edges point from importer to
 * imported; `.js` specifiers resolve to the `.ts` source (NodeNext style). Only files under
 * `root` are nodes; imports leaving it are ignored.
 */
export function buildImportGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = sourceFiles(root);
  const known = new Set(files);
  for (const file of files) {
    const edges = new Set<string>();
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'), file)) {
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (known.has(target)) edges.add(toKey(root, target));
    }
    graph.set(toKey(root, file), [...edges].sort());
  }
  return graph;
}

function toKey(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

/**
 * The import cycles of `graph`: its strongly connected components with more than one module,
 * plus modules that import themselves (Tarjan's algorithm, iterative so deep graphs cannot
 * overflow the stack). Each cycle is sorted, and the list is sorted by its first module.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;

  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    // Each frame: a node and the position of the next edge to follow.
    const frames: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, counter);
    lowLink.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const next = edges[frame.edge++]!;
        if (!index.has(next)) {
          index.set(next, counter);
          lowLink.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          frames.push({ node: next, edge: 0 });
        } else if (onStack.has(next)) {
          lowLink.set(frame.node, Math.min(lowLink.get(frame.node)!, index.get(next)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) {
        lowLink.set(parent.node, Math.min(lowLink.get(parent.node)!, lowLink.get(frame.node)!));
      }
      if (lowLink.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || (graph.get(frame.node) ?? []).includes(frame.node)) {
          cycles.push(component.sort());
        }
      }
    }
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One place where a source file writes the type `any`. */
export interface AnyUse {
  readonly line: number;
  readonly text: string;
}

/**
 * Every explicit `any` in `source`: annotations (`: any`), assertions (`as any`, `<any>`),
 * type arguments and any other type position. Comments and strings do not count.
 */
export function findExplicitAny(source: string, fileName = 'module.ts'): AnyUse[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const uses: AnyUse[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
      uses.push({ line: line + 1, text: node.parent.getText(file).slice(0, 80) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return uses;
}

/** Files under `root` longer than `maxLines`, longest first, with their line counts. */
export function filesOverLines(root: string, maxLines: number): { file: string; lines: number }[] {
  return sourceFiles(root)
    .map((file) => ({ file: toKey(root, file), lines: lineCount(readFileSync(file, 'utf8')) }))
    .filter((entry) => entry.lines > maxLines)
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
}

function lineCount(text: string): number {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}
