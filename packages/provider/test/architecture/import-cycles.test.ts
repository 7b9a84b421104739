/**
 * No source file of schema/src or packages/<name>/src needs itself at run
 * time through a chain of imports: imports used only as types are elided
 * by the compiler and do not count.
 */
import { cyclesOf, runtimeImportGraph, sourceFiles } from './import-graph';

test('the sources have no run-time import cycle', () => {
  const files = sourceFiles();
  expect(files.length).toBeGreaterThan(100);
  const graph = runtimeImportGraph(files);
  expect(cyclesOf(graph)).toEqual([]);
});

test('the scan sees a cycle when there is one, and not through an import used only as a type', () => {
  expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  expect(cyclesOf(new Map([['a', ['a']]]))).toEqual([['a']]);
  const graph = runtimeImportGraph(['packages/provider/src/kinds/handler-base.ts', 'packages/provider/src/diff/plan.ts']);
  // handler-base imports diff/plan for types only; plan imports kinds for types only.
  expect(graph.get('packages/provider/src/kinds/handler-base.ts')).not.toContain('packages/provider/src/diff/plan.ts');
  expect(graph.get('packages/provider/src/kinds/handler-base.ts')).toContain('packages/provider/src/kinds/field-diff.ts');
});

test('the reconciler core needs no IaC adapter at run time (the CLI composes the document sources)', () => {
  const graph = runtimeImportGraph();
  const core = [...graph.keys()].filter((f) => /^packages\/provider\/src\/(desired|diff|apply|actual|kinds)\//.test(f));
  const reached = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const next of graph.get(file) ?? []) visit(next);
  };
  core.forEach(visit);
  expect([...reached].filter((f) => /^packages\/provider\/src\/(cdktf|pulumi|terraform)\//.test(f))).toEqual([]);
});
