/**
 * The traps a team met in its first week of operations, each as the user
 * met it, against a running gateway.
 */
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const doc = { apiVersion: 'apigw/v1', stack: 'shop', apps: [{ name: 'mobile' }] };
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
