/**
 * terraform-provider-apigw over the wire, with this test playing Terraform:
 * the built plugin is spawned with the go-plugin environment, the
 * handshake is parsed, and every RPC travels over mutual TLS with msgpack
 * values, against a real gateway runtime on loopback.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { createGateway, type Gateway } from '@apigw/runtime';
import { UNKNOWN, fromDynamic, toDynamic, type TfObject } from '../../src/terraform/values';
import { COOKIE, PROVIDER_BIN, PluginHarness } from './harness';

interface Backend {
  url: string;
  close(): Promise<void>;
}

/** A loopback HTTP server answering with its name and the path it got. */
async function startBackend(name: string): Promise<Backend> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ backend: name, path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** GET through the gateway's data plane, for the group's domain. */
function callGateway(gateway: Gateway, urlPath: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gateway.dataUrl}${urlPath}`, { headers: { host: 'shop.example.test', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: res.statusCode === 200 ? body : `${body} ${String(res.headers['x-ca-error-message'])}` }));
    });
    req.on('error', reject);
    req.end();
  });
}

const TOKEN = 'terraform-test-token';

describe('terraform-provider-apigw (protocol 6 over gRPC + mTLS)', () => {
  let dataDir: string;
  let gateway: Gateway;
  let backendA: Backend;
  let backendB: Backend;
  let tf: PluginHarness;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-tf-'));
    gateway = await createGateway({ dataDir, port: 0, adminPort: 0, adminToken: TOKEN });
    backendA = await startBackend('A');
    backendB = await startBackend('B');
    tf = await PluginHarness.start();
  });

  afterAll(async () => {
    if (tf) await tf.shutdown();
    await backendA?.close();
    await backendB?.close();
    await gateway?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to run without the magic cookie, saying what it is', () => {
    const env = { ...process.env };
    delete env['TF_PLUGIN_MAGIC_COOKIE'];
    const run = spawnSync(process.execPath, [PROVIDER_BIN], { env, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/plugin for Terraform/);
  });

  it('refuses a Terraform that only speaks protocol 5', () => {
    const run = spawnSync(process.execPath, [PROVIDER_BIN], { env: { ...process.env, ...COOKIE, PLUGIN_PROTOCOL_VERSIONS: '5' }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/version 6/);
  });

  it('shakes hands, reports SERVING and answers UNIMPLEMENTED for RPCs it does not serve', async () => {
    expect(tf.handshake).toMatch(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/);
    expect(await tf.healthCheck('plugin')).toEqual({ status: 'SERVING' });
    await expect(tf.callRaw('/tfplugin6.Provider/ReadDataSource')).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });

  it('serves the schema of the eight resource types with computed, sensitive and block attributes', async () => {
    const res = await tf.call('GetProviderSchema');
    const schemas = res['resource_schemas'] as Record<string, { block: { attributes: { name: string; computed?: boolean; sensitive?: boolean; type: Buffer }[]; block_types: { type_name: string; nesting: string }[] } }>;
    expect(Object.keys(schemas).sort()).toEqual(['apigw_api', 'apigw_api_group', 'apigw_app', 'apigw_authorization', 'apigw_backend_service', 'apigw_plugin', 'apigw_plugin_attachment', 'apigw_vpc_access']);
    const app = schemas['apigw_app']!.block.attributes;
    expect(app.find((a) => a.name === 'app_secret')).toMatchObject({ computed: true, sensitive: true });
    expect(app.find((a) => a.name === 'app_key')).toMatchObject({ computed: true });
    expect(app.find((a) => a.name === 'app_key')?.sensitive ?? false).toBe(false);
    const api = schemas['apigw_api']!.block;
    expect(api.block_types.map((b) => `${b.type_name}:${b.nesting}`).sort()).toEqual(['auth:SINGLE', 'backend:SINGLE', 'request:SINGLE']);
    expect(JSON.parse(api.attributes.find((a) => a.name === 'stages')!.type.toString())).toEqual(['set', 'string']);
  });

  it('reports configuration errors as diagnostics naming the attribute', async () => {
    const diags = await tf.validate('apigw_api', {
      group: 'shop',
      name: 'getUser',
      request: { method: 'GET', path: 'no-leading-slash' },
      backend: { service: 'users', path: '/v1/users' },
    });
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ severity: 'ERROR', attribute: { steps: [{ attribute_name: 'request' }, { attribute_name: 'path' }] } });

    const env = await tf.validate('apigw_backend_service', { name: 'users', type: 'HTTP', environments: { release: { vpc_access: 'some_vpc' } } });
    expect(env.map((d) => d.attribute?.steps.map((s) => ('attribute_name' in s ? s.attribute_name : '?')).join('.'))).toEqual(
      expect.arrayContaining(['environments.release.url', 'environments.release.vpc_access']),
    );

    const oss = await tf.validate('apigw_api', {
      group: 'files',
      name: 'upload',
      request: { method: 'PUT', path: '/f' },
      backend: { service: 'files', path: '/f', oss_action: 'GetObject' },
    });
    expect(oss.map((d) => d.attribute?.steps.map((s) => ('attribute_name' in s ? s.attribute_name : '?')).join('.'))).toEqual(['backend.oss_action']);

    // Unknown values (known only after apply) are not judged.
    const unknown = await tf.validate('apigw_authorization', { app: UNKNOWN, api: 'shop/getUser', stages: ['RELEASE'] });
    expect(unknown).toEqual([]);
  });

  it('plans the id from the identity fields, unknown only while one of them is', async () => {
    const byRef = await tf.plan('apigw_authorization', null, { app: UNKNOWN, api: 'shop/getUser', stages: ['RELEASE'] });
    expect(byRef.planned).toMatchObject({ id: UNKNOWN, app: UNKNOWN });
    const vpc = await tf.plan('apigw_vpc_access', null, { name: 'shop_vpc', vpc_id: 'vpc-1', instance_id: '10.0.0.8', port: UNKNOWN });
    expect(vpc.planned).toMatchObject({ id: 'shop_vpc', port: UNKNOWN });
    expect((await tf.plan('apigw_api_group', null, { name: 'shop' })).planned).toMatchObject({ id: 'shop', base_path: '/', domains: [], certificates: [] });
  });

  it('refuses resource operations until configured, and a configuration without a token', async () => {
    const before = await tf.call('ReadResource', { type_name: 'apigw_app', current_state: { msgpack: Buffer.from([0x81, 0xa2, 0x69, 0x64, 0xa4, 0x61, 0x62, 0x63, 0x64]) } });
    expect((before['diagnostics'] as { detail: string }[])[0]!.detail).toMatch(/APIGW_TF_NOT_CONFIGURED/);
    const diags = await tf.configure({ endpoint: gateway.adminUrl, token: null, stack: null });
    expect(diags[0]).toMatchObject({ summary: 'Missing admin token', attribute: { steps: [{ attribute_name: 'token' }] } });
    const bad = await tf.call('ValidateProviderConfig', { config: toDynamic({ endpoint: 'gateway:9080', token: null, stack: 'no spaces please' }) });
    expect((bad['diagnostics'] as { attribute: { steps: { attribute_name: string }[] } }[]).map((d) => d.attribute.steps[0]!.attribute_name)).toEqual(['endpoint', 'stack']);
    expect(await tf.configure({ endpoint: gateway.adminUrl, token: TOKEN, stack: UNKNOWN })).toEqual([
      expect.objectContaining({ summary: 'Unknown stack', detail: expect.stringContaining('APIGW_TF_CONFIG_UNKNOWN') }),
    ]);
  });

  it('runs the lifecycle: create, empty plan, update, replace, drift, import, destroy', async () => {
    expect(await tf.configure({ endpoint: gateway.adminUrl, token: TOKEN, stack: 'tf_test' })).toEqual([]);

    // --- create -----------------------------------------------------------
    const backendCfg = (url: string): TfObject => ({ name: 'users', type: 'HTTP', environments: { release: { url } } });
    const groupCfg: TfObject = { name: 'shop', domains: ['shop.example.test'] };
    const apiCfg = (backendPath: string): TfObject => ({
      group: 'shop',
      name: 'getUser',
      auth: { type: 'APP', app_code: 'HEADER' },
      request: { method: 'GET', path: '/users/{id}', parameters: [{ name: 'id', in: 'PATH', required: true }] },
      backend: { service: 'users', path: backendPath },
      stages: ['RELEASE'],
    });
    const appCfg: TfObject = { name: 'mobile' };
    const authCfg: TfObject = { app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'] };

    const appPlan = await tf.plan('apigw_app', null, appCfg);
    expect(appPlan.diagnostics).toEqual([]);
    expect(appPlan.planned).toMatchObject({ id: 'mobile', app_key: UNKNOWN, app_secret: UNKNOWN, app_code: UNKNOWN });

    let backend = await tf.converge('apigw_backend_service', null, backendCfg(backendA.url));
    const group = await tf.converge('apigw_api_group', null, groupCfg);
    let api = await tf.converge('apigw_api', null, apiCfg('/v1/users/{id}'));
    const app = await tf.converge('apigw_app', null, appCfg);
    const auth = await tf.converge('apigw_authorization', null, authCfg);

    expect(group).toMatchObject({ id: 'shop', base_path: '/', domains: ['shop.example.test'] });
    expect(api).toMatchObject({ id: 'shop/getUser', auth: { type: 'APP', app_code: 'HEADER', signature_method: 'HmacSHA256', anti_replay: false } });
    expect(auth['id']).toBe('mobile:shop/getUser');
    const creds = await gateway.client.getCredentials('mobile');
    expect(app).toMatchObject({ app_key: creds.appKey, app_secret: creds.appSecret, app_code: creds.appCode });
    expect((await gateway.client.getResource('api', 'shop/getUser'))?.stack).toBe('tf_test');

    let res = await callGateway(gateway, '/users/42', { authorization: `APPCODE ${creds.appCode}` });
    expect(res).toMatchObject({ status: 200 });
    expect(JSON.parse(res.body)).toEqual({ backend: 'A', path: '/v1/users/42' });

    // --- empty plan: the same configuration plans no change ---------------
    for (const [type, state, cfg] of [
      ['apigw_backend_service', backend, backendCfg(backendA.url)],
      ['apigw_api_group', group, groupCfg],
      ['apigw_api', api, apiCfg('/v1/users/{id}')],
      ['apigw_app', app, appCfg],
      ['apigw_authorization', auth, authCfg],
    ] as const) {
      const refreshed = await tf.read(type, state);
      expect(refreshed.state).toEqual(state);
      const plan = await tf.plan(type, refreshed.state, cfg);
      expect(plan.planned).toEqual(state);
      expect(plan.requiresReplace).toEqual([]);
    }

    // --- in-place update: repoint RELEASE to backend B ---------------------
    const repoint = await tf.plan('apigw_backend_service', backend, backendCfg(backendB.url));
    expect(repoint.requiresReplace).toEqual([]);
    backend = await tf.converge('apigw_backend_service', backend, backendCfg(backendB.url));
    res = await callGateway(gateway, '/users/7', { authorization: `APPCODE ${creds.appCode}` });
    expect(JSON.parse(res.body)).toEqual({ backend: 'B', path: '/v1/users/7' });

    // --- replace: a VPC access's key fields cannot change in place --------
    const vpcCfg = (port: number): TfObject => ({ name: 'shop_vpc', vpc_id: 'vpc-1', instance_id: '10.0.0.8', port });
    const vpc = await tf.converge('apigw_vpc_access', null, vpcCfg(8081));
    const replacePlan = await tf.plan('apigw_vpc_access', vpc, vpcCfg(8082));
    expect(replacePlan.requiresReplace).toEqual([[{ attribute_name: 'port' }]]);
    // Terraform replaces as delete, then create.
    const deleted = await tf.apply('apigw_vpc_access', vpc, null);
    expect(deleted).toEqual({ state: null, diagnostics: [] });
    const vpc2 = await tf.converge('apigw_vpc_access', null, vpcCfg(8082));
    expect(vpc2['port']).toBe(8082);
    expect((await gateway.client.getResource('vpcAccess', 'shop_vpc'))?.spec).toMatchObject({ port: 8082 });

    // --- drift: an out-of-band change shows on refresh and plans back ------
    const live = await gateway.client.getResource('api', 'shop/getUser');
    await gateway.client.batch({
      stack: 'tf_test',
      operations: [
        { op: 'update', kind: 'api', spec: { ...(live!.spec as object), backend: { ...(live!.spec as { backend: object }).backend, path: '/v2/users/{id}' } } as never },
        { op: 'publish', api: 'shop/getUser', stage: 'RELEASE' },
      ],
    });
    const drifted = await tf.read('apigw_api', api);
    expect((drifted.state as TfObject)['backend']).toMatchObject({ path: '/v2/users/{id}' });
    const back = await tf.plan('apigw_api', drifted.state, apiCfg('/v1/users/{id}'));
    expect(back.requiresReplace).toEqual([]);
    expect((back.planned as TfObject)['backend']).toMatchObject({ path: '/v1/users/{id}' });
    api = await tf.converge('apigw_api', drifted.state, apiCfg('/v1/users/{id}'));
    res = await callGateway(gateway, '/users/9', { authorization: `APPCODE ${creds.appCode}` });
    expect(JSON.parse(res.body)).toEqual({ backend: 'B', path: '/v1/users/9' });

    // A resource deleted out of band reads as gone.
    await gateway.client.batch({ stack: 'tf_test', operations: [{ op: 'delete', kind: 'vpcAccess', id: 'shop_vpc' }] });
    expect((await tf.read('apigw_vpc_access', vpc2)).state).toBeNull();

    // --- import: a resource made outside Terraform, owned by another stack -
    await gateway.client.batch({ stack: 'legacy', operations: [{ op: 'create', kind: 'app', spec: { name: 'partner', description: 'made by hand' } }] });
    const imported = await tf.call('ImportResourceState', { type_name: 'apigw_app', id: 'partner' });
    const [resource] = imported['imported_resources'] as { type_name: string; state: { msgpack: Buffer }; private: Buffer }[];
    expect(resource!.type_name).toBe('apigw_app');
    const importedState = fromDynamic(resource!.state) as TfObject;
    const partnerCreds = await gateway.client.getCredentials('partner');
    expect(importedState).toMatchObject({ id: 'partner', name: 'partner', description: 'made by hand', app_key: partnerCreds.appKey });
    const partnerCfg: TfObject = { name: 'partner', description: 'made by hand' };
    const readBack = await tf.read('apigw_app', importedState, resource!.private);
    expect((await tf.plan('apigw_app', readBack.state, partnerCfg, resource!.private)).planned).toEqual(importedState);
    // The first change claims it for this stack.
    const claimCfg: TfObject = { name: 'partner', description: 'managed by terraform' };
    const claimPlan = await tf.plan('apigw_app', readBack.state, claimCfg, resource!.private);
    const claimed = await tf.apply('apigw_app', readBack.state, claimPlan.planned, claimPlan.private);
    expect(claimed.diagnostics).toEqual([]);
    expect(await gateway.client.getResource('app', 'partner')).toMatchObject({ stack: 'tf_test', spec: { description: 'managed by terraform' } });
    expect(await tf.call('ImportResourceState', { type_name: 'apigw_app', id: 'nobody_here' })).toMatchObject({
      diagnostics: [expect.objectContaining({ summary: 'Cannot import non-existent remote object' })],
    });

    // --- gateway refusals come back as diagnostics ------------------------
    const orphan = await tf.plan('apigw_authorization', null, { app: 'ghost_app', api: 'shop/getUser', stages: ['RELEASE'] });
    const refused = await tf.apply('apigw_authorization', null, orphan.planned);
    expect(refused.diagnostics[0]).toMatchObject({ severity: 'ERROR', attribute: { steps: [{ attribute_name: 'app' }] } });
    // Publishing to a stage the backend service has no definition for names `stages`.
    const toPre = await tf.plan('apigw_api', api, { ...apiCfg('/v1/users/{id}'), stages: ['PRE', 'RELEASE'] });
    const unpublishable = await tf.apply('apigw_api', api, toPre.planned);
    expect(unpublishable.diagnostics).toEqual([
      expect.objectContaining({ severity: 'ERROR', detail: expect.stringMatching(/PRE.*APIGW_STAGE_WITHOUT_BACKEND/s), attribute: { steps: [expect.objectContaining({ attribute_name: 'stages' })] } }),
    ]);
    expect((await gateway.client.getState({ stack: 'tf_test' })).apis[0]!.published).not.toHaveProperty('PRE');
    // Creating what exists already says how to import it.
    const twice = await tf.plan('apigw_app', null, appCfg);
    expect((await tf.apply('apigw_app', null, twice.planned)).diagnostics[0]!.detail).toMatch(/APIGW_ALREADY_EXISTS[\s\S]*terraform import/);

    // --- destroy, in reverse dependency order ------------------------------
    for (const [type, state] of [
      ['apigw_authorization', auth],
      ['apigw_app', claimed.state],
      ['apigw_app', app],
      ['apigw_api', api],
      ['apigw_api_group', group],
      ['apigw_backend_service', backend],
    ] as const) {
      const plan = await tf.plan(type, state, null);
      expect(plan.planned).toBeNull();
      expect(await tf.apply(type, state, null)).toEqual({ state: null, diagnostics: [] });
    }
    const after = await gateway.client.getState({ stack: 'tf_test' });
    expect([after.apis, after.apps, after.groups, after.backendServices, after.authorizations].flat()).toEqual([]);
    res = await callGateway(gateway, '/users/1', { authorization: `APPCODE ${creds.appCode}` });
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('claims an import only from the owner seen at import: one that changed since is refused, naming both', async () => {
    expect(await tf.configure({ endpoint: gateway.adminUrl, token: TOKEN, stack: 'tf_test' })).toEqual([]);
    await gateway.client.batch({ stack: 'stack_a', operations: [{ op: 'create', kind: 'app', spec: { name: 'contested', description: 'made by stack_a' } }] });
    const imported = await tf.call('ImportResourceState', { type_name: 'apigw_app', id: 'contested' });
    const [resource] = imported['imported_resources'] as { state: { msgpack: Buffer }; private: Buffer }[];
    const importedState = fromDynamic(resource!.state) as TfObject;

    // Between import and apply, stack_b takes the app out of band.
    await gateway.client.batch({ stack: 'stack_b', operations: [{ op: 'adopt', kind: 'app', id: 'contested', fromStack: 'stack_a' }] });
    const plan = await tf.plan('apigw_app', importedState, { name: 'contested', description: 'managed by terraform' }, resource!.private);
    expect(plan.diagnostics).toEqual([]);
    const refused = await tf.apply('apigw_app', importedState, plan.planned, plan.private);
    expect(refused.diagnostics).toEqual([
      expect.objectContaining({ severity: 'ERROR', detail: expect.stringMatching(/app contested is owned by stack stack_b, but the state records it as owned by stack stack_a[\s\S]*APIGW_OWNER_CHANGED/) }),
    ]);
    // Nothing changed: stack_b still owns it, as it was.
    expect(await gateway.client.getResource('app', 'contested')).toMatchObject({ stack: 'stack_b', spec: { description: 'made by stack_a' } });
    // Destroying the imported resource is refused the same way.
    const destroy = await tf.apply('apigw_app', importedState, null, resource!.private);
    expect(destroy.diagnostics[0]!.detail).toMatch(/owned by stack stack_b[\s\S]*owned by stack stack_a[\s\S]*APIGW_OWNER_CHANGED/);
    expect(await gateway.client.getResource('app', 'contested')).toMatchObject({ stack: 'stack_b' });

    // Imported afresh, the new owner is recorded and the claim goes through.
    const again = await tf.call('ImportResourceState', { type_name: 'apigw_app', id: 'contested' });
    const [fresh] = again['imported_resources'] as { state: { msgpack: Buffer }; private: Buffer }[];
    const freshState = fromDynamic(fresh!.state) as TfObject;
    const claimPlan = await tf.plan('apigw_app', freshState, { name: 'contested', description: 'managed by terraform' }, fresh!.private);
    expect((await tf.apply('apigw_app', freshState, claimPlan.planned, claimPlan.private)).diagnostics).toEqual([]);
    expect(await gateway.client.getResource('app', 'contested')).toMatchObject({ stack: 'tf_test', spec: { description: 'managed by terraform' } });
    await gateway.client.batch({ stack: 'tf_test', operations: [{ op: 'delete', kind: 'app', id: 'contested' }] });
  });

  it('upgrades stored JSON state to the current schema and stops on request', async () => {
    const res = await tf.call('UpgradeResourceState', {
      type_name: 'apigw_app',
      version: 0,
      raw_state: { json: Buffer.from(JSON.stringify({ id: 'mobile', name: 'mobile', app_key: 'k', obsolete: 1 })) },
    });
    expect(fromDynamic(res['upgraded_state'] as { msgpack: Buffer })).toEqual({
      id: 'mobile',
      name: 'mobile',
      description: null,
      app_key: 'k',
      app_secret: null,
      app_code: null,
    });
    expect(await tf.call('StopProvider')).toEqual({ Error: '' });
  });

  it('exits when Terraform calls GRPCController/Shutdown', async () => {
    const code = await tf.shutdown();
    expect(code).toBe(0);
    tf = undefined as unknown as PluginHarness;
  });
});
