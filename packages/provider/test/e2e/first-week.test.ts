/**
 * The traps a team met in its first week of operations, each as the user
 * met it, against a running gateway.
 */
import { performCall, prepareCall, type CallCredentials } from '@apigw/runtime';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const doc = {
    apiVersion: 'apigw/v1',
    stack: 'shop',
    backendServices: [{ name: 'stub', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body: 'hello' } } } }],
    groups: [{ name: 'shop', domains: ['api.shop.localhost'] }],
    apis: [{ group: 'shop', name: 'hello', auth: { type: 'APP', appCode: 'HEADER' }, request: { method: 'GET', path: '/hello' }, backend: { service: 'stub', path: '/' }, stages: ['RELEASE'] }],
    apps: [{ name: 'mobile' }],
    authorizations: [{ app: 'mobile', api: 'shop/hello', stages: ['RELEASE'] }],
  };
  expect((await h.cli('apply', '-f', h.write('shop.json', doc), '--auto-approve')).code).toBe(0);
});
afterAll(async () => {
  await h.close();
});

describe('export', () => {
  it('fails, naming the stacks that do own something, when --stack owns nothing', async () => {
    const run = await h.cli('export', '--stack', 'nope');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('stack nope owns nothing on the gateway (stacks that own resources: shop) [APIGW_STACK_EMPTY]');
    expect((await h.cli('export', '--stack', 'shop')).code).toBe(0);
  });
});

describe('plan', () => {
  const taken = {
    apiVersion: 'apigw/v1',
    stack: 'billing',
    groups: [{ name: 'billing', domains: ['api.shop.localhost'] }],
    apps: [{ name: 'invoices' }],
  };

  it('shows what apply would refuse as plan errors, with the resource and the reason, and exits 1', async () => {
    const file = h.write('billing.json', taken);
    const run = await h.cli('plan', '-f', file, '--out', `${h.dir}/billing.plan.json`);
    expect(run.stdout).toContain('Plan: 2 to add, 0 to change, 0 to destroy.');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the gateway would refuse this plan (1 error); apply would change nothing:');
    expect(run.stderr).toMatch(/\n {2}create group billing: .*api\.shop\.localhost.* \[APIGW_[A-Z_]+\]/);
    expect(run.stderr).toContain('[APIGW_PLAN_REFUSED]');
    expect(run.stdout).not.toContain('Saved the plan');
    const markdown = await h.cli('plan', '-f', file, '--markdown', '--detailed-exitcode');
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toMatch(/\*\*Plan errors\*\*: the gateway would refuse this plan; merging it would apply nothing\.\n\n- create group billing: /);
    // Nothing was changed by the check.
    expect(await h.gateway.client.getResource('app', 'invoices')).toBeUndefined();
  });

  it('passes a plan the gateway would accept', async () => {
    const run = await h.cli('plan', '-f', h.write('billing-ok.json', { ...taken, groups: [{ name: 'billing', domains: ['api.billing.localhost'] }] }), '--detailed-exitcode');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
  });
});

describe('credentials --rotate', () => {
  interface Pair {
    appKey: string;
    appSecret: string;
    appCode: string;
  }
  const group = { name: 'shop', basePath: '/', domains: ['api.shop.localhost'] };
  const api = { name: 'hello', auth: { type: 'APP', appCode: 'HEADER', signatureMethod: 'HmacSHA256', antiReplay: false }, request: { protocols: ['HTTP'], method: 'GET', path: '/hello', matchAllChildPaths: false, mode: 'PASSTHROUGH', parameters: [] } } as const;
  /** Status codes of a signed call and an AppCode call with a pair: what a client holding it gets. */
  const statuses = async (pair: Pair): Promise<[number, number]> => {
    const send = async (credentials: CallCredentials) => (await performCall(prepareCall({ group, api: api as never, credentials }), { gateway: h.gateway.dataUrl })).status;
    return [await send({ kind: 'signature', appKey: pair.appKey, appSecret: pair.appSecret }), await send({ kind: 'appCode', appCode: pair.appCode })];
  };
  const current = async (): Promise<Pair & { rotatedAt?: string; previousValidUntil?: string }> => JSON.parse((await h.cli('credentials', 'mobile', '--json')).stdout);

  it('the new pair works at once, the old one until the grace ends; state and export show only when it was rotated', async () => {
    const old = await current();
    expect(await statuses(old)).toEqual([200, 200]);

    const rotated = await h.cli('credentials', 'mobile', '--rotate', '--grace', '1h');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/Rotated: {3}\S+; the previous AppSecret and AppCode keep working until \S+/);
    const fresh = await current();
    expect(fresh.appKey).toBe(old.appKey);
    expect(fresh.appSecret).not.toBe(old.appSecret);
    expect(Date.parse(fresh.previousValidUntil!) - Date.parse(fresh.rotatedAt!)).toBe(3_600_000);
    expect(await statuses(fresh)).toEqual([200, 200]);
    expect(await statuses(old)).toEqual([200, 200]);
    expect((await h.cli('credentials', 'mobile')).stdout).toContain(`keep working until ${fresh.previousValidUntil}`);

    const live = await h.gateway.client.getResource('app', 'mobile');
    expect(live!.rotatedAt).toBe(fresh.rotatedAt);
    const shown = [JSON.stringify(await h.gateway.client.getState()), (await h.cli('export', '--stack', 'shop')).stdout, (await h.cli('plan', '-f', `${h.dir}/shop.json`, '--json')).stdout].join('\n');
    for (const secret of [old.appSecret, old.appCode, fresh.appSecret, fresh.appCode]) expect(shown).not.toContain(secret);

    // A rotation with --grace 0 stops the replaced pair at once; the pair replaced before is gone for good.
    expect((await h.cli('credentials', 'mobile', '--rotate', '--grace', '0')).stdout).toContain('Move every client to them.');
    const third = await current();
    expect(third.previousValidUntil).toBeUndefined();
    expect(await statuses(third)).toEqual([200, 200]);
    expect(await statuses(fresh)).toEqual([400, 400]);
    expect(await statuses(old)).toEqual([400, 400]);
  });

  it('the old pair stops when the grace ends, and credentials says so', async () => {
    const old = await current();
    await h.cli('credentials', 'mobile', '--rotate', '--grace', '2s');
    const until = Date.parse((await current()).previousValidUntil!);
    // Poll (no fixed sleep) until the gateway refuses the old pair; the grace is 2 seconds.
    let seen: [number, number] = [200, 200];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      seen = await statuses(old);
      if (seen[0] !== 200 && seen[1] !== 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toEqual([400, 400]);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
    expect((await h.cli('credentials', 'mobile')).stdout).toMatch(/the previous AppSecret and AppCode stopped working at \S+/);
  });

  it('refuses a malformed grace, and --grace without --rotate', async () => {
    expect((await h.cli('credentials', 'mobile', '--rotate', '--grace', 'soon')).stderr).toContain('--grace "soon": expected a duration such as 30s, 15m, 24h or 7d');
    expect((await h.cli('credentials', 'mobile', '--rotate', '--grace', '31d')).stderr).toContain('at most 30d');
    expect((await h.cli('credentials', 'mobile', '--grace', '1h')).stderr).toContain('--grace goes with --rotate');
    await expect(h.gateway.client.batch({ stack: 'shop', operations: [{ op: 'rotateCredentials', app: 'mobile', graceSeconds: -1 }] })).rejects.toThrow(/\/operations\/0\/graceSeconds: must be/);
  });
});

describe('the admin API', () => {
  it("names the owner and the ?stack= to use when an edit does not say which stack it acts for", async () => {
    const res = await fetch(`${h.gateway.adminUrl}/v1/apps/mobile`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.gateway.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mobile', description: 'edited by hand' }),
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(409);
    expect(body.error.code).toBe('APIGW_NOT_OWNED');
    expect(body.error.message).toContain('app mobile is owned by stack shop');
    expect(body.error.message).toContain('Change it as its owner (?stack=shop on the admin API, "stack": "shop" in a batch)');
    expect(body.error.message).not.toContain('adopt it first');
    const owned = await fetch(`${h.gateway.adminUrl}/v1/apps/mobile?stack=shop`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.gateway.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mobile', description: 'edited by hand' }),
    });
    expect(owned.status).toBe(200);
  });
});
