/**
 * The runtime import graph of the workspace's sources, as the TypeScript
 * compiler emits it: each file of `schema/src` and `packages/<name>/src` is
 * transpiled to CommonJS and its `require`s read back, so an import used
 * only as a type (elided by the compiler) is no edge. Relative imports and
 * `@apigw/<package>[/subpath]` resolve to source files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(__dirname, '../../../..');

/** Where each workspace package's sources are. */
const PACKAGE_SOURCES: Record<string, string> = {
  '@apigw/schema': 'schema/src',
  '@apigw/constructs': 'packages/constructs/src',
  '@apigw/runtime': 'packages/runtime/src',
  '@apigw/provider': 'packages/provider/src',
};

/** Every source file of the workspace (generated bindings included), relative to the root. */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const rel = join(dir, name);
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
    }
  };
  walk('schema/src');
  for (const pkg of readdirSync(join(ROOT, 'packages'))) if (existsSync(join(ROOT, 'packages', pkg, 'src'))) walk(join('packages', pkg, 'src'));
  return out.sort();
}

function resolveFile(base: string): string | undefined {
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')])
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  return undefined;
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return resolveFile(relative(ROOT, resolve(ROOT, dirname(from), specifier)));
  const pkg = Object.keys(PACKAGE_SOURCES).find((p) => specifier === p || specifier.startsWith(`${p}/`));
  if (!pkg) return undefined;
  return resolveFile(join(PACKAGE_SOURCES[pkg]!, specifier.slice(pkg.length + 1) || 'index'));
}

/** For each source file, the source files it needs at run time. */
export function runtimeImportGraph(files: readonly string[] = sourceFiles()): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(join(ROOT, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    const targets = new Set<string>();
    for (const m of outputText.matchAll(/require\("([^"]+)"\)/g)) {
      const target = resolveImport(file, m[1]!);
      if (target) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** The cycles of a graph: its strongly connected components of more than one file, or a file that needs itself (Tarjan). */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Every file the entries need at run time, the entries included. */
export function reachableFrom(graph: ReadonlyMap<string, readonly string[]>, entries: readonly string[]): Set<string> {
  const reached = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    pending.push(...(graph.get(file) ?? []));
  }
  return reached;
}
