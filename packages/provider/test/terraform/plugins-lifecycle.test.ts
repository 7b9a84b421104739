/**
 * apigw_plugin and apigw_plugin_attachment over Terraform's plugin
 * protocol, with this test playing Terraform against a real gateway on
 * loopback: create (and the gateway throttles), an empty plan after a
 * refresh, an update in place, a replace on a type change, import, and
 * destroy. A JWT plugin's secret is sensitive and never read back.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createGateway, type Gateway } from '@apigw/runtime';
import type { TfObject } from '../../src/terraform/values';
import { PluginHarness } from './harness';

const TOKEN = 'terraform-plugins-token';

function call(gateway: Gateway, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gateway.dataUrl}${urlPath}`, { headers: { host: 'shop.example.test' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('terraform-provider-apigw: apigw_plugin and apigw_plugin_attachment', () => {
  let dataDir: string;
  let gateway: Gateway;
  let tf: PluginHarness;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-tf-plugins-'));
    gateway = await createGateway({ dataDir, port: 0, adminPort: 0, adminToken: TOKEN });
    tf = await PluginHarness.start();
    expect(await tf.configure({ endpoint: gateway.adminUrl, token: TOKEN, stack: 'tf_plugins' })).toEqual([]);
    await tf.converge('apigw_backend_service', null, { name: 'stub', type: 'MOCK', environments: { release: { mock: { status_code: 200, body: 'ok' } } } });
    await tf.converge('apigw_api_group', null, { name: 'shop', domains: ['shop.example.test'] });
    await tf.converge('apigw_api', null, { group: 'shop', name: 'health', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/health' }, backend: { service: 'stub', path: '/' }, stages: ['RELEASE'] });
  });

  afterAll(async () => {
    if (tf) await tf.shutdown();
    await gateway?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves both resource types, the JWT secret sensitive', async () => {
    const res = await tf.call('GetProviderSchema');
    const schemas = res['resource_schemas'] as Record<string, { block: { block_types: { type_name: string; block: { attributes: { name: string; sensitive?: boolean }[] } }[] } }>;
    const jwt = schemas['apigw_plugin']!.block.block_types.find((b) => b.type_name === 'jwt')!;
    expect(jwt.block.attributes.find((a) => a.name === 'secret')).toMatchObject({ sensitive: true });
    expect(Object.keys(schemas)).toContain('apigw_plugin_attachment');
  });

  it('runs the lifecycle: create, empty plan, update, replace, import, destroy', async () => {
    const limitsCfg = (apiDefault: number): TfObject => ({ name: 'limits', type: 'TRAFFIC_CONTROL', traffic_control: { unit: 'DAY', api_default: apiDefault } });
    const attachCfg: TfObject = { plugin: 'limits', api: 'shop/health', stages: ['RELEASE'] };

    let plugin = await tf.converge('apigw_plugin', null, limitsCfg(1));
    let attachment = await tf.converge('apigw_plugin_attachment', null, attachCfg);
    expect(plugin).toMatchObject({ id: 'limits', type: 'TRAFFIC_CONTROL', traffic_control: { unit: 'DAY', api_default: 1 } });
    expect(attachment).toMatchObject({ id: 'limits:shop/health', group: null });
    expect([await call(gateway, '/health'), await call(gateway, '/health')]).toEqual([200, 429]);
    expect((await gateway.client.getResource('plugin', 'limits'))?.stack).toBe('tf_plugins');

    for (const [type, state, cfg] of [
      ['apigw_plugin', plugin, limitsCfg(1)],
      ['apigw_plugin_attachment', attachment, attachCfg],
    ] as const) {
      const refreshed = await tf.read(type, state);
      expect(refreshed.state).toEqual(state);
      const plan = await tf.plan(type, refreshed.state, cfg);
      expect(plan.planned).toEqual(state);
      expect(plan.requiresReplace).toEqual([]);
    }

    plugin = await tf.converge('apigw_plugin', plugin, limitsCfg(50));
    expect(await call(gateway, '/health')).toBe(200);

    const retype: TfObject = { name: 'limits', type: 'IP_CONTROL', ip_control: { mode: 'DENY', cidrs: ['127.0.0.1', '::1'] } };
    const replace = await tf.plan('apigw_plugin', plugin, retype);
    expect(replace.requiresReplace).toEqual([[{ attribute_name: 'type' }]]);
    // Terraform deletes the attachment (it depends on the plugin), replaces the plugin, and creates the attachment again.
    expect((await tf.apply('apigw_plugin_attachment', attachment, null)).diagnostics).toEqual([]);
    expect((await tf.apply('apigw_plugin', plugin, null)).diagnostics).toEqual([]);
    plugin = await tf.converge('apigw_plugin', null, retype);
    attachment = await tf.converge('apigw_plugin_attachment', null, attachCfg);
    expect(await call(gateway, '/health')).toBe(403);

    const imported = await tf.call('ImportResourceState', { type_name: 'apigw_plugin_attachment', id: 'limits:shop/health' });
    expect((imported['diagnostics'] as unknown[] | undefined) ?? []).toEqual([]);

    expect((await tf.apply('apigw_plugin_attachment', attachment, null)).diagnostics).toEqual([]);
    expect((await tf.apply('apigw_plugin', plugin, null)).diagnostics).toEqual([]);
    expect(await gateway.client.getResource('plugin', 'limits')).toBeUndefined();
    expect(await call(gateway, '/health')).toBe(200);
  });

  it('keeps a JWT secret out of the state it reads back, and plans no change for it', async () => {
    const cfg: TfObject = { name: 'sso_jwt', type: 'JWT', jwt: { secret: 'a-shared-secret-of-enough-length-0123', algorithms: ['HS256'] } };
    const created = await tf.converge('apigw_plugin', null, cfg);
    const refreshed = await tf.read('apigw_plugin', created);
    expect(refreshed.diagnostics).toEqual([]);
    expect(JSON.stringify(await gateway.client.getResource('plugin', 'sso_jwt'))).not.toContain('a-shared-secret');
    const plan = await tf.plan('apigw_plugin', refreshed.state, cfg);
    expect(plan.planned).toEqual(created);
    expect((await tf.apply('apigw_plugin', created, null)).diagnostics).toEqual([]);
  });
});
