import * as fs from 'node:fs';
import { callGateway, startBackend, startHarness, type Harness } from './harness';

type Doc = Record<string, unknown> & { backendServices: { name: string; type: string; environments: Record<string, unknown> }[]; apis: Record<string, unknown>[] };

/** A small shop: one HTTP backend on two stages, two anonymous APIs, an app authorized for one. */
function shop(testUrl: string, releaseUrl: string): Doc {
  const api = (name: string, path: string, stages: string[]) => ({
    group: 'shop',
    name,
    auth: { type: 'ANONYMOUS' },
    request: { method: 'GET', path },
    backend: { service: 'users', path: `/v1${path}` },
    stages,
  });
  return {
    apiVersion: 'apigw/v1',
    stack: 'shop',
    backendServices: [{ name: 'users', type: 'HTTP', environments: { TEST: { url: testUrl }, RELEASE: { url: releaseUrl } } }],
    groups: [{ name: 'shop', domains: ['api.shop.localhost'] }],
    apis: [api('listUsers', '/users', ['TEST', 'RELEASE']), api('listOrders', '/orders', ['TEST', 'RELEASE'])],
    apps: [{ name: 'mobile' }],
    authorizations: [{ app: 'mobile', api: 'shop/listUsers', stages: ['RELEASE'] }],
  };
}

let h: Harness;
let b1: { url: string; close(): Promise<void> };
let b2: { url: string; close(): Promise<void> };
let b3: { url: string; close(): Promise<void> };

beforeAll(async () => {
  [h, b1, b2, b3] = await Promise.all([startHarness(), startBackend('test'), startBackend('release'), startBackend('release-v2')]);
});
afterAll(async () => {
  await Promise.all([h.close(), b1.close(), b2.close(), b3.close()]);
});

describe('apigw against a running gateway', () => {
  it('creates everything in one batch, then plans no change', async () => {
    const file = h.write('shop.json', shop(b1.url, b2.url));
    const plan = await h.cli('plan', '-f', file, '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.');

    const apply = await h.cli('apply', '-f', file, '--auto-approve');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete! Resources: 6 added, 0 changed, 0 destroyed.');
    const state = await h.gateway.client.getState({ stack: 'shop' });
    expect(state.apis.map((a) => [a.id, Object.keys(a.published).sort()])).toEqual([
      ['shop/listOrders', ['RELEASE', 'TEST']],
      ['shop/listUsers', ['RELEASE', 'TEST']],
    ]);
    expect(await callGateway(h.gateway, 'api.shop.localhost', '/users')).toEqual({ status: 200, body: JSON.stringify({ backend: 'release', path: '/v1/users' }) });

    const again = await h.cli('plan', '-f', file, '--detailed-exitcode');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('refuses to apply without approval when nobody can answer', async () => {
    const doc = shop(b1.url, b2.url);
    doc.apps = [{ name: 'mobile', description: 'changed' }];
    const run = await h.cli('apply', '-f', h.write('approve.json', doc));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('APIGW_APPROVAL_REQUIRED');
  });

  it('updates an API in place and republishes it', async () => {
    const doc = shop(b1.url, b2.url);
    (doc.apis[1]!['backend'] as Record<string, unknown>)['timeoutMs'] = 2000;
    const file = h.write('update.json', doc);
    const plan = await h.cli('plan', '-f', file);
    expect(plan.stdout).toContain('~ /backend/timeoutMs: 10000 → 2000');
    expect(plan.stdout).toContain('+ publish to RELEASE (the definition changed)');
    expect((await h.cli('apply', '-f', file, '--auto-approve')).code).toBe(0);
    const api = (await h.gateway.client.getState({ stack: 'shop' })).apis.find((a) => a.id === 'shop/listOrders')!;
    expect(api.spec.backend.timeoutMs).toBe(2000);
    expect(api.published.RELEASE!.digest).toBe(api.digest);
    expect((await h.cli('plan', '-f', file, '--detailed-exitcode')).code).toBe(0);
  });

  it('repoints every API published to RELEASE when the backend RELEASE URL changes, with no republish', async () => {
    const doc = shop(b1.url, b3.url);
    (doc.apis[1]!['backend'] as Record<string, unknown>)['timeoutMs'] = 2000;
    const file = h.write('repoint.json', doc);
    const plan = await h.cli('plan', '-f', file, '--json');
    const json = JSON.parse(plan.stdout);
    expect(json.events.map((e: { op: string; kind: string }) => `${e.op} ${e.kind}`)).toEqual(['update backendService']);
    expect(json.events[0].consequences).toEqual([{ effect: 'repoint', stage: 'RELEASE', apis: ['shop/listOrders', 'shop/listUsers'] }]);
    expect(json.operations.some((o: { op: string }) => o.op === 'publish')).toBe(false);

    expect((await h.cli('apply', '-f', file, '--auto-approve')).code).toBe(0);
    expect(JSON.parse((await callGateway(h.gateway, 'api.shop.localhost', '/users')).body).backend).toBe('release-v2');
    expect(JSON.parse((await callGateway(h.gateway, 'api.shop.localhost', '/users', 'TEST')).body).backend).toBe('test');
  });

  it('rejects a contradictory document before talking to the gateway', async () => {
    const doc = shop(b1.url, b3.url);
    doc.apis[0]!['stages'] = ['PRE'];
    const revision = h.gateway.revision;
    const run = await h.cli('plan', '-f', h.write('contradiction.json', doc));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/apis/0/stages/0');
    expect(run.stderr).toContain('STAGE_WITHOUT_BACKEND');
    expect(run.stdout).toBe('');
    expect(h.gateway.revision).toBe(revision);
  });

  it('refuses a saved plan once the gateway has moved, and applies nothing', async () => {
    const base = shop(b1.url, b3.url);
    (base.apis[1]!['backend'] as Record<string, unknown>)['timeoutMs'] = 2000;
    const a = { ...base, apps: [{ name: 'mobile', description: 'plan A' }] };
    const b = { ...base, apps: [{ name: 'mobile', description: 'plan B' }] };
    const planA = `${h.dir}/a.plan.json`;
    const planB = `${h.dir}/b.plan.json`;
    expect((await h.cli('plan', '-f', h.write('a.json', a), '--out', planA)).code).toBe(0);
    expect((await h.cli('plan', '-f', h.write('b.json', b), '--out', planB)).code).toBe(0);

    // Two applies of plans made at the same revision race: exactly one wins.
    const [ra, rb] = await Promise.all([h.cli('apply', planA), h.cli('apply', planB)]);
    expect([ra.code, rb.code].sort()).toEqual([0, 1]);
    const loser = ra.code === 1 ? ra : rb;
    expect(loser.stderr).toContain('APIGW_PLAN_STALE');
    expect(loser.stderr).toContain('nothing was applied');
    const revision = h.gateway.revision;

    // The losing plan stays refused; nothing changes.
    const retry = await h.cli('apply', ra.code === 1 ? planA : planB);
    expect(retry.code).toBe(1);
    expect(h.gateway.revision).toBe(revision);
    const winner = ra.code === 0 ? 'plan A' : 'plan B';
    expect((await h.gateway.client.getResource('app', 'mobile'))!.spec.description).toBe(winner);
  });

  it('unpublishes the APIs of a removed backend environment and says so', async () => {
    const doc = shop(b1.url, b3.url);
    delete doc.backendServices[0]!.environments['TEST'];
    for (const api of doc.apis) api['stages'] = ['RELEASE'];
    const file = h.write('no-test.json', doc);
    const plan = await h.cli('plan', '-f', file);
    expect(plan.stdout).toContain('- /environments/TEST:');
    expect(plan.stdout).toContain('! unpublishes 2 APIs from TEST: shop/listOrders, shop/listUsers');
    expect((await h.cli('apply', '-f', file, '--auto-approve')).code).toBe(0);
    const state = await h.gateway.client.getState({ stack: 'shop' });
    expect(state.apis.map((a) => Object.keys(a.published))).toEqual([['RELEASE'], ['RELEASE']]);
    expect((await callGateway(h.gateway, 'api.shop.localhost', '/users', 'TEST')).status).toBe(404);
    expect((await h.cli('plan', '-f', file, '--detailed-exitcode')).code).toBe(0);
  });

  it('exports a document that plans no change when fed back', async () => {
    const exported = await h.cli('export', '--stack', 'shop');
    expect(exported.code).toBe(0);
    const file = h.write('export.json', exported.stdout);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).stack).toBe('shop');
    const plan = await h.cli('plan', '-f', file, '--detailed-exitcode');
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);
  });

  it('never touches what another stack owns unless asked to adopt it', async () => {
    const billing = { apiVersion: 'apigw/v1', stack: 'billing', apps: [{ name: 'billingApp' }, { name: 'invoices' }] };
    expect((await h.cli('apply', '-f', h.write('billing.json', billing), '--auto-approve')).code).toBe(0);

    const doc = shop(b1.url, b3.url);
    delete doc.backendServices[0]!.environments['TEST'];
    for (const api of doc.apis) api['stages'] = ['RELEASE'];
    doc['apps'] = [{ name: 'mobile' }, { name: 'invoices', description: 'now the shop sends them' }];
    const file = h.write('adopt.json', doc);
    const refused = await h.cli('plan', '-f', file);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('app invoices (owned by stack billing)');
    expect(refused.stderr).toContain('APIGW_OWNERSHIP_CONFLICT');

    const adopt = await h.cli('apply', '-f', file, '--adopt', '--auto-approve');
    expect(adopt.stderr).toBe('');
    expect(adopt.code).toBe(0);
    expect(adopt.stdout).toContain('app invoices will be adopted by this stack and updated in place');
    const invoices = await h.gateway.client.getResource('app', 'invoices');
    expect(invoices!.stack).toBe('shop');
    expect(invoices!.spec.description).toBe('now the shop sends them');
    expect((await h.gateway.client.getResource('app', 'billingApp'))!.stack).toBe('billing');
  });

  it('prints credentials only when asked', async () => {
    const run = await h.cli('credentials', 'mobile', '--json');
    const creds = JSON.parse(run.stdout);
    expect(creds.app).toBe('mobile');
    expect(creds.appSecret).toMatch(/\S{16,}/);
    const plan = await h.cli('plan', '-f', h.write('creds.json', { apiVersion: 'apigw/v1', stack: 'shop' }), '--json');
    expect(plan.stdout).not.toContain(creds.appSecret);
    expect(plan.stdout).not.toContain(creds.appCode);
  });

  it('destroys what the stack owns and nothing else', async () => {
    const file = h.write('destroy.json', { apiVersion: 'apigw/v1', stack: 'shop' });
    const run = await h.cli('destroy', '-f', file, '--auto-approve');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Apply complete! Resources: 0 added, 0 changed, \d+ destroyed\./);
    const state = await h.gateway.client.getState();
    expect(state.apis).toEqual([]);
    expect(state.apps.map((a) => `${a.id} ${a.stack}`)).toEqual(['billingApp billing']);
  });
});
