/**
 * The admin API over real HTTP: authentication, per-resource endpoints,
 * publish/unpublish, ETags, error bodies for every kind of client mistake
 * (and that none of them changes the state), health and metrics.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGateway } from '../../src/gateway';
import { RUNTIME_ERRORS } from '../../src/errors';
import { api, group, shopOperations, tempDir, users } from '../store/fixtures';
import { startHarness, TOKEN, type Harness } from './harness';

describe('admin API over HTTP', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ adminMaxBodyBytes: 64 * 1024 });
  });
  afterEach(() => h.close());

  const revision = async () => (await h.call('GET', '/v1/state')).json.revision as number;

  test('every endpoint but the health probes needs the bearer token: 401, and nothing changes', async () => {
    for (const token of [null, 'wrong-token', '', `${TOKEN}x`, TOKEN.slice(1)]) {
      const res = await h.call('POST', '/v1/groups', { token, body: group });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('APIGW_UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
    const basic = await h.call('GET', '/v1/state', { token: null, headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    expect((await h.call('GET', '/metrics', { token: null })).status).toBe(401);
    expect((await h.call('GET', '/v1/nothing', { token: null })).status).toBe(401);
    expect((await h.call('POST', '/v1/batch', { token: 'nope', body: { stack: null, operations: shopOperations() } })).status).toBe(401);
    expect(await revision()).toBe(0);
    expect((await h.call('GET', '/healthz', { token: null })).json).toEqual({ status: 'ok' });
    expect((await h.call('GET', '/readyz', { token: null })).status).toBe(200);
  });

  test('the token comes from APIGW_ADMIN_TOKEN or a 0600 file generated once and reused', async () => {
    const dir = tempDir();
    const saved = process.env['APIGW_ADMIN_TOKEN'];
    delete process.env['APIGW_ADMIN_TOKEN'];
    try {
      const first = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0 });
      const file = join(dir.dir, 'admin.token');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.adminToken);
      expect(first.adminToken.length).toBeGreaterThanOrEqual(32);
      await first.close();
      const second = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0 });
      expect(second.adminToken).toBe(first.adminToken);
      await second.close();
      process.env['APIGW_ADMIN_TOKEN'] = 'from-environment';
      const third = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0 });
      expect(third.adminToken).toBe('from-environment');
      await third.close();
      expect(statSync(join(dir.dir, 'gateway.db')).mode & 0o777).toBe(0o600);
    } finally {
      if (saved === undefined) delete process.env['APIGW_ADMIN_TOKEN'];
      else process.env['APIGW_ADMIN_TOKEN'] = saved;
      dir.cleanup();
    }
  });

  test('per-resource create, read, list, update and delete', async () => {
    const created = await h.call('POST', '/v1/groups?stack=shop', { body: group });
    expect(created.status).toBe(201);
    expect(created.json.resource).toMatchObject({ kind: 'group', id: 'shop', stack: 'shop', spec: { basePath: '/' } });
    expect(created.headers['etag']).toBe('"1"');
    expect((await h.call('GET', '/v1/groups/shop')).json.spec.domains).toEqual(['api.shop.localhost']);
    const list = await h.call('GET', '/v1/groups');
    expect(list.json.items.map((g: { id: string }) => g.id)).toEqual(['shop']);
    // The path fixes the name; the body may omit it but not contradict it.
    const updated = await h.call('PUT', '/v1/groups/shop?stack=shop', { body: { basePath: '/v2', domains: ['api.shop.localhost'] } });
    expect(updated.status).toBe(200);
    expect(updated.json.resource.spec.basePath).toBe('/v2');
    const contradict = await h.call('PUT', '/v1/groups/shop?stack=shop', { body: { name: 'other' } });
    expect(contradict.status).toBe(400);
    expect(contradict.json.error.problems[0].pointer).toBe('/name');
    const wrongStack = await h.call('PUT', '/v1/groups/shop', { body: { basePath: '/v3' } });
    expect([wrongStack.status, wrongStack.json.error.code]).toEqual([409, 'APIGW_NOT_OWNED']);
    const invalid = await h.call('PUT', '/v1/groups/shop?stack=shop', { body: { basePath: 'no-slash' } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.problems[0].pointer).toBe('/basePath');
    const deleted = await h.call('DELETE', '/v1/groups/shop?stack=shop');
    expect(deleted.json).toMatchObject({ revision: 3, results: [{ op: 'delete', kind: 'group', id: 'shop' }] });
    expect((await h.call('GET', '/v1/groups/shop')).status).toBe(404);
    expect((await h.call('DELETE', '/v1/groups/shop?stack=shop')).status).toBe(404);
  });

  test('every kind has its path; APIs and authorizations are addressed by their parts', async () => {
    const ops = shopOperations();
    for (const op of ops) {
      if (op.op !== 'create') continue;
      const path = { vpcAccess: '/v1/vpc-accesses', backendService: '/v1/backend-services', group: '/v1/groups', api: '/v1/apis', app: '/v1/apps', authorization: '/v1/authorizations' }[op.kind];
      const res = await h.call('POST', `${path}?stack=shop`, { body: op.spec });
      expect([op.kind, res.status]).toEqual([op.kind, 201]);
    }
    expect((await h.call('GET', '/v1/vpc-accesses/shop_vpc')).json.spec.port).toBe(8081);
    expect((await h.call('GET', '/v1/backend-services/users')).json.spec.type).toBe('HTTP');
    expect((await h.call('GET', '/v1/apis/shop/getUser')).json.id).toBe('shop/getUser');
    expect((await h.call('GET', '/v1/apps/mobile')).json.appKey).toMatch(/^\d{9}$/);
    expect((await h.call('GET', '/v1/authorizations/mobile/shop/getUser')).json.spec.stages).toEqual(['RELEASE']);
    const updatedAuth = await h.call('PUT', '/v1/authorizations/mobile/shop/getUser?stack=shop', { body: { stages: ['TEST', 'RELEASE'] } });
    expect(updatedAuth.json.resource.spec.stages).toEqual(['TEST', 'RELEASE']);
    const apiUpdate = await h.call('PUT', '/v1/apis/shop/getUser?stack=shop', { body: { ...api(), description: 'by path' } });
    expect(apiUpdate.json.resource.spec.description).toBe('by path');
  });

  test('?dryRun=true checks a per-resource change without making it', async () => {
    const checked = await h.call('POST', '/v1/groups?stack=shop&dryRun=true', { body: group });
    expect(checked.status).toBe(200);
    expect(checked.json).toEqual({ revision: 0, dryRun: true, results: [{ index: 0, op: 'create', kind: 'group', id: 'shop' }] });
    expect((await h.call('GET', '/v1/groups/shop')).status).toBe(404);
    const refused = await h.call('DELETE', '/v1/groups/shop?dryRun=true');
    expect(refused.json.error.code).toBe('APIGW_NOT_FOUND');
    expect((await h.call('POST', '/v1/groups?dryRun=maybe', { body: group })).status).toBe(400);
    expect(await revision()).toBe(0);
  });

  test('publish and unpublish an API with PUT and DELETE on its stage', async () => {
    await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: shopOperations().slice(0, 5) } });
    const published = await h.call('PUT', '/v1/apis/shop/getUser/stages/RELEASE?stack=shop');
    expect(published.status).toBe(200);
    expect(published.json.results).toEqual([{ index: 0, op: 'publish', kind: 'api', id: 'shop/getUser' }]);
    expect(Object.keys((await h.call('GET', '/v1/apis/shop/getUser')).json.published)).toEqual(['RELEASE']);
    const noBackend = await h.call('PUT', '/v1/apis/shop/getUser/stages/PRE?stack=shop');
    expect([noBackend.status, noBackend.json.error.code]).toEqual([409, 'APIGW_STAGE_WITHOUT_BACKEND']);
    expect((await h.call('PUT', '/v1/apis/shop/getUser/stages/PROD?stack=shop')).status).toBe(400);
    expect((await h.call('PUT', '/v1/apis/shop/getUser/stages/TEST?stack=shop', { body: { force: true } })).status).toBe(400);
    expect((await h.call('DELETE', '/v1/apis/shop/getUser/stages/RELEASE?stack=shop')).status).toBe(200);
    expect((await h.call('GET', '/v1/apis/shop/getUser')).json.published).toEqual({});
    expect((await h.call('DELETE', '/v1/apis/shop/getUser/stages/RELEASE?stack=shop')).json.error.code).toBe('APIGW_NOT_PUBLISHED');
  });

  test('the state carries its revision as ETag; If-None-Match answers 304; If-Match guards a change', async () => {
    await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: shopOperations() } });
    const state = await h.call('GET', '/v1/state');
    expect(state.headers['etag']).toBe('"1"');
    expect((await h.call('GET', '/v1/state', { headers: { 'if-none-match': '"1"' } })).status).toBe(304);
    expect((await h.call('GET', '/v1/state?stack=nobody')).json.groups).toEqual([]);
    const stale = await h.call('PUT', '/v1/backend-services/users?stack=shop', { body: users, headers: { 'if-match': '"0"' } });
    expect([stale.status, stale.json.error.code, stale.json.error.revision]).toEqual([409, 'APIGW_REVISION_CONFLICT', 1]);
    const fresh = await h.call('PUT', '/v1/backend-services/users?stack=shop', { body: users, headers: { 'if-match': '"1"' } });
    expect(fresh.status).toBe(200);
    expect((await h.call('PUT', '/v1/backend-services/users?stack=shop', { body: users, headers: { 'if-match': 'soon' } })).status).toBe(400);
  });

  test('?since=R answers what changed since R, the whole state when the log does not reach R, 304 when R is current', async () => {
    await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: shopOperations() } });
    await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: [{ op: 'unpublish', api: 'shop/getUser', stage: 'TEST' }] } });
    const changes = await h.call('GET', '/v1/state?since=1');
    expect(changes.status).toBe(200);
    expect(changes.headers['etag']).toBe('"2"');
    expect(changes.json).toMatchObject({ revision: 2, since: 1, deleted: [], changed: { groups: [], apps: [] } });
    expect(changes.json.changed.apis.map((a: { id: string; published: object }) => [a.id, Object.keys(a.published)])).toEqual([['shop/getUser', ['RELEASE']]]);
    expect((await h.call('GET', '/v1/state?since=2', { headers: { 'if-none-match': '"2"' } })).status).toBe(304);
    expect((await h.call('GET', '/v1/state?since=2')).json).toMatchObject({ revision: 2, since: 2, deleted: [] });
    // Ahead of the gateway, or of another store (a gateway replaced at the same address): the whole state.
    const whole = await h.call('GET', '/v1/state?since=7&stack=shop');
    expect(whole.json.since).toBeUndefined();
    expect(whole.json.apis.map((a: { id: string }) => a.id)).toEqual(['shop/getUser']);
    const store = changes.headers['x-apigw-store'] as string;
    expect(store).toMatch(/^[0-9a-f]{32}$/);
    expect((await h.call('GET', `/v1/state?since=1&store=${store}`)).json.since).toBe(1);
    expect((await h.call('GET', '/v1/state?since=1&store=0123')).json.since).toBeUndefined();
    // The same revision number in another store is not the same state: no 304 for it.
    const replaced = await h.call('GET', '/v1/state?since=2&store=0123', { headers: { 'if-none-match': '"2"' } });
    expect([replaced.status, replaced.json?.since, replaced.json?.apis.length]).toEqual([200, undefined, 1]);
    for (const bad of ['-1', 'x', '1.5', '']) {
      const refused = await h.call('GET', `/v1/state?since=${bad}`);
      expect([refused.status, refused.json.error.problems[0].pointer]).toEqual([400, '?since']);
    }
  });

  test('credentials read and rotate over HTTP, never cached', async () => {
    await h.call('POST', '/v1/apps?stack=shop', { body: { name: 'mobile' } });
    const read = await h.call('GET', '/v1/apps/mobile/credentials');
    expect(read.json).toMatchObject({ app: 'mobile', appKey: expect.stringMatching(/^\d{9}$/), appSecret: expect.any(String), appCode: expect.any(String) });
    expect(read.headers['cache-control']).toBe('no-store');
    const rotated = await h.call('POST', '/v1/apps/mobile/credentials/rotate');
    expect(rotated.json.appKey).toBe(read.json.appKey);
    expect(rotated.json.appSecret).not.toBe(read.json.appSecret);
    expect((await h.call('GET', '/v1/apps/nothere/credentials')).status).toBe(404);
  });

  test('client mistakes are 4xx with an error body, and change nothing', async () => {
    await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: shopOperations() } });
    const before = await h.call('GET', '/v1/state');
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/batch', '{"stack":', 400, 'APIGW_BAD_REQUEST'],
      ['POST', '/v1/batch', 'null', 400, 'APIGW_BAD_REQUEST'],
      ['POST', '/v1/batch', { stack: 'shop', operations: [], extra: 1 }, 400, 'APIGW_BAD_REQUEST'],
      ['POST', '/v1/groups?stack=shop', { name: 'shop_two', colour: 'red' }, 400, 'APIGW_SPEC_INVALID'],
      ['POST', '/v1/groups?stack=shop&force=1', { name: 'shop_two' }, 400, 'APIGW_BAD_REQUEST'],
      ['POST', '/v1/groups?stack=shop', '[1,2]', 400, 'APIGW_BAD_REQUEST'],
      ['POST', '/v1/groups?stack=shop', 'x'.repeat(70 * 1024), 413, 'APIGW_BODY_TOO_LARGE'],
      ['GET', '/v1/nothing', undefined, 404, 'APIGW_ROUTE_NOT_FOUND'],
      ['GET', '/v1/groups/a/b/c/d', undefined, 404, 'APIGW_ROUTE_NOT_FOUND'],
      ['PATCH', '/v1/groups/shop', { basePath: '/x' }, 405, 'APIGW_METHOD_NOT_ALLOWED'],
      ['DELETE', '/v1/batch', undefined, 405, 'APIGW_METHOD_NOT_ALLOWED'],
      ['GET', '/v1/groups/%E0%A4%A', undefined, 400, 'APIGW_BAD_REQUEST'],
      ['POST', '/v1/apps/mobile/credentials/rotate', { now: true }, 400, 'APIGW_BAD_REQUEST'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await h.call(method, path, { body });
      expect([method, path, res.status, res.json?.error?.code]).toEqual([method, path, status, code]);
      expect(typeof res.json.error.message).toBe('string');
    }
    expect((await h.call('PATCH', '/v1/groups/shop')).headers['allow']).toBe('GET, PUT, DELETE');
    const after = await h.call('GET', '/v1/state');
    expect(after.json).toEqual(before.json);
  });

  test('/metrics speaks Prometheus text and counts admin requests; /readyz reports the revision', async () => {
    await h.call('GET', '/v1/state');
    await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: shopOperations() } });
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toContain('apigw_admin_requests_total{method="GET",route="/v1/state",status="200"} 1');
    expect(metrics.text).toContain('apigw_batches_total{outcome="committed"} 1');
    expect(metrics.text).toContain('apigw_state_revision 1');
    expect((await h.call('GET', '/readyz', { token: null })).json).toEqual({ status: 'ready', revision: 1 });
  });
});

test('every error code has a status, a description, and a row in the README', () => {
  for (const { status, doc } of Object.values(RUNTIME_ERRORS)) {
    expect(status === 0 || (status >= 400 && status < 600)).toBe(true);
    expect(doc.length).toBeGreaterThan(20);
  }
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const documented = [...readme.matchAll(/^\| `(APIGW_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
  expect(documented).toEqual(Object.keys(RUNTIME_ERRORS).sort());
});
