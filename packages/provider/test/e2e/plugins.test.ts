/**
 * Plugins through the CLI against a real gateway: apply, traffic that the
 * plugins act on, an empty second plan, a plugin change listing the APIs
 * and stages it affects, export round-tripping, and destroy.
 */
import * as http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { startBackend, startHarness, type Harness } from './harness';

let h: Harness;
let backend: { url: string; close(): Promise<void> };
let keys: { publicKey: KeyLike; privateKey: KeyLike };
let jwk: Record<string, unknown>;

beforeAll(async () => {
  [h, backend, keys] = await Promise.all([startHarness(), startBackend('shop'), generateKeyPair('ES256')]);
  jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1' };
});
afterAll(async () => {
  await Promise.all([h.close(), backend.close()]);
});

function doc(apiDefault: number) {
  const api = (name: string, path: string) => ({
    group: 'shop',
    name,
    auth: { type: 'ANONYMOUS' },
    request: { method: 'GET', path },
    backend: { service: 'users', path },
    stages: ['TEST', 'RELEASE'],
  });
  return {
    apiVersion: 'apigw/v1',
    stack: 'shop',
    backendServices: [{ name: 'users', type: 'HTTP', environments: { TEST: { url: backend.url }, RELEASE: { url: backend.url } } }],
    groups: [{ name: 'shop', domains: ['api.shop.localhost'] }],
    apis: [api('getUser', '/users'), api('listOrders', '/orders'), api('profile', '/me')],
    plugins: [
      { name: 'standard_limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'DAY', apiDefault } },
      { name: 'web_cors', type: 'CORS', cors: { allowOrigins: ['https://shop.example'] } },
      { name: 'office_only', type: 'IP_CONTROL', ipControl: { mode: 'ALLOW', cidrs: ['127.0.0.0/8', '::1'] } },
      { name: 'sso_jwt', type: 'JWT', jwt: { jwks: { keys: [jwk] }, issuer: 'https://id.shop.example', claimsToHeaders: [{ claim: 'sub', header: 'x-user-id' }] } },
    ],
    pluginAttachments: [
      { plugin: 'standard_limits', group: 'shop', stages: ['RELEASE'] },
      { plugin: 'web_cors', group: 'shop', stages: ['TEST', 'RELEASE'] },
      { plugin: 'office_only', api: 'shop/listOrders', stages: ['RELEASE'] },
      { plugin: 'sso_jwt', api: 'shop/profile', stages: ['RELEASE'] },
    ],
  };
}

function call(pathname: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(pathname, h.gateway.dataUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { host: 'api.shop.localhost', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('plugins through the CLI', () => {
  it('plans, applies and serves plugins and their attachments', async () => {
    const file = h.write('gateway.json', doc(2));
    const plan = await h.cli('plan', '-f', file);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ plugin standard_limits');
    expect(plan.stdout).toContain('+ plugin attachment standard_limits:shop');
    expect(plan.stdout).toContain('+ plugin attachment sso_jwt:shop/profile');
    const apply = await h.cli('apply', '-f', file, '--auto-approve');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);

    // TRAFFIC_CONTROL on the group: two calls a day per API in RELEASE, none in TEST.
    expect((await call('/users')).status).toBe(200);
    expect((await call('/users')).status).toBe(200);
    const throttled = await call('/users', { origin: 'https://shop.example' });
    expect([throttled.status, throttled.headers['x-ca-error-message'], throttled.headers['access-control-allow-origin']]).toEqual([
      429,
      'Throttled by API Flow Control',
      'https://shop.example',
    ]);
    expect((await call('/users', { 'x-ca-stage': 'TEST' })).status).toBe(200);
    // IP_CONTROL allows loopback; JWT refuses a call without a token and forwards the subject of a good one.
    expect((await call('/orders')).status).toBe(200);
    expect((await call('/me')).headers['x-ca-error-code']).toBe('P401JM');
    const token = await new SignJWT({ sub: 'ann' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://id.shop.example').setExpirationTime('5m').sign(keys.privateKey);
    const me = await call('/me', { authorization: `Bearer ${token}` });
    expect(me.status).toBe(200);
    // CORS preflight answered by the gateway for the group's APIs.
    const preflight = await call('/orders', { origin: 'https://shop.example', 'access-control-request-method': 'GET' }, 'OPTIONS');
    expect([preflight.status, preflight.headers['access-control-allow-origin']]).toEqual([204, 'https://shop.example']);

    expect((await h.cli('plan', '-f', file, '--detailed-exitcode')).code).toBe(0);
  });

  it('a plugin change lists the APIs and stages it affects', async () => {
    const file = h.write('more.json', doc(5));
    const plan = await h.cli('plan', '-f', file);
    expect(plan.stdout).toContain('~ plugin standard_limits');
    expect(plan.stdout).toContain('~ /trafficControl/apiDefault: 2 → 5');
    expect(plan.stdout).toContain('! changes the traffic policy of 3 APIs in RELEASE: shop/getUser, shop/listOrders, shop/profile');
    const json = JSON.parse((await h.cli('plan', '-f', file, '--json')).stdout) as { events: { kind: string; consequences?: unknown[] }[] };
    expect(json.events.find((e) => e.kind === 'plugin')?.consequences).toEqual([
      { effect: 'policy', stage: 'RELEASE', apis: ['shop/getUser', 'shop/listOrders', 'shop/profile'] },
    ]);
    expect((await h.cli('apply', '-f', file, '--auto-approve')).code).toBe(0);
    expect((await call('/users')).status).toBe(200);
  });

  it('export round-trips plugins and attachments', async () => {
    const exported = await h.cli('export', '--stack', 'shop');
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const live = JSON.parse(exported.stdout) as { plugins: { name: string }[]; pluginAttachments: unknown[] };
    expect(live.plugins.map((p) => p.name)).toEqual(['office_only', 'sso_jwt', 'standard_limits', 'web_cors']);
    expect(live.pluginAttachments).toHaveLength(4);
    const again = await h.cli('plan', '-f', h.write('exported.json', live), '--detailed-exitcode');
    expect(again.stdout).toContain('No changes');
    expect(again.code).toBe(0);
  });

  it('a second plugin of one type on the same API and stage is refused before anything changes', async () => {
    const bad = doc(5);
    bad.plugins.push({ name: 'strict_limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'SECOND', apiDefault: 1 } });
    bad.pluginAttachments.push({ plugin: 'strict_limits', group: 'shop', stages: ['RELEASE'] });
    const plan = await h.cli('plan', '-f', h.write('bad.json', bad));
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('/pluginAttachments/4/stages/0');
    expect(plan.stderr).toContain('PLUGIN_CONFLICT');
  });

  it('destroy removes attachments before plugins', async () => {
    const destroy = await h.cli('destroy', '-f', h.write('gone.json', doc(5)), '--auto-approve');
    expect(destroy.stderr).toBe('');
    expect(destroy.code).toBe(0);
    expect((await call('/users')).status).toBe(400);
  });
});
