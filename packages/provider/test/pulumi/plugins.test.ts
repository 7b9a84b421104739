/**
 * The Pulumi Plugin and PluginAttachment resources' provider functions
 * through a lifecycle, in the order the Pulumi engine calls them, against a
 * real gateway on loopback: create (and the gateway throttles), no-op diff,
 * update in place, replace on a type change, import, delete. A JWT secret
 * never comes back in the outputs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, type Gateway } from '@apigw/runtime';
import type { Kind } from '@apigw/schema';
import { GatewayResourceProvider } from '@apigw/provider/pulumi';
import { configure, destroy, importResource, up, type Provider, type ResourceState } from './engine';

const OWNER = 'shop';
let gateway: Gateway;
let dataDir: string;
const providers = {} as Record<Kind, Provider>;
const state: Record<string, ResourceState> = {};

const base = {
  stub: { name: 'stub', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body: 'ok' } } }, stack: OWNER },
  group: { name: 'shop', domains: ['api.shop.localhost'], stack: OWNER },
  api: { group: 'shop', name: 'health', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/health' }, backend: { service: 'stub', path: '/' }, stages: ['RELEASE'], stack: OWNER },
};
const limits = { name: 'limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'DAY', apiDefault: 1 }, stack: OWNER };
const attachment = { plugin: 'limits', api: 'shop/health', stages: ['RELEASE'], stack: OWNER };

function call(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.dataUrl}${path}`, { headers: { host: 'api.shop.localhost' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'apigw-pulumi-plugins-'));
  gateway = await createGateway({ dataDir, port: 0, adminPort: 0, adminToken: 'pulumi-plugins-token' });
  for (const kind of ['backendService', 'group', 'api', 'plugin', 'pluginAttachment'] as Kind[]) {
    const provider = new GatewayResourceProvider(kind) as unknown as Provider;
    await configure(provider, { 'apigw:endpoint': gateway.adminUrl, 'apigw:token': gateway.adminToken });
    providers[kind] = provider;
  }
  state['stub'] = (await up(providers.backendService, undefined, base.stub)).state;
  state['group'] = (await up(providers.group, undefined, base.group)).state;
  state['api'] = (await up(providers.api, undefined, base.api)).state;
});

afterAll(async () => {
  await gateway?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('Pulumi Plugin and PluginAttachment', () => {
  it('creates a plugin and its attachment; the gateway then applies the plugin', async () => {
    const plugin = await up(providers.plugin, undefined, limits);
    expect([plugin.step, plugin.state.id]).toEqual(['create', 'limits']);
    state['plugin'] = plugin.state;
    const attached = await up(providers.pluginAttachment, undefined, attachment);
    expect([attached.step, attached.state.id]).toEqual(['create', 'limits:shop/health']);
    state['attachment'] = attached.state;
    expect([await call('/health'), await call('/health')]).toEqual([200, 429]);
  });

  it('plans no change on a second run', async () => {
    expect((await up(providers.plugin, state['plugin'], limits)).step).toBe('same');
    expect((await up(providers.pluginAttachment, state['attachment'], attachment)).step).toBe('same');
  });

  it('updates a plugin in place, and replaces it when its type changes', async () => {
    const raised = await up(providers.plugin, state['plugin'], { ...limits, trafficControl: { unit: 'DAY', apiDefault: 100 } });
    expect(raised.step).toBe('update');
    state['plugin'] = raised.state;
    expect(await call('/health')).toBe(200);
    // The attachment goes first: a plugin still attached cannot be deleted.
    await destroy(providers.pluginAttachment, state['attachment']!);
    const retyped = await up(providers.plugin, state['plugin'], { name: 'limits', type: 'IP_CONTROL', ipControl: { mode: 'DENY', cidrs: ['127.0.0.1', '::1'] }, stack: OWNER });
    expect(retyped.step).toBe('replace');
    expect(retyped.diff).toMatchObject({ replaces: ['type'] });
    state['plugin'] = retyped.state;
    state['attachment'] = (await up(providers.pluginAttachment, undefined, attachment)).state;
    expect(await call('/health')).toBe(403);
  });

  it('imports by id, and keeps a JWT secret out of the outputs', async () => {
    const imported = await importResource(providers.pluginAttachment, 'limits:shop/health');
    expect(imported?.outputs).toMatchObject({ plugin: 'limits', api: 'shop/health', stages: ['RELEASE'] });
    const sso = await up(providers.plugin, undefined, {
      name: 'sso_jwt',
      type: 'JWT',
      jwt: { secret: 'a-shared-secret-of-enough-length-0123', algorithms: ['HS256'] },
      stack: OWNER,
    });
    expect(sso.step).toBe('create');
    expect(JSON.stringify(sso.state.outputs)).not.toContain('a-shared-secret-of-enough-length-0123');
    expect(JSON.stringify((await importResource(providers.plugin, 'sso_jwt'))?.outputs)).not.toContain('a-shared-secret');
    expect((await up(providers.plugin, sso.state, { name: 'sso_jwt', type: 'JWT', jwt: { secret: 'a-shared-secret-of-enough-length-0123', algorithms: ['HS256'] }, stack: OWNER })).step).toBe('same');
    await destroy(providers.plugin, sso.state);
  });

  it('deletes the attachment, then the plugin', async () => {
    await destroy(providers.pluginAttachment, state['attachment']!);
    await destroy(providers.plugin, state['plugin']!);
    expect(await gateway.client.getResource('plugin', 'limits')).toBeUndefined();
    expect(await call('/health')).toBe(200);
  });
});
