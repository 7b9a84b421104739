/**
 * schema/batch.schema.json, the contract of POST /v1/batch: the whole
 * schema (a third party's view, specs checked against their kinds) and the
 * two parts the runtime checks a batch with (the envelope, then each
 * operation's shape).
 */
import Ajv2020 from 'ajv/dist/2020';
import { batchEnvelopeProblems, batchSchema, gatewaySchema, operationProblems } from '@apigw/schema';
import example from './fixtures/design-example.json';

const ajv = new Ajv2020({ allErrors: true, strict: false });
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
