import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const script = path.join(__dirname, '../../../../examples/gitops/walkthrough.sh');

describe('examples/gitops', () => {
  it('runs as its README says: reviewed plan applied, stale plan refused, no drift, lossless export', () => {
    const run = spawnSync('bash', [script], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('**Plan: 8 to add, 0 to change, 0 to destroy.**');
    expect(run.stdout).toContain('Apply complete! Resources: 8 added, 0 changed, 0 destroyed.');
    expect(run.stderr).toContain('[APIGW_PLAN_STALE]');
    expect(run.stdout.match(/No changes\. The gateway matches the document \(stack catalog, revision 1\)\./g)).toHaveLength(2);
  });
});
