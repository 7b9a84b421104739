/**
 * The kind registry agrees with the JSON Schema it describes, and the
 * cross-resource rules report per resource, never on context.
 */
import {
  COLLECTIONS,
  DOCUMENT_RULES,
  HTTP_METHODS,
  KINDS,
  RESOURCE_RULES,
  STACK_NAME_PATTERN,
  STAGES,
  checkRules,
  gatewaySchema,
  kindIndex,
  referencesOf,
  resourceCount,
  routeKey,
  stageIndex,
  uniqueRoutes,
  validateDocument,
  type Api,
  type GatewayDocument,
} from '@apigw/schema';
import example from './fixtures/design-example.json';

type SchemaNode = Record<string, any>;
const schema = gatewaySchema as SchemaNode;

function designDocument(): GatewayDocument {
  const result = validateDocument(structuredClone(example));
  if (!result.ok) throw new Error('the design example is valid');
  return result.value;
}

describe('the kind registry', () => {
  test('every kind names a collection and a definition the schema has, in dependency order', () => {
    for (const { collection, definition } of KINDS) {
      expect(schema['properties'][collection]).toMatchObject({ type: 'array', items: { $ref: `#/$defs/${definition}` } });
      expect(schema['$defs'][definition]).toBeDefined();
    }
    expect(COLLECTIONS).toEqual(KINDS.map((k) => k.collection));
    KINDS.forEach((k, i) => expect(kindIndex(k.kind)).toBe(i));
  });

  test('a kind refers only to kinds before it (dependency order)', () => {
    const doc = designDocument();
    for (const { kind, collection } of KINDS)
      for (const spec of doc[collection] as never[])
        for (const ref of referencesOf(kind, spec)) expect(kindIndex(ref.kind)).toBeLessThan(kindIndex(kind));
  });

  test('references carry the pointer of the name within the spec', () => {
    const doc = designDocument();
    const orders = doc.backendServices.find((b) => b.name === 'orders')!;
    expect(referencesOf('backendService', orders)).toEqual([{ kind: 'vpcAccess', id: 'shop_vpc', pointer: '/environments/RELEASE/vpcAccess' }]);
    expect(referencesOf('api', doc.apis[0]!)).toEqual([
      { kind: 'group', id: 'shop', pointer: '/group' },
      { kind: 'backendService', id: 'users', pointer: '/backend/service' },
    ]);
    expect(referencesOf('authorization', doc.authorizations[0]!).map((r) => r.kind)).toEqual(['app', 'api']);
  });

  test('stages, methods and the stack name pattern are the schema\'s', () => {
    expect(STAGES).toEqual(schema['$defs']['Stage']['enum']);
    STAGES.forEach((s, i) => expect(stageIndex(s)).toBe(i));
    expect(stageIndex('PROD')).toBeUndefined();
    expect([...HTTP_METHODS, 'ANY']).toEqual(schema['$defs']['ApiRequest']['properties']['method']['enum']);
    expect(STACK_NAME_PATTERN.source).toBe(schema['properties']['stack']['pattern']);
  });

  test('resourceCount counts every collection', () => {
    expect(resourceCount(designDocument())).toBe(KINDS.reduce((n, k) => n + ((example as SchemaNode)[k.collection] ?? []).length, 0));
  });
});

describe('rules over typed sets of resources', () => {
  const api = (name: string, path: string, method: Api['request']['method'] = 'GET'): Api => {
    const doc = designDocument();
    const base = doc.apis[0]!;
    return { ...base, name, request: { ...base.request, method, path, parameters: [] }, backend: { ...base.backend, path: '/' } };
  };

  test('GIVEN a clash between a context API and a placed one THEN only the placed one is reported, at its place', () => {
    const findings = checkRules({ resources: { api: [{ spec: api('first', '/a') }, { spec: api('second', '/a', 'ANY'), place: 7 }] } }, [uniqueRoutes]);
    expect(findings).toEqual([expect.objectContaining({ place: 7, code: 'ROUTE_CONFLICT', pointer: '/request/path' })]);
  });

  test('GIVEN the same clash with both APIs as context THEN nothing is reported', () => {
    expect(checkRules({ resources: { api: [{ spec: api('first', '/a') }, { spec: api('second', '/a') }] } }, [uniqueRoutes])).toEqual([]);
  });

  test('routeKey erases parameter names and marks child paths', () => {
    expect(routeKey({ group: 'shop', request: { path: '/users/{id}', matchAllChildPaths: false } })).toBe('shop /users/{}');
    expect(routeKey({ group: 'shop', request: { path: '/files', matchAllChildPaths: true } })).toBe('shop /files/**');
  });

  test('resource rules are a subset of the document rules', () => {
    for (const rule of RESOURCE_RULES) expect(DOCUMENT_RULES).toContain(rule);
  });

  test('a reference to an imported resource is known; an unknown one is reported with the referring pointer', () => {
    const doc = designDocument();
    const orphan = { ...doc.apis[0]!, group: 'elsewhere' };
    const input = { resources: { api: [{ spec: orphan, place: '/apis/0' }], backendService: doc.backendServices.map((spec) => ({ spec })) } };
    expect(checkRules(input).map((f) => [f.code, f.place + f.pointer])).toEqual([['UNKNOWN_REFERENCE', '/apis/0/group']]);
    expect(checkRules({ ...input, imports: { groups: ['elsewhere'] } })).toEqual([]);
  });
});
