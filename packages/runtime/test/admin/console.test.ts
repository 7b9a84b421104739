/**
 * The console's endpoints over HTTP against a real gateway: the assets are
 * open and locked down, every read needs the token, pages and filters are
 * computed by the server and follow commits, secrets never appear except
 * through the logged reveal, and the Debug call signs with the shared call
 * module and reaches a real backend through the data plane.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { generate } from 'selfsigned';
import { trafficFromMetrics } from '../../src/admin/console';
import type { ApiDetail, ApiPage, AppView, BackendView, ConsoleOverview, DebugResult, GroupView, PluginsView } from '../../src/admin/console-model';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';

const TOKEN = 'console-endpoint-token';
let dir: string;
let gateway: Gateway;
let key: string;
const audit: string[] = [];

async function get<T>(path: string, token: string | null = TOKEN): Promise<{ status: number; body: T; text: string; headers: Headers }> {
  const response = await fetch(`${gateway.adminUrl}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` }, redirect: 'manual' });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body: body as T, text, headers: response.headers };
}

async function post<T>(path: string, payload?: unknown): Promise<{ status: number; body: T; text: string }> {
  const response = await fetch(`${gateway.adminUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as T, text };
}

function api(name: string, extra: Record<string, unknown> = {}): Operation {
  return {
    op: 'create',
    kind: 'api',
    spec: {
      group: 'shop',
      name,
      auth: { type: 'APP', appCode: 'HEADER', signatureMethod: 'HmacSHA256', antiReplay: false },
      request: { protocols: ['HTTP'], method: 'GET', path: `/${name}`, matchAllChildPaths: false, mode: 'PASSTHROUGH', parameters: [] },
      backend: { service: 'stub', path: '/x', method: 'GET', timeoutMs: 5000, constantParameters: [], systemParameters: [] },
      ...extra,
    },
  } as unknown as Operation;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apigw-console-admin-'));
  const pems = await generate([{ name: 'commonName', value: 'secure.shop.localhost' }], { keySize: 2048 });
  key = pems.private;
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      audit.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: TOKEN, logger: pino(sink) });
  const names = Array.from({ length: 120 }, (_, i) => `item${String(i).padStart(3, '0')}`);
  await gateway.client.batch({
    stack: 'shop',
    operations: [
      { op: 'create', kind: 'backendService', spec: { name: 'stub', type: 'MOCK', environments: { TEST: { mock: { statusCode: 200, body: '{"mock":true}', headers: {} } }, RELEASE: { mock: { statusCode: 201, body: 'released', headers: {} } } } } },
      { op: 'create', kind: 'backendService', spec: { name: 'other', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9/base/' } } } },
      { op: 'create', kind: 'group', spec: { name: 'shop', basePath: '/', domains: ['api.shop.localhost', 'secure.shop.localhost'], certificates: [{ domain: 'secure.shop.localhost', certificatePem: pems.cert, privateKeyPem: key }] } },
      ...names.map((n) => api(n)),
      ...names.map((n) => ({ op: 'publish' as const, api: `shop/${n}`, stage: 'RELEASE' as const })),
      { op: 'publish', api: 'shop/item007', stage: 'TEST' },
      { op: 'create', kind: 'app', spec: { name: 'mobile' } },
      { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/item007', stages: ['TEST', 'RELEASE'] } },
    ] as Operation[],
  });
});

afterAll(async () => {
  await gateway?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('console assets', () => {
  it('serves the console without a token, with a policy that runs only its own script', async () => {
    const redirect = await get('/console', null);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/console/');
    const index = await get('/console/', null);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(index.text).toContain('<script type="module" src="console.js">');
    const script = await get('/console/console.js', null);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const again = await fetch(`${gateway.adminUrl}/console/console.js`, { headers: { 'if-none-match': script.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('serves only the built files', async () => {
    for (const path of ['/console/nope.js', '/console/..%2F..%2Fpackage.json', '/console/%2e%2e']) expect((await get(path, null)).status).not.toBe(200);
    expect((await get('/console/..%2F..%2Fpackage.json', null)).status).toBe(404);
  });

  it('answers no data without the token', async () => {
    for (const path of ['/v1/console/overview', '/v1/console/apis', '/v1/console/apps', '/v1/console/traffic']) expect((await get(path, null)).status).toBe(401);
    expect((await get('/v1/console/overview', 'wrong')).status).toBe(401);
  });
});

describe('console reads', () => {
  it('gives the overview: revision, counts per stack, published and stale stages', async () => {
    const { body } = await get<ConsoleOverview>('/v1/console/overview');
    expect(body.revision).toBe(gateway.revision);
    expect(body.ready).toBe(true);
    expect(body.storage).toEqual({ engine: 'sqlite', location: expect.stringContaining(dir), ready: true });
    expect(body.dataUrl).toBe(gateway.dataUrl);
    expect(body.counts).toMatchObject({ apis: 120, groups: 1, backendServices: 2, apps: 1, authorizations: 1 });
    expect(body.stacks).toEqual([{ stack: 'shop', counts: { apis: 120, groups: 1, backendServices: 2, apps: 1, authorizations: 1 } }]);
    expect(body.published).toEqual({ TEST: 1, PRE: 0, RELEASE: 120 });
  });

  it('pages and filters the API table on the server', async () => {
    const first = await get<ApiPage>('/v1/console/apis?limit=50');
    expect(first.body.total).toBe(120);
    expect(first.body.items.map((a) => a.name).slice(0, 2)).toEqual(['item000', 'item001']);
    const last = await get<ApiPage>('/v1/console/apis?limit=50&offset=100');
    expect(last.body.items).toHaveLength(20);
    expect(last.body.items[0]!.name).toBe('item100');
    const search = await get<ApiPage>('/v1/console/apis?q=ITEM11');
    expect(search.body.items.map((a) => a.name)).toEqual(['item110', 'item111', 'item112', 'item113', 'item114', 'item115', 'item116', 'item117', 'item118', 'item119']);
    const test = await get<ApiPage>('/v1/console/apis?stage=TEST');
    expect(test.body.items.map((a) => a.id)).toEqual(['shop/item007']);
    expect(test.body.items[0]!.stages.TEST).toMatchObject({ stale: false, service: 'stub' });
    expect((await get<ApiPage>('/v1/console/apis?backend=other')).body.total).toBe(0);
    expect((await get<ApiPage>('/v1/console/apis?group=nope')).body.total).toBe(0);
  });

  it('refuses bad filters, naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/v1/console/apis?limit=100000', '?limit'],
      ['/v1/console/apis?offset=-1', '?offset'],
      ['/v1/console/apis?stage=PROD', '?stage'],
      ['/v1/console/apis?stale=maybe', '?stale'],
      ['/v1/console/apis?sort=name', '?sort'],
    ];
    for (const [path, pointer] of cases) {
      const { status, body } = await get<{ error: { code: string; problems: { pointer: string }[] } }>(path);
      expect({ path, status, code: body.error.code, pointer: body.error.problems[0]!.pointer }).toEqual({ path, status: 400, code: 'APIGW_BAD_REQUEST', pointer });
    }
    expect((await get('/v1/console/apis/shop/nothing')).status).toBe(404);
  });

  it('follows commits: an edited, unpublished API shows its stage as stale; a new backend URL shows at once', async () => {
    const before = await get<ApiDetail>('/v1/console/apis/shop/item007');
    expect(before.body.stages.RELEASE).toMatchObject({ stale: false, reaches: { type: 'MOCK', target: 'mock answer 201' } });
    expect(before.body.stages.TEST).toMatchObject({ reaches: { type: 'MOCK', target: 'mock answer 200' } });
    const edited = api('item007', { backend: { service: 'other', path: '/y', method: 'GET', timeoutMs: 5000, constantParameters: [], systemParameters: [] } }) as { spec: unknown };
    await gateway.client.batch({ stack: 'shop', operations: [{ op: 'update', kind: 'api', spec: edited.spec } as Operation, { op: 'publish', api: 'shop/item007', stage: 'RELEASE' }] });
    const after = await get<ApiDetail>('/v1/console/apis/shop/item007');
    expect(after.body.stages.RELEASE).toMatchObject({ stale: false, service: 'other', backendPath: '/y', reaches: { type: 'HTTP', target: 'http://127.0.0.1:9/base/y' } });
    // TEST still serves the old definition (stub), and says it is stale.
    expect(after.body.stages.TEST).toMatchObject({ stale: true, service: 'stub' });
    const stale = await get<ApiPage>('/v1/console/apis?stale=true');
    expect(stale.body.items.map((a) => a.id)).toEqual(['shop/item007']);
    const backends = await get<BackendView[]>('/v1/console/backends');
    const other = backends.body.find((b) => b.name === 'other')!;
    expect(other.following.RELEASE).toEqual(['shop/item007']);
    expect(other.followingCount).toEqual({ TEST: 0, PRE: 0, RELEASE: 1 });
    // 119 APIs follow stub in RELEASE: the view names the first 20 and counts them all.
    const stub = backends.body.find((b) => b.name === 'stub')!;
    expect(stub.followingCount.RELEASE).toBe(119);
    expect(stub.following.RELEASE).toHaveLength(20);
    expect(other.environments).toEqual({ TEST: null, PRE: null, RELEASE: { type: 'HTTP', target: 'http://127.0.0.1:9/base' } });
    expect(backends.body.find((b) => b.name === 'stub')!.following).toMatchObject({ TEST: ['shop/item007'] });
    // A deleted API leaves the table.
    await gateway.client.batch({ stack: 'shop', operations: [{ op: 'delete', kind: 'api', id: 'shop/item119' }] });
    expect((await get<ApiPage>('/v1/console/apis?q=item119')).body.total).toBe(0);
  });

  it('says where each kind of backend definition sends requests', async () => {
    await gateway.client.batch({
      stack: 'shop',
      operations: [
        { op: 'create', kind: 'vpcAccess', spec: { name: 'shopvpc', vpcId: 'vpc-1', instanceId: 'i-web1', port: 8081, host: 'shop.internal' } },
        { op: 'create', kind: 'backendService', spec: { name: 'private', type: 'VPC', environments: { RELEASE: { vpcAccess: 'shopvpc', https: true } } } },
        {
          op: 'create',
          kind: 'backendService',
          spec: {
            name: 'functions',
            type: 'FUNCTION',
            environments: {
              TEST: { function: { type: 'EVENT', service: 'shop', function: 'hello', qualifier: 'LATEST' } },
              RELEASE: { function: { type: 'HTTP', service: 'shop', function: 'web', qualifier: 'prod', url: 'http://127.0.0.1:9/fn/' } },
            },
          },
        },
        { op: 'create', kind: 'backendService', spec: { name: 'objects', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'assets' } } } } },
      ] as Operation[],
    });
    const { body } = await get<BackendView[]>('/v1/console/backends');
    const env = (name: string) => body.find((b) => b.name === name)!.environments;
    expect(env('private').RELEASE).toEqual({ type: 'VPC', target: 'https://i-web1:8081', detail: 'VPC access shopvpc (vpc-1, Host: shop.internal)' });
    expect(env('functions').TEST).toEqual({ type: 'FUNCTION', target: 'function shop/hello@LATEST', detail: 'event function shop/hello@LATEST' });
    expect(env('functions').RELEASE).toEqual({ type: 'FUNCTION', target: 'http://127.0.0.1:9/fn', detail: 'HTTP function shop/web@prod' });
    expect(env('objects').RELEASE).toEqual({ type: 'OSS', target: 'oss://assets' });
    expect(env('objects').TEST).toBeNull();
  });

  it('shows plugins with their settings and attachments, never a JWT secret', async () => {
    const secret = 'jwt-hmac-secret-for-the-console-view-0123456789';
    await gateway.client.batch({
      stack: 'shop',
      operations: [
        { op: 'create', kind: 'plugin', spec: { name: 'tokenAuth', type: 'JWT', jwt: { secret, algorithms: ['HS256'] } } },
        { op: 'create', kind: 'pluginAttachment', spec: { plugin: 'tokenAuth', group: 'shop', stages: ['PRE'] } },
      ] as unknown as Operation[],
    });
    const { body, text } = await get<PluginsView>('/v1/console/plugins');
    expect(body.available).toBe(true);
    expect(body.plugins).toEqual([
      { name: 'tokenAuth', type: 'JWT', stack: 'shop', settings: { jwt: expect.objectContaining({ algorithms: ['HS256'] }) }, attachments: [{ group: 'shop', stages: ['PRE'] }] },
    ]);
    expect(text).not.toContain(secret);
    const detail = await get<ApiDetail>('/v1/console/apis/shop/item007');
    expect(detail.body.plugins).toEqual([{ plugin: 'tokenAuth', type: 'JWT', via: 'group', stages: ['PRE'] }]);
    expect(detail.text).not.toContain(secret);
  });

  it('shows certificates by their public facts, never the key, and apps without their secrets', async () => {
    const groups = await get<GroupView[]>('/v1/console/groups');
    expect(groups.body[0]!.certificates[0]).toMatchObject({ domain: 'secure.shop.localhost', subject: 'CN=secure.shop.localhost' });
    expect(groups.body[0]!.certificates[0]!.daysLeft).toBeGreaterThan(0);
    expect(groups.text).not.toContain('PRIVATE KEY');
    expect(groups.text).not.toContain(key.split('\n')[1]);
    const credentials = await gateway.client.getCredentials('mobile');
    const apps = await get<AppView[]>('/v1/console/apps');
    expect(apps.body).toEqual([{ name: 'mobile', stack: 'shop', appKey: credentials.appKey, appId: credentials.appId, authorizations: [{ api: 'shop/item007', stages: ['TEST', 'RELEASE'] }] }]);
    for (const path of ['/v1/console/apps', '/v1/console/apis/shop/item007', '/v1/console/overview', '/v1/console/apis']) {
      const { text } = await get(path);
      expect(text).not.toContain(credentials.appSecret);
      expect(text).not.toContain(credentials.appCode);
    }
  });

  it('reveals an app secret only on request, and logs who asked without the secret', async () => {
    const credentials = await gateway.client.getCredentials('mobile');
    const revealed = await post<{ appSecret: string; appCode: string }>('/v1/console/apps/mobile/reveal');
    expect(revealed.status).toBe(200);
    expect(revealed.body).toMatchObject({ appSecret: credentials.appSecret, appCode: credentials.appCode });
    const lines = audit.filter((l) => l.includes('app.credentials.revealed'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(credentials.appSecret);
    expect((await post('/v1/console/apps/nobody/reveal')).status).toBe(404);
    expect((await get('/v1/console/apps/mobile/reveal')).status).toBe(405);
  });
});

describe('console debug', () => {
  it('signs as the app with the shared call module and reaches the backend through the data plane', async () => {
    const { status, body } = await post<DebugResult>('/v1/console/debug', { api: 'shop/item007', stage: 'TEST', caller: { kind: 'app', app: 'mobile' } });
    expect(status).toBe(200);
    expect(body.response).toMatchObject({ status: 200, body: '{"mock":true}' });
    expect(body.request.stringToSign).toContain('/item007');
    expect(body.request.headers.map(([k]) => k)).toEqual(expect.arrayContaining(['x-ca-key', 'x-ca-signature', 'x-ca-stage']));
  });

  it('masks the AppCode the runtime sent', async () => {
    const credentials = await gateway.client.getCredentials('mobile');
    const { text, body } = await post<DebugResult>('/v1/console/debug', { api: 'shop/item007', stage: 'TEST', caller: { kind: 'app', app: 'mobile', use: 'appCode' } });
    expect(body.response?.status).toBe(200);
    expect(text).not.toContain(credentials.appCode);
    expect(body.request.headers).toContainEqual(['authorization', 'APPCODE ••••••']);
  });

  it('explains a signature mismatch with the gateway string to sign', async () => {
    const credentials = await gateway.client.getCredentials('mobile');
    const { body } = await post<DebugResult>('/v1/console/debug', { api: 'shop/item007', stage: 'TEST', caller: { kind: 'keys', appKey: credentials.appKey, appSecret: 'wrong' } });
    expect(body.response).toMatchObject({ status: 400, gatewayError: { code: 'A403IS' } });
    expect(body.response?.serverStringToSign).toBe(body.request.stringToSign);
  });

  it('refuses a malformed debug request, naming the field, and calls nothing', async () => {
    const cases: [unknown, number, string][] = [
      [[], 400, ''],
      [{ api: 'item007', stage: 'TEST', caller: { kind: 'anonymous' } }, 400, '/api'],
      [{ api: 'shop/item007', stage: 'PROD', caller: { kind: 'anonymous' } }, 400, '/stage'],
      [{ api: 'shop/item007', stage: 'TEST', caller: { kind: 'root' } }, 400, '/caller/kind'],
      [{ api: 'shop/item007', stage: 'TEST', caller: { kind: 'app' } }, 400, '/caller/app'],
      [{ api: 'shop/item007', stage: 'TEST', caller: { kind: 'anonymous' }, query: { a: 1 } }, 400, '/query/a'],
      [{ api: 'shop/item007', stage: 'TEST', caller: { kind: 'anonymous' }, form: { a: 'b' }, body: 'x' }, 400, '/body'],
      [{ api: 'shop/item007', stage: 'TEST', caller: { kind: 'anonymous' }, extra: true }, 400, '/extra'],
    ];
    for (const [payload, status, pointer] of cases) {
      const response = await post<{ error: { problems?: { pointer: string }[] } }>('/v1/console/debug', payload);
      expect({ payload, status: response.status, pointer: response.body.error.problems?.[0]?.pointer }).toEqual({ payload, status, pointer });
    }
    expect((await post('/v1/console/debug', { api: 'shop/nothing', stage: 'TEST', caller: { kind: 'anonymous' } })).status).toBe(404);
    expect((await post('/v1/console/debug', { api: 'shop/item007', stage: 'TEST', caller: { kind: 'app', app: 'nobody' } })).status).toBe(404);
    const header = await post<{ error: { message: string } }>('/v1/console/debug', { api: 'shop/item007', stage: 'TEST', caller: { kind: 'anonymous' }, headers: { 'bad header': 'x' } });
    expect(header.status).toBe(400);
    expect(header.body.error.message).toContain('header name');
  });
});

describe('trafficFromMetrics', () => {
  it('sums each API and stage across sources, by status and latency bucket', () => {
    const text = [
      '# HELP apigw_requests_total x',
      'apigw_requests_total{api="shop/a",stage="RELEASE",status="200"} 3',
      'apigw_requests_total{api="shop/a",stage="RELEASE",status="500"} 1',
      'apigw_requests_total{api="shop/a",stage="RELEASE",status="200"} 2',
      'apigw_requests_total{api="",stage="RELEASE",status="404"} 9',
      'apigw_requests_total{api="sh\\"op/b",stage="TEST",status="200"} 1',
      'apigw_request_duration_seconds_bucket{le="0.01",api="shop/a",stage="RELEASE"} 4',
      'apigw_request_duration_seconds_bucket{le="+Inf",api="shop/a",stage="RELEASE"} 6',
    ].join('\n');
    expect(trafficFromMetrics(text)).toEqual([
      { api: 'shop/a', stage: 'RELEASE', requests: 6, statuses: { '200': 5, '500': 1 }, buckets: [[0.01, 4], [Infinity, 6]] },
      { api: 'sh"op/b', stage: 'TEST', requests: 1, statuses: { '200': 1 }, buckets: [] },
    ]);
    expect(trafficFromMetrics(text, 'shop/a')).toHaveLength(1);
  });
});
