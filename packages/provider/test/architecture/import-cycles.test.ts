/**
 * The shape of the run-time import graph: no source file of schema/src or
 * packages/<name>/src needs itself through a chain of imports (imports used
 * only as types are elided by the compiler and do not count), the
 * reconciler core needs no IaC adapter, and the adapters need the admin
 * client, not the gateway server.
 */
import { cyclesOf, reachableFrom, runtimeImportGraph, sourceFiles } from './import-graph';

let graph: Map<string, string[]>;

beforeAll(() => {
  graph = runtimeImportGraph(sourceFiles());
});

test('the sources have no run-time import cycle', () => {
  expect(graph.size).toBeGreaterThan(100);
  expect(cyclesOf(graph)).toEqual([]);
});

test('the scan sees a cycle when there is one, and not through an import used only as a type', () => {
  expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  expect(cyclesOf(new Map([['a', ['a']]]))).toEqual([['a']]);
  // handler-base imports diff/plan for types only; plan imports kinds for types only.
  expect(graph.get('packages/provider/src/kinds/handler-base.ts')).not.toContain('packages/provider/src/diff/plan.ts');
  expect(graph.get('packages/provider/src/kinds/handler-base.ts')).toContain('packages/provider/src/kinds/field-diff.ts');
});

test('the reconciler core needs no IaC adapter at run time (the CLI composes the document sources)', () => {
  const core = [...graph.keys()].filter((f) => /^packages\/provider\/src\/(desired|diff|apply|actual|kinds)\//.test(f));
  expect([...reachableFrom(graph, core)].filter((f) => /^packages\/provider\/src\/(cdktf|pulumi|terraform)\//.test(f))).toEqual([]);
});

test.each(['packages/provider/src/terraform/main.ts', 'packages/provider/src/pulumi/index.ts'])('%s loads the admin client, not the gateway server', (entry) => {
  const reached = [...reachableFrom(graph, [entry])];
  expect(reached).toContain('packages/runtime/src/client/http-client.ts');
  expect(reached.filter((f) => f.startsWith('packages/runtime/src/') && !/^packages\/runtime\/src\/(client\/|model\.ts|errors\.ts)/.test(f))).toEqual([]);
});
