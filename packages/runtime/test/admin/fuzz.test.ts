/**
 * Fuzzes the admin API with fast-check: random JSON, mutated valid specs,
 * random operations, broken text, random paths, methods and queries. The
 * server must answer every request without a 5xx, stay up, and a refused
 * request must change nothing.
 */
import fc from 'fast-check';
import { api, app, authorization, group, shopOperations, users, vpc } from '../store/fixtures';
import { startHarness, type Harness } from './harness';

const RUNS = Number(process.env['APIGW_FUZZ_RUNS'] ?? 600);

const specs: Record<string, object> = {
  vpcAccess: vpc,
  backendService: users,
  group,
  api: api(),
  app,
  authorization,
};
const collections: Record<string, string> = {
  vpcAccess: '/v1/vpc-accesses',
  backendService: '/v1/backend-services',
  group: '/v1/groups',
  api: '/v1/apis',
  app: '/v1/apps',
  authorization: '/v1/authorizations',
};
const items: Record<string, string> = {
  vpcAccess: '/v1/vpc-accesses/shop_vpc',
  backendService: '/v1/backend-services/users',
  group: '/v1/groups/shop',
  api: '/v1/apis/shop/getUser',
  app: '/v1/apps/mobile',
  authorization: '/v1/authorizations/mobile/shop/getUser',
};

/** A valid spec with one field (possibly nested, possibly new) set to a random value. */
function mutated(spec: object): fc.Arbitrary<unknown> {
  const paths = leafPaths(spec);
  return fc
    .tuple(fc.oneof(fc.constantFrom(...paths), fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 })), fc.jsonValue({ maxDepth: 2 }))
    .map(([path, value]) => {
      const copy = structuredClone(spec) as Record<string, unknown>;
      let at: Record<string, unknown> = copy;
      for (const key of path.slice(0, -1)) {
        if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
        at = at[key] as Record<string, unknown>;
      }
      at[path[path.length - 1]!] = value;
      return copy;
    });
}

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const [k, v] of Object.entries(value)) out.push(...leafPaths(v, [...prefix, k]));
  return out;
}

const anySpec = fc.oneof(fc.jsonValue({ maxDepth: 3 }), ...Object.values(specs).map(mutated));

const operation = fc.oneof(
  fc.record(
    {
      op: fc.constantFrom('create', 'update', 'delete', 'adopt', 'publish', 'unpublish', 'rotateCredentials', 'explode'),
      kind: fc.constantFrom('vpcAccess', 'backendService', 'group', 'api', 'app', 'authorization', 'other'),
      spec: anySpec,
      id: fc.oneof(fc.string(), fc.constantFrom('shop', 'users', 'shop/getUser', 'mobile', 'mobile:shop/getUser')),
      api: fc.oneof(fc.string(), fc.constant('shop/getUser')),
      stage: fc.oneof(fc.string(), fc.constantFrom('TEST', 'PRE', 'RELEASE')),
      app: fc.oneof(fc.string(), fc.constant('mobile')),
      fromStack: fc.oneof(fc.string(), fc.constant(null)),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

const batchBody = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      stack: fc.oneof(fc.constant('other'), fc.constant(null), fc.string(), fc.integer()),
      expectedRevision: fc.oneof(fc.integer(), fc.double(), fc.string()),
      dryRun: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
      operations: fc.oneof(fc.array(operation, { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
);

describe('admin API fuzz', () => {
  let h: Harness;
  let revision: number;

  beforeAll(async () => {
    h = await startHarness({ adminMaxBodyBytes: 256 * 1024 });
    // Stack "shop" owns the state; fuzzed requests act for "other" or nobody, so only ownership-free changes can succeed.
    const res = await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: shopOperations() } });
    expect(res.status).toBe(200);
    revision = res.json.revision;
  });
  afterAll(() => h.close());

  /** Sends one request and checks the invariants. */
  async function check(method: string, path: string, body?: unknown): Promise<void> {
    const res = await h.call(method, path, body === undefined ? {} : { body });
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(500);
    const now = (await h.call('GET', '/v1/state')).json.revision as number;
    if (res.status >= 400) {
      expect(typeof res.json?.error?.code).toBe('string');
      expect(now).toBe(revision);
    }
    revision = now;
  }

  test('random batch bodies', async () => {
    await fc.assert(
      fc.asyncProperty(batchBody, (body) => check('POST', '/v1/batch', body)),
      { numRuns: RUNS },
    );
  });

  test('random specs for every kind on create and update', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(specs)), fc.boolean(), anySpec, async (kind, create, body) => {
        await check(create ? 'POST' : 'PUT', create ? collections[kind]! : items[kind]!, body);
      }),
      { numRuns: RUNS },
    );
  });

  test('broken JSON text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/batch', '/v1/groups', '/v1/apis/shop/getUser', '/v1/apis/shop/getUser/stages/TEST', '/v1/apps/mobile/credentials/rotate'),
        fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1) || '{')),
        async (path, text) => {
          await check(path.endsWith('getUser') ? 'PUT' : 'POST', path, text.trim() === '' ? '{' : text);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('random paths, methods and query strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        fc.oneof(
          fc.array(fc.webSegment(), { maxLength: 7 }).map((s) => `/${s.join('/')}`),
          fc.constantFrom(...Object.values(items), ...Object.values(collections), '/v1/state', '/v1/batch').chain((p) =>
            fc.tuple(fc.constant(p), fc.webQueryParameters()).map(([path, q]) => (q ? `${path}?${q}` : path)),
          ),
        ),
        fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
        async (method, path, body) => {
          await check(method, path, method === 'GET' ? undefined : body);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('the server is still up and its state intact', async () => {
    const state = await h.call('GET', '/v1/state');
    expect(state.status).toBe(200);
    expect(state.json.groups.map((g: { id: string }) => g.id)).toContain('shop');
    expect(state.json.apis.map((a: { id: string }) => a.id)).toContain('shop/getUser');
    expect((await h.call('GET', '/healthz')).status).toBe(200);
  });
});
