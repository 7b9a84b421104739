/**
 * The Pulumi resources' provider functions driven through a whole
 * lifecycle, in the order the Pulumi engine calls them, against a real
 * gateway runtime on loopback: create, no-op diff, update in place,
 * replace, refresh after an out-of-band change, import, delete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, type Gateway } from '@apigw/runtime';
import type { Kind } from '@apigw/schema';
import { GatewayResourceProvider } from '@apigw/provider/pulumi';
import { selfSignedCertificate } from '../../src/terraform/certificate';
import { CheckFailed, configure, destroy, importResource, refresh, up, type Provider, type ResourceState } from './engine';

const OWNER = 'shop';

let gateway: Gateway;
let dataDir: string;
let backend: Server;
let backendUrl: string;
const providers = {} as Record<Kind, Provider>;
const state: Record<string, ResourceState> = {};

/** The program's inputs, written as a user would (defaults left out). */
function program(backendOrigin: string) {
  return {
    vpc: { name: 'shop_vpc', vpcId: 'vpc-1', instanceId: 'i-web1', port: 8081, stack: OWNER },
    spareVpc: { name: 'spare_vpc', vpcId: 'vpc-1', instanceId: 'i-web2', port: 8081, stack: OWNER },
    users: { name: 'users', type: 'HTTP', environments: { TEST: { url: backendOrigin }, RELEASE: { url: backendOrigin } }, stack: OWNER },
    orders: { name: 'orders', type: 'VPC', environments: { RELEASE: { vpcAccess: 'shop_vpc' } }, stack: OWNER },
    stub: { name: 'stub', type: 'MOCK', environments: { TEST: { mock: { statusCode: 200, body: '{"ok":true}' } } }, stack: OWNER },
    group: { name: 'shop', domains: ['api.shop.localhost'], stack: OWNER },
    group2: { name: 'shop_two', domains: ['two.shop.localhost'], stack: OWNER },
    getUser: {
      group: 'shop',
      name: 'getUser',
      auth: { appCode: 'HEADER' },
      request: { method: 'GET', path: '/users/{id}', parameters: [{ name: 'id', in: 'PATH', required: true }] },
      backend: { service: 'users', path: '/v1/users/{id}' },
      stages: ['RELEASE', 'TEST'],
      stack: OWNER,
    },
    listUsers: {
      group: 'shop',
      name: 'listUsers',
      auth: { type: 'ANONYMOUS' },
      request: { method: 'GET', path: '/users' },
      backend: { service: 'users', path: '/v1/users' },
      stages: ['RELEASE'],
      stack: OWNER,
    },
    app: { name: 'mobile', stack: OWNER },
    grant: { app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'], stack: OWNER },
  };
}

type Program = ReturnType<typeof program>;
const KIND_OF: Record<keyof Program, Kind> = {
  vpc: 'vpcAccess',
  spareVpc: 'vpcAccess',
  users: 'backendService',
  orders: 'backendService',
  stub: 'backendService',
  group: 'group',
  group2: 'group',
  getUser: 'api',
  listUsers: 'api',
  app: 'app',
  grant: 'authorization',
};
const ORDER = Object.keys(KIND_OF) as (keyof Program)[];

let desired: Program;

async function upAll(p: Program): Promise<Record<string, string>> {
  const steps: Record<string, string> = {};
  for (const key of ORDER) {
    const result = await up(providers[KIND_OF[key]], state[key], p[key]);
    state[key] = result.state;
    steps[key] = result.step;
  }
  return steps;
}

/** A request to the data plane for the shop group's domain. */
function callGateway(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.dataUrl}${path}`, { headers: { host: 'api.shop.localhost', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  backend = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'apigw-pulumi-'));
  gateway = await createGateway({ dataDir, port: 0, adminPort: 0, adminToken: 'pulumi-test-token' });
  for (const kind of ['vpcAccess', 'backendService', 'group', 'api', 'app', 'authorization'] as Kind[]) {
    const provider = new GatewayResourceProvider(kind) as unknown as Provider;
    await configure(provider, { 'apigw:endpoint': gateway.adminUrl, 'apigw:token': gateway.adminToken });
    providers[kind] = provider;
  }
  desired = program(backendUrl);
});

afterAll(async () => {
  await gateway?.close();
  await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('Pulumi resource lifecycle against a running gateway', () => {
  it('creates all six kinds, owned by the stack, with ids and app credentials as outputs', async () => {
    const steps = await upAll(desired);
    expect(new Set(Object.values(steps))).toEqual(new Set(['create']));
    expect(state['getUser']!.id).toBe('shop/getUser');
    expect(state['grant']!.id).toBe('mobile:shop/getUser');

    const live = await gateway.client.getResource('api', 'shop/getUser');
    expect(live?.stack).toBe(OWNER);
    const credentials = await gateway.client.getCredentials('mobile');
    expect(state['app']!.outputs).toMatchObject({ appKey: credentials.appKey, appSecret: credentials.appSecret, appCode: credentials.appCode, stack: OWNER });
    expect(state['getUser']!.outputs['stages']).toEqual(['TEST', 'RELEASE']);
    expect(Object.keys(state['getUser']!.outputs['published'] as object).sort()).toEqual(['RELEASE', 'TEST']);

    // The gateway serves what Pulumi created, to the app whose AppCode Pulumi holds.
    const ok = await callGateway('/users/7', { authorization: `APPCODE ${String(state['app']!.outputs['appCode'])}` });
    expect(ok).toEqual({ status: 200, body: JSON.stringify({ path: '/v1/users/7' }) });
    expect((await callGateway('/users/7', { authorization: 'APPCODE wrong' })).status).not.toBe(200);
  });

  it('plans no change on a second run: defaults and ordering never show as a diff', async () => {
    const steps = await upAll(desired);
    expect(new Set(Object.values(steps))).toEqual(new Set(['same']));
  });

  it('updates in place: a new RELEASE URL is an update that repoints the published API', async () => {
    const moved = createServer((req, res) => res.end(`moved ${req.url}`));
    await new Promise<void>((resolve) => moved.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(moved.address() as AddressInfo).port}`;
      const result = await up(providers.backendService, state['users'], { ...desired.users, environments: { ...desired.users.environments, RELEASE: { url } } });
      expect(result.step).toBe('update');
      expect(result.diff).toEqual({ changes: true });
      state['users'] = result.state;
      expect((await callGateway('/users/8', { authorization: `APPCODE ${String(state['app']!.outputs['appCode'])}` })).body).toBe('moved /v1/users/8');

      // And back, so later steps see the program's own URL.
      const back = await up(providers.backendService, state['users'], desired.users);
      expect(back.step).toBe('update');
      state['users'] = back.state;
    } finally {
      await new Promise<void>((resolve) => moved.close(() => resolve()));
    }
  });

  it('republishes an API after a definition change, and only unpublishes a stage the program drops', async () => {
    const described = await up(providers.api, state['getUser'], { ...desired.getUser, description: 'one user' });
    expect(described.step).toBe('update');
    const live = await gateway.client.getResource('api', 'shop/getUser');
    const api = live as unknown as { digest: string; published: Record<string, { digest: string }> };
    expect(api.published['RELEASE']?.digest).toBe(api.digest);
    expect(api.published['TEST']?.digest).toBe(api.digest);

    const dropped = await up(providers.api, described.state, { ...desired.getUser, description: 'one user', stages: ['RELEASE'] });
    expect(dropped.step).toBe('update');
    const unpublished = (await gateway.client.getResource('api', 'shop/getUser')) as unknown as { published: Record<string, unknown> };
    expect(Object.keys(unpublished.published)).toEqual(['RELEASE']);
    expect(dropped.state.outputs['stages']).toEqual(['RELEASE']);

    const restored = await up(providers.api, dropped.state, desired.getUser);
    state['getUser'] = restored.state;
    expect(restored.state.outputs['stages']).toEqual(['TEST', 'RELEASE']);
  });

  it('replaces on replace-only fields, deleting first because names stay unique', async () => {
    const retyped = await up(providers.backendService, state['stub'], { name: 'stub', type: 'HTTP', environments: { TEST: { url: backendUrl } }, stack: OWNER });
    expect(retyped.step).toBe('replace');
    expect(retyped.diff).toEqual({ changes: true, replaces: ['type'], deleteBeforeReplace: true });
    expect((await gateway.client.getResource('backendService', 'stub'))?.spec).toMatchObject({ type: 'HTTP' });
    state['stub'] = retyped.state;

    const rekeyed = await up(providers.vpcAccess, state['spareVpc'], { ...desired.spareVpc, port: 8082 });
    expect(rekeyed.step).toBe('replace');
    expect(rekeyed.diff).toEqual({ changes: true, replaces: ['port'], deleteBeforeReplace: true });
    expect((await gateway.client.getResource('vpcAccess', 'spare_vpc'))?.spec).toMatchObject({ port: 8082 });
    state['spareVpc'] = rekeyed.state;

    const regrouped = await up(providers.api, state['listUsers'], { ...desired.listUsers, group: 'shop_two' });
    expect(regrouped.step).toBe('replace');
    expect(regrouped.diff).toEqual({ changes: true, replaces: ['group'], deleteBeforeReplace: true });
    expect(regrouped.state.id).toBe('shop_two/listUsers');
    expect(await gateway.client.getResource('api', 'shop/listUsers')).toBeUndefined();
    expect(await gateway.client.getResource('api', 'shop_two/listUsers')).toBeDefined();
    state['listUsers'] = regrouped.state;
    desired = { ...desired, listUsers: { ...desired.listUsers, group: 'shop_two' } };

    // Renaming an app replaces it. The authorization refers to the app, so the
    // engine asks whether it must be replaced too, with the reference unknown:
    // it must, and it goes first.
    const dependent = await providers.authorization.diff(state['grant']!.id, state['grant']!.outputs, {
      ...state['grant']!.inputs,
      app: '04da6b54-80e4-46f7-96ec-b56ff0331ba9',
    });
    expect(dependent).toEqual({ changes: true, replaces: ['app'], deleteBeforeReplace: true });
    await destroy(providers.authorization, state['grant']!);
    const renamed = await up(providers.app, state['app'], { name: 'mobile_two', stack: OWNER });
    expect(renamed.step).toBe('replace');
    expect(renamed.diff).toEqual({ changes: true, replaces: ['name'], deleteBeforeReplace: true });
    expect(await gateway.client.getResource('app', 'mobile')).toBeUndefined();
    desired = { ...desired, app: { name: 'mobile_two', stack: OWNER }, grant: { ...desired.grant, app: 'mobile_two' } };
    state['app'] = renamed.state;
    state['grant'] = (await up(providers.authorization, undefined, desired.grant)).state;
    expect(state['grant'].id).toBe('mobile_two:shop/getUser');
  });

  it('refresh sees an out-of-band change; the next up puts the program back', async () => {
    const live = await gateway.client.getResource('backendService', 'users');
    await gateway.client.batch({
      stack: OWNER,
      operations: [{ op: 'update', kind: 'backendService', spec: { ...(live!.spec as object), description: 'edited by hand' } as never }],
    });

    const refreshed = await refresh(providers.backendService, state['users']!);
    expect(refreshed?.outputs['description']).toBe('edited by hand');
    const result = await up(providers.backendService, refreshed, desired.users);
    expect(result.step).toBe('update');
    expect((await gateway.client.getResource('backendService', 'users'))?.spec).not.toHaveProperty('description');
    state['users'] = result.state;

    // A resource deleted out of band reads as gone.
    await gateway.client.batch({ stack: OWNER, operations: [{ op: 'delete', kind: 'vpcAccess', id: 'spare_vpc' }] });
    expect(await refresh(providers.vpcAccess, state['spareVpc']!)).toBeUndefined();
    delete state['spareVpc'];
  });

  it('imports a resource nobody owns by its id, and the next up adopts it', async () => {
    await gateway.client.batch({ stack: null, operations: [{ op: 'create', kind: 'app', spec: { name: 'legacy', description: 'made by hand' } }] });

    const imported = await importResource(providers.app, 'legacy');
    expect(imported?.inputs).toMatchObject({ name: 'legacy', description: 'made by hand' });
    expect(imported?.inputs).not.toHaveProperty('stack');
    expect(imported?.outputs).toMatchObject({ stack: null, appKey: expect.any(String), appSecret: expect.any(String) });

    const adopted = await up(providers.app, imported, { name: 'legacy', description: 'made by hand', stack: OWNER });
    expect(adopted.step).toBe('update');
    expect((await gateway.client.getResource('app', 'legacy'))?.stack).toBe(OWNER);
    state['legacy'] = adopted.state;
  });

  it('create refuses a resource that exists, unless adopt is set', async () => {
    await gateway.client.batch({ stack: null, operations: [{ op: 'create', kind: 'group', spec: { name: 'orphan', basePath: '/', domains: [], certificates: [] } }] });
    await expect(up(providers.group, undefined, { name: 'orphan', stack: OWNER })).rejects.toMatchObject({ code: 'APIGW_PULUMI_RESOURCE_EXISTS' });

    const adopted = await up(providers.group, undefined, { name: 'orphan', description: 'now ours', stack: OWNER, adopt: true });
    expect(adopted.step).toBe('create');
    expect(await gateway.client.getResource('group', 'orphan')).toMatchObject({ stack: OWNER, spec: { description: 'now ours' } });
    state['orphan'] = adopted.state;
  });

  it('leaves alone a resource another stack took meanwhile', async () => {
    await gateway.client.batch({ stack: 'intruder', operations: [{ op: 'adopt', kind: 'group', id: 'orphan', fromStack: OWNER }] });
    await expect(up(providers.group, state['orphan'], { name: 'orphan', description: 'changed', stack: OWNER })).rejects.toMatchObject({ code: 'APIGW_PULUMI_NOT_OWNED' });
    await expect(destroy(providers.group, state['orphan']!)).rejects.toMatchObject({ code: 'APIGW_PULUMI_NOT_OWNED' });
    expect(await gateway.client.getResource('group', 'orphan')).toMatchObject({ stack: 'intruder' });
    delete state['orphan'];
  });

  it('check names the field that is wrong, and changes nothing', async () => {
    const revision = gateway.revision;
    await expect(up(providers.vpcAccess, undefined, { name: 'bad_vpc', vpcId: 'vpc-1', instanceId: 'i-web1', port: 70000, stack: OWNER })).rejects.toThrow(CheckFailed);
    const failures = (await providers.api.check({}, { ...desired.getUser, request: { method: 'GET', path: 'no-slash' } })).failures;
    expect(failures).toEqual([expect.objectContaining({ property: 'request.path' })]);
    const unowned = await new GatewayResourceProvider('app').check({}, { name: 'nobody' });
    expect(unowned.failures).toEqual([expect.objectContaining({ property: 'stack' })]);
    expect(gateway.revision).toBe(revision);
  });

  it('plans no change for a group with a certificate, whose private key the outputs never hold', async () => {
    const { certPem, keyPem } = selfSignedCertificate();
    const secure = { name: 'secure', domains: ['secure.shop.localhost'], certificates: [{ domain: 'secure.shop.localhost', certificatePem: certPem, privateKeyPem: keyPem }], stack: OWNER };
    const created = await up(providers.group, undefined, secure);
    expect(JSON.stringify(created.state.outputs)).not.toContain(keyPem);
    const again = await up(providers.group, created.state, secure);
    expect(again.step).toBe('same');
    const described = await up(providers.group, again.state, { ...secure, description: 'TLS' });
    expect(described.step).toBe('update');
    await destroy(providers.group, described.state);
    expect(await gateway.client.getResource('group', 'secure')).toBeUndefined();
  });

  it('destroy deletes everything, dependents first; a second delete is a no-op', async () => {
    for (const key of [...ORDER, 'legacy'].reverse()) {
      const s = state[key];
      if (!s) continue;
      await destroy(providers[KIND_OF[key as keyof Program] ?? 'app'], s);
      await destroy(providers[KIND_OF[key as keyof Program] ?? 'app'], s);
    }
    const remaining = await gateway.client.getState({ stack: OWNER });
    const count = Object.values(remaining).filter(Array.isArray).reduce((n, list) => n + (list as unknown[]).length, 0);
    expect(count).toBe(0);
    const after = await callGateway('/users/7');
    expect(after.status).toBeGreaterThanOrEqual(400);
    expect(after.body).not.toContain('/v1/users/7');
  });
});
