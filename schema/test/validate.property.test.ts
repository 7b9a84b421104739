import fc from 'fast-check';
import { PROBLEM_CODES, canonicalJson, validateDocument, type Problem } from '@apigw/schema';
import example from './fixtures/design-example.json';

// Modest run counts: the suite shares two cores with everything else.
const RUNS = { numRuns: 150 };

type Path = (string | number)[];

/** Every location in a JSON value, as key paths. */
function locations(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...locations(v, [...at, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...locations(v, [...at, k]));
  return out;
}

/** Follows an RFC 6901 pointer; `found` is false when some token is missing. */
function resolve(root: unknown, pointer: string): { found: boolean } {
  if (pointer === '') return { found: true };
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, token)) return { found: false };
    node = (node as Record<string, unknown>)[token];
  }
  return { found: true };
}

const parentOf = (pointer: string) => pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));

type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'addKey'; at: number; key: string; value: unknown };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: fc.anything({ maxDepth: 2 }) }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: fc.oneof(fc.string(), fc.integer(), fc.constantFrom('TEST', 'PRE', 'RELEASE', 'shop', 'users', 'shop/getUser', '/users/{id}', '{x}')) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(fc.string(), fc.constantFrom('default', 'stages', 'imports', 'PRE', 'https')), value: fc.jsonValue({ maxDepth: 2 }) }),
);

/** Applies mutations to a copy of the reference example document (fixtures/design-example.json). */
function mutated(mutations: readonly Mutation[]): unknown {
  const doc = structuredClone(example) as unknown;
  for (const m of mutations) {
    const all = locations(doc);
    const path = all[m.at % all.length]!;
    if (path.length === 0) continue;
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], doc) as Record<string | number, unknown>;
    const key = path[path.length - 1]!;
    switch (m.op) {
      case 'replace':
        parent[key] = m.value;
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
        break;
      case 'addKey': {
        const target = parent[key];
        if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
        break;
      }
    }
  }
  return doc;
}

function expectWellFormed(problems: readonly Problem[], input: unknown): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) {
    expect(Object.keys(PROBLEM_CODES)).toContain(p.code);
    expect(p.pointer === '' || p.pointer.startsWith('/')).toBe(true);
    expect(p.message.length).toBeGreaterThan(0);
    // The problem is at, or directly under, a place the input has.
    expect(resolve(input, parentOf(p.pointer)).found || resolve(input, p.pointer).found).toBe(true);
  }
}

describe('validateDocument on generated input', () => {
  test('never throws on arbitrary values, and always explains a rejection', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3, withBigInt: true, withNullPrototype: true, withObjectString: true, withSparseArray: true }), (input) => {
        const result = validateDocument(input);
        if (!result.ok) expectWellFormed(result.problems, input);
      }),
      RUNS,
    );
  });

  test('broken documents yield problems with known codes at pointers into the input; accepted ones are stable', () => {
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (mutations) => {
        const input = mutated(mutations);
        const before = canonicalJson(input);
        const result = validateDocument(input);
        expect(canonicalJson(input)).toBe(before);
        if (!result.ok) {
          expectWellFormed(result.problems, input);
          return;
        }
        // An accepted document is canonical: validating it again changes nothing.
        const again = validateDocument(result.value);
        expect(again).toEqual(result);
      }),
      RUNS,
    );
  });
});
