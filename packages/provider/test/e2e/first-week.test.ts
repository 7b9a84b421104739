/**
 * The traps a team met in its first week of operations, each as the user
 * met it, against a running gateway.
 */
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const doc = { apiVersion: 'apigw/v1', stack: 'shop', apps: [{ name: 'mobile' }], groups: [{ name: 'shop', domains: ['api.shop.localhost'] }] };
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
