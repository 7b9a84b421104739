/**
 * schema/batch.schema.json, the contract of POST /v1/batch: the whole
 * schema (a third party's view, specs checked against their kinds) and the
 * two parts the runtime checks a batch with (the envelope, then each
 * operation's shape).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import addFormats from 'ajv-formats';
import { KINDS, batchEnvelopeProblems, batchSchema, batchSchemaText, composeBatchSchema, defineKind, gatewaySchema, operationProblems } from '@apigw/schema';
import example from './fixtures/design-example.json';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv, ['date-time']);
ajv.addSchema(gatewaySchema as object);
const wholeBatch = ajv.compile(batchSchema as object);

const shop = {
  stack: 'shop',
  expectedRevision: 0,
  operations: [
    { op: 'create', kind: 'group', spec: example.groups[0] },
    { op: 'create', kind: 'app', spec: { name: 'mobile' } },
    { op: 'publish', api: 'shop/getUser', stage: 'RELEASE' },
    { op: 'adopt', kind: 'app', id: 'tablet', fromStack: null },
    { op: 'rotateCredentials', app: 'mobile', graceSeconds: 3600 },
    { op: 'delete', kind: 'authorization', id: 'mobile:shop/getUser' },
  ],
};

test('a batch an apply sends matches the whole schema, and its parts', () => {
  expect(wholeBatch(shop)).toBe(true);
  expect(batchEnvelopeProblems(shop)).toEqual([]);
  shop.operations.forEach((op, i) => expect(operationProblems(op, `/operations/${i}`)).toEqual([]));
});

test('GIVEN a spec that breaks its kind THEN the whole schema refuses it, while the operation shape leaves it to the kind', () => {
  const bad = { ...shop, operations: [{ op: 'create', kind: 'app', spec: { name: 'mob' } }] };
  expect(wholeBatch(bad)).toBe(false);
  expect(wholeBatch.errors?.map((e) => e.instancePath)).toContain('/operations/0/spec/name');
  expect(operationProblems(bad.operations[0], '/operations/0')).toEqual([]);
});

test('an envelope problem names its field; an operation problem names its place in the batch', () => {
  expect(batchEnvelopeProblems({ stack: 'bad stack!', dryRun: 'yes', operations: [], extra: 1 }).map((p) => [p.pointer, p.message])).toEqual([
    ['/extra', 'unknown field extra'],
    ['/stack', 'must be null or a stack name (a letter, then letters, digits, _ or -; at most 64)'],
    ['/dryRun', 'must be boolean'],
  ]);
  expect(operationProblems({ op: 'publish', api: 'shop/getUser', stage: 'PROD', kind: 'api' }, '/operations/3').map((p) => p.pointer)).toEqual([
    '/operations/3/kind',
    '/operations/3/stage',
  ]);
  expect(operationProblems({ op: 'rotateCredentials', app: 'mobile', graceSeconds: 30 * 24 * 3600 + 1 }, '/operations/0').map((p) => p.pointer)).toEqual([
    '/operations/0/graceSeconds',
  ]);
});

test('an operation shape is refused exactly when batch.schema.json\'s Operation refuses it', () => {
  // The runtime checks operations with a form of Operation dispatched on `op`, and reads the shipped form's errors only for those it refuses.
  const shipped = ajv.getSchema(`${(batchSchema as { $id: string }).$id}#/$defs/Operation`)!;
  const kinds = (batchSchema as { $defs: { Kind: { enum: string[] } } }).$defs.Kind.enum;
  // Per field: a valid value most of the time, else one of the ways it can be wrong.
  const values: Record<string, fc.Arbitrary<unknown>> = {
    kind: fc.oneof({ arbitrary: fc.constantFrom(...kinds), weight: 6 }, fc.constant('nope'), fc.constant(1)),
    spec: fc.oneof({ arbitrary: fc.constant({ name: 'mobile' }), weight: 6 }, fc.constant([]), fc.constant('spec')),
    id: fc.oneof({ arbitrary: fc.constant('shop/getUser'), weight: 6 }, fc.constant(''), fc.constant(3)),
    api: fc.oneof({ arbitrary: fc.constant('shop/getUser'), weight: 6 }, fc.constant('getUser'), fc.constant(false)),
    stage: fc.oneof({ arbitrary: fc.constantFrom('RELEASE', 'TEST'), weight: 6 }, fc.constant('PROD')),
    app: fc.oneof({ arbitrary: fc.constant('mobile'), weight: 6 }, fc.constant('m!'), fc.constant(null)),
    fromStack: fc.oneof({ arbitrary: fc.constantFrom(null, 'shop'), weight: 6 }, fc.constant('bad stack')),
    graceSeconds: fc.oneof({ arbitrary: fc.constant(3600), weight: 6 }, fc.constant(-1), fc.constant(1.5), fc.constant('1')),
    extra: fc.constant(1),
  };
  // An op's own fields are usually there, the others usually not: valid shapes and near misses both come up.
  const own: Record<string, string[]> = {
    create: ['kind', 'spec'],
    update: ['kind', 'spec'],
    delete: ['kind', 'id'],
    adopt: ['kind', 'id', 'fromStack'],
    publish: ['api', 'stage'],
    unpublish: ['api', 'stage'],
    rotateCredentials: ['app', 'graceSeconds'],
  };
  const sometimes = (value: fc.Arbitrary<unknown>, weight: number) => fc.oneof({ arbitrary: value, weight }, { arbitrary: fc.constant(undefined), weight: 10 - weight });
  const operation = fc.constantFrom('create', 'update', 'delete', 'adopt', 'publish', 'unpublish', 'rotateCredentials', 'remove', 7, null).chain((op) =>
    fc.record({
      op: sometimes(fc.constant(op), 9),
      ...Object.fromEntries(Object.entries(values).map(([key, value]) => [key, sometimes(value, typeof op === 'string' && own[op]?.includes(key) ? 9 : 1)])),
    }),
  );
  let accepted = 0;
  fc.assert(
    fc.property(operation, (op) => {
      const input = Object.fromEntries(Object.entries(op).filter(([, v]) => v !== undefined));
      const valid = shipped(input) as boolean;
      if (valid) accepted++;
      expect([input, operationProblems(input, '/operations/0').length === 0]).toEqual([input, valid]);
    }),
    { numRuns: 5000 },
  );
  expect(accepted).toBeGreaterThan(20);
  for (const input of [null, [], 'create', 7]) expect(operationProblems(input, '/operations/0').length === 0).toBe(shipped(input));
});

describe('the per-kind parts come from the kind registry', () => {
  test('batch.schema.json is what the registry makes (npm run generate -w @apigw/schema writes it)', () => {
    // Fails (exit 1) when a kind changed without regenerating the batch schema.
    const script = path.join(__dirname, '..', 'scripts', 'generate-batch-schema.js');
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toContain('batch schema matches the kind registry');
    expect(fs.readFileSync(path.join(__dirname, '..', 'batch.schema.json'), 'utf8')).toBe(batchSchemaText());
    expect(((batchSchema['$defs'] as Record<string, { enum?: string[] }>)['Kind']!.enum)).toEqual(KINDS.map((k) => k.kind));
  });

  test('GIVEN a kind defined with defineKind THEN an operation of that kind has a valid shape and its spec is checked against its schema', () => {
    const create = { op: 'create', kind: 'notice', spec: { name: 'hello', text: 'Hi' } };
    expect(operationProblems(create, '/operations/0').map((p) => p.pointer)).toEqual(['/operations/0/kind']);
    defineKind({
      kind: 'notice' as never,
      collection: 'notices' as never,
      definition: 'Notice',
      label: 'notice',
      noun: 'notice',
      importable: false,
      id: (n: { name: string }) => n.name,
      references: () => [],
      schema: {
        title: 'Notice',
        type: 'object',
        additionalProperties: false,
        required: ['name', 'text'],
        properties: { name: { $ref: `${String(gatewaySchema['$id'])}#/$defs/Name` }, text: { type: 'string', maxLength: 10 } },
      },
    } as never);
    expect(operationProblems(create, '/operations/0')).toEqual([]);
    const composed = composeBatchSchema();
    const whole = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    whole.addSchema(gatewaySchema as object);
    const check = whole.compile(composed);
    expect(check({ operations: [create] })).toBe(true);
    expect(check({ operations: [{ ...create, spec: { name: 'hello', text: 'far too long' } }] })).toBe(false);
    expect(check.errors?.map((e) => e.instancePath)).toContain('/operations/0/spec/text');
    // The shipped file stays the built-in kinds' contract.
    expect(((batchSchema['$defs'] as Record<string, { enum?: string[] }>)['Kind']!.enum)).not.toContain('notice');
  });
});
