/**
 * The GatewayClient contract, run against both clients (the in-process one
 * and HttpGatewayClient talking to a real admin API on a loopback port)
 * and both store engines (SQLite in the data directory, PostgreSQL).
 * Every publishing, ownership and integrity rule of the runtime is checked
 * here, through the interface the provider uses.
 */
import { AdminApiError } from '../../src/errors';
import { createGateway, type Gateway } from '../../src/gateway';
import { HttpGatewayClient } from '../../src/client/http-client';
import { InProcessGatewayClient } from '../../src/client/in-process-client';
import { AdminCore } from '../../src/admin/core';
import type { GatewayClient } from '../../src/client/gateway-client';
import type { BatchRequest, Operation } from '../../src/model';
import { api, app, authorization, group, orders, shopOperations, tempDir, users, vpc } from '../store/fixtures';
import { ENGINES, EngineStores } from '../support/engines';

type Setup = { client: GatewayClient; gateway: Gateway; done: () => Promise<void> };

const clients: [string, (gateway: Gateway) => { client: GatewayClient; close: () => Promise<void> }][] = [
  ['in-process client', (gateway) => ({ client: gateway.client, close: async () => {} })],
  [
    'HTTP client',
    (gateway) => {
      const client = new HttpGatewayClient({ endpoint: gateway.adminUrl, token: gateway.adminToken });
      return { client, close: () => client.close() };
    },
  ],
];

/** The rejection of a call, asserted to be an AdminApiError. */
async function refusal(call: Promise<unknown>): Promise<AdminApiError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(AdminApiError);
    return error as AdminApiError;
  }
  throw new Error('expected the call to be refused');
}

const ops = (list: unknown[]) => list as Operation[];

describe.each(ENGINES)('%s store', (engine) => {
  const stores = new EngineStores(engine);
  afterAll(() => stores.close());

  describe('clients built with cacheState: false', () => {
    test('read the whole state every time', async () => {
      const dir = tempDir();
      const gateway = await createGateway({ dataDir: dir.dir, ...(await stores.next()), port: 0, adminPort: 0, adminToken: 'contract-token' });
      const http = new HttpGatewayClient({ endpoint: gateway.adminUrl, token: gateway.adminToken, cacheState: false });
      const inProcess = new InProcessGatewayClient(new AdminCore(gateway.store), { cacheState: false });
      try {
        for (const client of [http, inProcess]) {
          await client.batch({ stack: 'shop', operations: client === http ? shopOperations() : ops([{ op: 'rotateCredentials', app: 'mobile' }]) });
          const first = await client.getState();
          await client.batch({ stack: 'shop', operations: ops([{ op: 'unpublish', api: 'shop/getUser', stage: 'TEST' }, { op: 'publish', api: 'shop/getUser', stage: 'TEST' }]) });
          const second = await client.getState();
          expect(second).toEqual(await gateway.store.getState());
          expect(second.groups[0]).not.toBe(first.groups[0]); // nothing kept between reads
        }
      } finally {
        await http.close();
        await gateway.close();
        dir.cleanup();
      }
    });
  });

  describe('HTTP client', () => {
    test('a gateway replaced at the same address (another store) is read in full, whatever its revision, over a fresh connection', async () => {
      const first = tempDir();
      const second = tempDir();
      let gateway = await createGateway({ dataDir: first.dir, ...(await stores.next()), port: 0, adminPort: 0, adminToken: 'contract-token' });
      const client = new HttpGatewayClient({ endpoint: gateway.adminUrl, token: gateway.adminToken });
      const adminPort = Number(new URL(gateway.adminUrl).port);
      try {
        await client.batch({ stack: 'shop', operations: shopOperations() });
        expect((await client.getState()).apis.map((a) => a.id)).toEqual(['shop/getUser']);
        await gateway.close();
        gateway = await createGateway({ dataDir: second.dir, ...(await stores.next()), port: 0, adminPort, adminToken: 'contract-token' });
        await gateway.client.batch({ stack: 'other', operations: ops([{ op: 'create', kind: 'app', spec: app }]) });
        await gateway.client.batch({ stack: 'other', operations: ops([{ op: 'rotateCredentials', app: 'mobile' }]) });
        const state = await client.getState();
        expect(state).toEqual(await gateway.store.getState());
        expect(state.apis).toEqual([]);
      } finally {
        await client.close();
        await gateway.close();
        first.cleanup();
        second.cleanup();
      }
    });
  });

  describe.each(clients)('%s', (_name, makeClient) => {
    let setup: Setup;
    let client: GatewayClient;

    beforeEach(async () => {
      const dir = tempDir();
      const gateway = await createGateway({ dataDir: dir.dir, ...(await stores.next()), port: 0, adminPort: 0, adminToken: 'contract-token' });
      const made = makeClient(gateway);
      client = made.client;
      setup = {
        client,
        gateway,
        done: async () => {
          await made.close();
          await gateway.close();
          dir.cleanup();
        },
      };
    });
    afterEach(() => setup.done());

    const shop = (stack: string | null = 'shop'): BatchRequest => ({ stack, operations: shopOperations() });

    test('a batch creates everything at once, bumps the revision by one, and the state shows it', async () => {
      const result = await client.batch(shop());
      expect(result.revision).toBe(1);
      expect(result.results.map((r) => `${r.op} ${r.kind} ${r.id}`)).toEqual([
        'create vpcAccess shop_vpc',
        'create backendService users',
        'create backendService orders',
        'create group shop',
        'create api shop/getUser',
        'publish api shop/getUser',
        'publish api shop/getUser',
        'create app mobile',
        'create authorization mobile:shop/getUser',
      ]);
      const state = await client.getState();
      expect(state.revision).toBe(1);
      expect(state.groups.map((g) => g.spec)).toEqual([{ name: 'shop', basePath: '/', domains: ['api.shop.localhost'], certificates: [] }]);
      const live = state.apis[0]!;
      expect(live.stack).toBe('shop');
      expect(Object.keys(live.published).sort()).toEqual(['RELEASE', 'TEST']);
      expect(live.published.RELEASE!.digest).toBe(live.digest);
      expect(live.digest).toMatch(/^[0-9a-f]{64}$/);
      expect('stages' in live.spec).toBe(false);
      expect(state.apps[0]!.appKey).toMatch(/^[1-9]\d{8}$/);
      expect(JSON.stringify(state)).not.toContain((await client.getCredentials('mobile')).appSecret);
    });

    test('getResource finds a resource by kind and id, undefined when missing', async () => {
      await client.batch(shop());
      const found = await client.getResource('api', 'shop/getUser');
      expect(found?.spec).toMatchObject({ group: 'shop', name: 'getUser' });
      expect((await client.getResource('authorization', 'mobile:shop/getUser'))?.spec).toMatchObject({ stages: ['RELEASE'] });
      expect(await client.getResource('group', 'nothere')).toBeUndefined();
      expect(await client.getResource('api', 'shop/nothere')).toBeUndefined();
      expect(await client.getResource('api', 'not-an-api-id')).toBeUndefined();
      expect(await client.getResource('nokind' as 'api', 'shop/getUser')).toBeUndefined();
    });

    test('getState with a stack shows only what that stack owns, at the gateway revision', async () => {
      await client.batch(shop());
      await client.batch({ stack: 'other', operations: ops([{ op: 'create', kind: 'app', spec: { name: 'desktop' } }]) });
      const other = await client.getState({ stack: 'other' });
      expect(other.revision).toBe(2);
      expect(other.apps.map((a) => a.id)).toEqual(['desktop']);
      expect(other.groups).toEqual([]);
      expect((await client.getState({ stack: 'shop' })).apps.map((a) => a.id)).toEqual(['mobile']);
    });

    test('create of an existing id is 409, update or delete of a missing one 404', async () => {
      await client.batch(shop());
      const exists = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'group', spec: group }]) }));
      expect([exists.status, exists.code]).toEqual([409, 'APIGW_ALREADY_EXISTS']);
      expect(exists.errors).toEqual([expect.objectContaining({ index: 0, code: 'APIGW_ALREADY_EXISTS' })]);
      const update = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'group', spec: { name: 'nothere' } }]) }));
      expect([update.status, update.code]).toEqual([404, 'APIGW_NOT_FOUND']);
      const del = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'delete', kind: 'app', id: 'nothere' }]) }));
      expect([del.status, del.code]).toEqual([404, 'APIGW_NOT_FOUND']);
      expect((await client.getState()).revision).toBe(1);
    });

    test('a batch is all or nothing: one failing operation leaves the state untouched', async () => {
      await client.batch(shop());
      const before = await client.getState();
      const error = await refusal(
        client.batch({
          stack: 'shop',
          operations: ops([
            { op: 'create', kind: 'app', spec: { name: 'tablet' } },
            { op: 'update', kind: 'group', spec: { name: 'shop', basePath: '/v2' } },
            { op: 'delete', kind: 'group', id: 'nothere' },
          ]),
        }),
      );
      expect(error.errors?.map((e) => e.index)).toEqual([2]);
      expect(await client.getState()).toEqual(before);
    });

    test('expectedRevision guards a batch: a moved state is 409 and nothing changes', async () => {
      await client.batch(shop());
      const ok = await client.batch({ stack: 'shop', expectedRevision: 1, operations: ops([{ op: 'create', kind: 'app', spec: { name: 'tablet' } }]) });
      expect(ok.revision).toBe(2);
      const stale = await refusal(client.batch({ stack: 'shop', expectedRevision: 1, operations: ops([{ op: 'create', kind: 'app', spec: { name: 'watch' } }]) }));
      expect([stale.status, stale.code, stale.revision]).toEqual([409, 'APIGW_REVISION_CONFLICT', 2]);
      expect(await client.getResource('app', 'watch')).toBeUndefined();
      expect((await client.getState()).revision).toBe(2);
    });

    test('a stack changes only what it owns; adopt claims an unowned resource, or another stack\'s when named', async () => {
      await client.batch(shop());
      await client.batch({ stack: null, operations: ops([{ op: 'create', kind: 'app', spec: { name: 'byhand' } }]) });
      const notOwned = await refusal(client.batch({ stack: 'other', operations: ops([{ op: 'update', kind: 'group', spec: { name: 'shop', basePath: '/x' } }]) }));
      expect([notOwned.status, notOwned.code]).toEqual([409, 'APIGW_NOT_OWNED']);
      expect(notOwned.message).toContain('stack shop');
      const unowned = await refusal(client.batch({ stack: 'other', operations: ops([{ op: 'delete', kind: 'app', id: 'byhand' }]) }));
      expect(unowned.code).toBe('APIGW_NOT_OWNED');
      const publish = await refusal(client.batch({ stack: 'other', operations: ops([{ op: 'unpublish', api: 'shop/getUser', stage: 'TEST' }]) }));
      expect(publish.code).toBe('APIGW_NOT_OWNED');

      await client.batch({ stack: 'other', operations: ops([{ op: 'adopt', kind: 'app', id: 'byhand' }]) });
      expect((await client.getResource('app', 'byhand'))?.stack).toBe('other');
      const steal = await refusal(client.batch({ stack: 'other', operations: ops([{ op: 'adopt', kind: 'group', id: 'shop' }]) }));
      expect(steal.code).toBe('APIGW_NOT_OWNED');
      await client.batch({ stack: 'other', operations: ops([{ op: 'adopt', kind: 'group', id: 'shop', fromStack: 'shop' }]) });
      expect((await client.getResource('group', 'shop'))?.stack).toBe('other');
      await client.batch({ stack: 'other', operations: ops([{ op: 'update', kind: 'group', spec: { name: 'shop', basePath: '/x' } }]) });
      expect((await client.getResource('group', 'shop'))?.spec).toMatchObject({ basePath: '/x' });
    });

    test('specs are validated against the schema: 400 with pointers into the batch', async () => {
      const error = await refusal(
        client.batch({
          stack: 'shop',
          operations: ops([
            { op: 'create', kind: 'group', spec: { name: 'ok_group' } },
            { op: 'create', kind: 'vpcAccess', spec: { ...vpc, port: 70000, extra: true } },
          ]),
        }),
      );
      expect([error.status, error.code]).toEqual([400, 'APIGW_SPEC_INVALID']);
      expect(error.problems?.map((p) => p.pointer).sort()).toEqual(['/operations/1/spec/extra', '/operations/1/spec/port']);
      const shape = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'explode', kind: 'group' }]) }));
      expect([shape.status, shape.code]).toEqual([400, 'APIGW_BAD_REQUEST']);
      expect(shape.problems?.[0]?.pointer).toBe('/operations/0/op');
      expect((await client.getState()).revision).toBe(0);
    });

    test('an API spec takes no stages: empty is accepted, listed stages are refused with a pointer', async () => {
      const base = ops(shopOperations().slice(0, 4));
      const error = await refusal(client.batch({ stack: 'shop', operations: [...base, ...ops([{ op: 'create', kind: 'api', spec: { ...api(), stages: ['RELEASE'] } }])] }));
      expect(error.problems).toEqual([expect.objectContaining({ pointer: '/operations/4/spec/stages' })]);
      await client.batch({ stack: 'shop', operations: [...base, ...ops([{ op: 'create', kind: 'api', spec: { ...api(), stages: [] } }])] });
      const live = await client.getResource('api', 'shop/getUser');
      expect(live && 'stages' in live.spec).toBe(false);
      expect((live as { published?: object } | undefined)?.published).toEqual({});
    });

    test('references must exist as of their operation', async () => {
      const error = await refusal(
        client.batch({
          stack: 'shop',
          operations: ops([
            { op: 'create', kind: 'api', spec: api() },
            { op: 'create', kind: 'backendService', spec: orders },
            { op: 'create', kind: 'authorization', spec: authorization },
            { op: 'create', kind: 'vpcAccess', spec: vpc },
          ]),
        }),
      );
      expect(error.code).toBe('APIGW_SPEC_INVALID');
      expect(error.problems?.map((p) => [p.code, p.pointer])).toEqual([
        ['UNKNOWN_REFERENCE', '/operations/0/spec/group'],
        ['UNKNOWN_REFERENCE', '/operations/0/spec/backend/service'],
        ['UNKNOWN_REFERENCE', '/operations/1/spec/environments/RELEASE/vpcAccess'],
        ['UNKNOWN_REFERENCE', '/operations/2/spec/app'],
        ['UNKNOWN_REFERENCE', '/operations/2/spec/api'],
      ]);
    });

    test('a MOCK answer the gateway cannot serve is refused before it is stored (CR/LF header, forged X-Ca-Error-*)', async () => {
      const stub = { name: 'stub', type: 'MOCK', environments: { TEST: { mock: { statusCode: 200, headers: { 'x-note': 'a\r\nb', 'X-Ca-Error-Message': 'Invalid Signature' } } } } };
      const error = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'backendService', spec: stub }]) }));
      expect([error.status, error.code]).toEqual([400, 'APIGW_SPEC_INVALID']);
      expect(error.problems?.map((p) => [p.code, p.pointer])).toEqual([
        ['MOCK_UNSERVABLE', '/operations/0/spec/environments/TEST/mock/headers/x-note'],
        ['MOCK_UNSERVABLE', '/operations/0/spec/environments/TEST/mock/headers/X-Ca-Error-Message'],
      ]);
      expect(await client.getResource('backendService', 'stub')).toBeUndefined();
    });

    test("a backend service's type never changes", async () => {
      await client.batch(shop());
      const error = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'backendService', spec: { ...users, type: 'MOCK', environments: {} } }]) }));
      expect([error.status, error.code]).toEqual([409, 'APIGW_TYPE_IMMUTABLE']);
    });

    test('deleting a backend service, group or VPC access still in use is 409 naming the users', async () => {
      await client.batch(shop());
      const backend = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'delete', kind: 'backendService', id: 'users' }]) }));
      expect([backend.status, backend.code]).toEqual([409, 'APIGW_IN_USE']);
      expect(backend.message).toContain('api shop/getUser');
      const grp = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'delete', kind: 'group', id: 'shop' }]) }));
      expect(grp.message).toContain('api shop/getUser');
      const vpcUse = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'delete', kind: 'vpcAccess', id: 'shop_vpc' }]) }));
      expect(vpcUse.message).toContain('backend service orders');
      // Deleting users in dependency order succeeds in one batch.
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'delete', kind: 'authorization', id: 'mobile:shop/getUser' },
          { op: 'delete', kind: 'api', id: 'shop/getUser' },
          { op: 'delete', kind: 'backendService', id: 'users' },
          { op: 'delete', kind: 'backendService', id: 'orders' },
          { op: 'delete', kind: 'vpcAccess', id: 'shop_vpc' },
          { op: 'delete', kind: 'group', id: 'shop' },
        ]),
      });
      expect((await client.getState()).groups).toEqual([]);
    });

    test('a backend service still used by a published revision cannot be deleted even after the API moved away', async () => {
      await client.batch(shop());
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'create', kind: 'backendService', spec: { name: 'users_v2', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9003' } } } },
          { op: 'update', kind: 'api', spec: api('getUser', '/users/{id}', 'users_v2') },
        ]),
      });
      const error = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'delete', kind: 'backendService', id: 'users' }]) }));
      expect(error.code).toBe('APIGW_IN_USE');
      expect(error.message).toContain('published to');
    });

    test('publishing freezes the definition: editing changes nothing live until published again', async () => {
      await client.batch(shop());
      const first = (await client.getResource('api', 'shop/getUser')) as unknown as { digest: string; published: Record<string, { digest: string }> };
      await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'api', spec: { ...api(), description: 'edited' } }]) });
      const edited = (await client.getResource('api', 'shop/getUser')) as unknown as typeof first;
      expect(edited.digest).not.toBe(first.digest);
      expect(edited.published['RELEASE']!.digest).toBe(first.digest);
      await client.batch({ stack: 'shop', operations: ops([{ op: 'publish', api: 'shop/getUser', stage: 'RELEASE' }]) });
      const republished = (await client.getResource('api', 'shop/getUser')) as unknown as typeof first;
      expect(republished.published['RELEASE']!.digest).toBe(edited.digest);
      expect(republished.published['TEST']!.digest).toBe(first.digest);
    });

    test('publishing to a stage whose backend has no definition there is refused', async () => {
      await client.batch(shop());
      const error = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'publish', api: 'shop/getUser', stage: 'PRE' }]) }));
      expect([error.status, error.code]).toEqual([409, 'APIGW_STAGE_WITHOUT_BACKEND']);
      const unpublished = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'unpublish', api: 'shop/getUser', stage: 'PRE' }]) }));
      expect([unpublished.status, unpublished.code]).toEqual([404, 'APIGW_NOT_PUBLISHED']);
    });

    test("removing a backend's stage definition unpublishes every API using it there, and says which", async () => {
      await client.batch(shop());
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'create', kind: 'api', spec: api('listUsers', '/users') },
          { op: 'publish', api: 'shop/listUsers', stage: 'RELEASE' },
        ]),
      });
      const result = await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'backendService', spec: { ...users, environments: { TEST: users.environments.TEST } } }]) });
      expect(result.results[0]!.unpublished).toEqual([
        { api: 'shop/getUser', stage: 'RELEASE' },
        { api: 'shop/listUsers', stage: 'RELEASE' },
      ]);
      const live = (await client.getResource('api', 'shop/getUser')) as unknown as { published: Record<string, unknown> };
      expect(Object.keys(live.published)).toEqual(['TEST']);
      // A plain change of the RELEASE URL unpublishes nothing.
      const repoint = await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'backendService', spec: { ...users, environments: { TEST: { url: 'http://127.0.0.1:9009' } } } }]) });
      expect(repoint.results[0]!.unpublished).toBeUndefined();
    });

    test('deleting an API removes its published revisions; an authorization referring to it blocks the delete', async () => {
      await client.batch(shop());
      const blocked = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'delete', kind: 'api', id: 'shop/getUser' }]) }));
      expect(blocked.code).toBe('APIGW_IN_USE');
      expect(blocked.message).toContain('authorization mobile:shop/getUser');
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'delete', kind: 'authorization', id: 'mobile:shop/getUser' },
          { op: 'delete', kind: 'api', id: 'shop/getUser' },
          { op: 'create', kind: 'api', spec: api() },
        ]),
      });
      const again = (await client.getResource('api', 'shop/getUser')) as unknown as { published: object };
      expect(again.published).toEqual({});
    });

    test('an app with authorizations cannot be deleted; deleting it otherwise removes its credentials', async () => {
      await client.batch(shop());
      const blocked = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'delete', kind: 'app', id: 'mobile' }]) }));
      expect([blocked.status, blocked.code]).toEqual([409, 'APIGW_IN_USE']);
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'delete', kind: 'authorization', id: 'mobile:shop/getUser' },
          { op: 'delete', kind: 'app', id: 'mobile' },
        ]),
      });
      const gone = await refusal(client.getCredentials('mobile'));
      expect([gone.status, gone.code]).toEqual([404, 'APIGW_NOT_FOUND']);
    });

    test('credentials are generated per app and rotate keeps the AppKey', async () => {
      await client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'app', spec: app }, { op: 'create', kind: 'app', spec: { name: 'desktop' } }]) });
      const mobile = await client.getCredentials('mobile');
      const desktop = await client.getCredentials('desktop');
      expect(mobile.appSecret).toMatch(/^[0-9a-f]{32}$/);
      expect(mobile.appCode).toMatch(/^[0-9a-f]{32}$/);
      expect(mobile.appKey).not.toBe(desktop.appKey);
      expect(mobile.appSecret).not.toBe(desktop.appSecret);
      expect(mobile.appId).not.toBe(desktop.appId);
      const rotated = await client.rotateCredentials('mobile');
      expect(rotated.appKey).toBe(mobile.appKey);
      expect(rotated.appSecret).not.toBe(mobile.appSecret);
      expect(rotated.appCode).not.toBe(mobile.appCode);
      expect(await client.getCredentials('mobile')).toEqual(rotated);
      const inBatch = await client.batch({ stack: 'shop', operations: ops([{ op: 'rotateCredentials', app: 'desktop' }]) });
      expect(inBatch.results[0]).toMatchObject({ op: 'rotateCredentials', kind: 'app', id: 'desktop' });
      expect((await client.getCredentials('desktop')).appSecret).not.toBe(desktop.appSecret);
      const missing = await refusal(client.rotateCredentials('nothere'));
      expect(missing.code).toBe('APIGW_NOT_FOUND');
    });

    test('a dry run reports every operation\'s error and changes nothing', async () => {
      await client.batch(shop());
      const before = await client.getState();
      const error = await refusal(
        client.batch({
          stack: 'shop',
          dryRun: true,
          operations: ops([
            { op: 'create', kind: 'group', spec: group },
            { op: 'create', kind: 'app', spec: { name: 'tablet' } },
            { op: 'delete', kind: 'backendService', id: 'users' },
            { op: 'publish', api: 'shop/getUser', stage: 'PRE' },
            { op: 'create', kind: 'vpcAccess', spec: { name: 'x' } },
          ]),
        }),
      );
      expect(error.errors?.map((e) => [e.index, e.code])).toEqual([
        [0, 'APIGW_ALREADY_EXISTS'],
        [2, 'APIGW_IN_USE'],
        [3, 'APIGW_STAGE_WITHOUT_BACKEND'],
        [4, 'APIGW_SPEC_INVALID'],
      ]);
      expect(await client.getState()).toEqual(before);
      const ok = await client.batch({ stack: 'shop', dryRun: true, operations: ops([{ op: 'create', kind: 'app', spec: { name: 'tablet' } }]) });
      expect(ok).toMatchObject({ dryRun: true, revision: 1 });
      expect(await client.getResource('app', 'tablet')).toBeUndefined();
    });

    test('document rules across resources hold: one route per group, one group per domain', async () => {
      await client.batch(shop());
      const route = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'api', spec: api('getUser2') }]) }));
      expect(route.problems).toEqual([expect.objectContaining({ code: 'ROUTE_CONFLICT', pointer: '/operations/0/spec/request/path' })]);
      const domain = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'group', spec: { name: 'shop2', domains: ['api.shop.localhost'] } }]) }));
      expect(domain.problems).toEqual([expect.objectContaining({ code: 'DUPLICATE_DOMAIN', pointer: '/operations/0/spec/domains/0' })]);
      const shape = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'backendService', spec: { ...users, environments: { TEST: { vpcAccess: 'shop_vpc' } } } }]) }));
      expect(shape.problems?.[0]).toMatchObject({ code: 'ENVIRONMENT_SHAPE' });
      expect(shape.problems?.[0]?.pointer).toMatch(/^\/operations\/0\/spec\/environments\/TEST\//);
    });

    test('two published revisions of one group may not answer the same route in a stage', async () => {
      await client.batch(shop());
      // Move getUser's current definition away, then publish another API on its old route.
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'update', kind: 'api', spec: api('getUser', '/people/{id}') },
          { op: 'create', kind: 'api', spec: api('getUser2') },
        ]),
      });
      const error = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'publish', api: 'shop/getUser2', stage: 'RELEASE' }]) }));
      expect(error.problems).toEqual([expect.objectContaining({ code: 'ROUTE_CONFLICT', pointer: '/operations/0' })]);
      // Publishing the moved definition first frees the route.
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'publish', api: 'shop/getUser', stage: 'RELEASE' },
          { op: 'publish', api: 'shop/getUser2', stage: 'RELEASE' },
        ]),
      });
    });

    test('a request JSON cannot carry (a cycle) is a 400 and changes nothing', async () => {
      const spec: Record<string, unknown> = { name: 'cyclic' };
      spec['self'] = spec;
      const error = await refusal(client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'group', spec }]) }));
      expect([error.status, error.code]).toEqual([400, 'APIGW_BAD_REQUEST']);
      expect((await client.getState()).revision).toBe(0);
    });

    describe('a client that read the state before reads only what changed since, and ends up where a full read does', () => {
      /** The state as a fresh reader sees it, straight from the store. */
      const fullRead = (stack?: string) => setup.gateway.store.getState(stack === undefined ? {} : { stack });
      const expectInStep = async () => {
        expect(await client.getState()).toEqual(await fullRead());
        expect(await client.getState({ stack: 'shop' })).toEqual(await fullRead('shop'));
      };

      test('create, update, publish, unpublish, cascade unpublish, rotate, adopt and delete', async () => {
        await expectInStep(); // first reads: full, at revision 0
        await client.batch(shop());
        await expectInStep();
        const before = await client.getState();

        // Only the API changes (republished elsewhere): everything else is the object read before.
        await client.batch({ stack: 'shop', operations: ops([{ op: 'unpublish', api: 'shop/getUser', stage: 'TEST' }]) });
        const after = await client.getState();
        expect(after).toEqual(await fullRead());
        expect(after.groups[0]).toBe(before.groups[0]);
        expect(after.apis[0]).not.toBe(before.apis[0]);
        expect(Object.keys(after.apis[0]!.published)).toEqual(['RELEASE']);

        await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'api', spec: api('getUser', '/people/{id}') }, { op: 'publish', api: 'shop/getUser', stage: 'TEST' }]) });
        await expectInStep();
        await client.batch({
          stack: 'shop',
          operations: ops([
            { op: 'create', kind: 'api', spec: api('listUsers', '/users') },
            { op: 'publish', api: 'shop/listUsers', stage: 'RELEASE' },
          ]),
        });
        await expectInStep();
        // Removing the RELEASE definition unpublishes both APIs there: both show it.
        await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'backendService', spec: { ...users, environments: { TEST: users.environments.TEST } } }]) });
        await expectInStep();
        expect((await client.getState()).apis.map((a) => Object.keys(a.published))).toEqual([['TEST'], []]);

        await client.rotateCredentials('mobile');
        await expectInStep();
        // A resource made by hand, then adopted by the stack; then another stack takes it: it leaves shop's share.
        await client.batch({ stack: null, operations: ops([{ op: 'create', kind: 'app', spec: { name: 'desktop' } }]) });
        await expectInStep();
        await client.batch({ stack: 'shop', operations: ops([{ op: 'adopt', kind: 'app', id: 'desktop' }]) });
        await expectInStep();
        await client.batch({ stack: 'other', operations: ops([{ op: 'adopt', kind: 'app', id: 'desktop', fromStack: 'shop' }]) });
        await expectInStep();
        expect((await client.getState({ stack: 'shop' })).apps.map((a) => a.id)).toEqual(['mobile']);

        await client.batch({
          stack: 'shop',
          operations: ops([
            { op: 'delete', kind: 'authorization', id: 'mobile:shop/getUser' },
            { op: 'unpublish', api: 'shop/getUser', stage: 'TEST' },
            { op: 'delete', kind: 'api', id: 'shop/getUser' },
            { op: 'delete', kind: 'app', id: 'mobile' },
          ]),
        });
        await expectInStep();
        // Deleted and made again in one batch: the new one is what is read.
        await client.batch({
          stack: 'shop',
          operations: ops([
            { op: 'delete', kind: 'api', id: 'shop/listUsers' },
            { op: 'create', kind: 'api', spec: api('listUsers', '/everyone') },
          ]),
        });
        await expectInStep();
        expect((await client.getState()).apis.map((a) => a.spec.request.path)).toEqual(['/everyone']);
      });

      test('an unchanged state reads as the same state; a caller changing its copy does not change the next read', async () => {
        await client.batch(shop());
        const first = await client.getState();
        first.apis.length = 0;
        const second = await client.getState();
        expect(second).toEqual(await fullRead());
        expect(second.apis).toHaveLength(1);
      });
    });

    test('an envelope that is not a batch is refused as a whole', async () => {
      const error = await refusal(client.batch({ stack: 'bad stack!', expectedRevision: -1, operations: 'x' } as unknown as BatchRequest));
      expect([error.status, error.code]).toEqual([400, 'APIGW_BAD_REQUEST']);
      expect(error.problems?.map((p) => p.pointer).sort()).toEqual(['/expectedRevision', '/operations', '/stack']);
    });
  });
});
