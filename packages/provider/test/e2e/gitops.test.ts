import * as fs from 'node:fs';
import * as path from 'node:path';
import { blocksUnder, commandsOf, runCommand } from '../readme-commands';

const root = path.resolve(__dirname, '../../../..');
const dir = path.join(root, 'examples/gitops');
const script = path.join(dir, 'walkthrough.sh');

describe('examples/gitops', () => {
  it('runs as its README says: the reviewed artifact applied, an unreviewed document and a stale plan refused, no drift, lossless export', async () => {
    const commands = blocksUnder(path.join(root, 'examples/gitops/README.md'), 'Run it locally').filter((b) => b.lang === 'sh').flatMap(commandsOf);
    expect(commands).toEqual(['bash examples/gitops/walkthrough.sh']);
    const run = await runCommand(commands[0]!, root, { ...process.env, NO_COLOR: '1' }, 180_000);
    expect(run.stdout).not.toMatch(/^(an unreviewed gateway\.json|a stale plan) was applied$/m);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('**Plan: 8 to add, 0 to change, 0 to destroy.**');
    expect(run.stdout).toContain('Apply complete! Resources: 8 added, 0 changed, 0 destroyed. The gateway is at revision 1.');
    // An unreviewed edit of gateway.json between review and merge: the merge job stops at the digest check.
    expect(run.stdout).toContain('gateway.json: FAILED');
    // A hand edit of the gateway between review and merge: the reviewed plan is stale.
    expect(run.stderr).toContain('planned against revision 1, now at 2); nothing was applied. Plan again. [APIGW_PLAN_STALE]');
    // Re-reviewed, the change goes out, and only it.
    expect(run.stdout).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed. The gateway is at revision 3.');
    expect(run.stdout.match(/No changes\. The gateway matches the document \(stack catalog, revision 3\)\./g)).toHaveLength(2);
  }, 240_000);

  it('the workflow carries the reviewed plan from the pull-request job to the merge job and applies only it', () => {
    const workflow = fs.readFileSync(path.join(dir, 'workflow.yml'), 'utf8');
    const planJob = workflow.slice(workflow.indexOf('\n  plan:\n'), workflow.indexOf('\n  apply:\n'));
    const applyJob = workflow.slice(workflow.indexOf('\n  apply:\n'), workflow.indexOf('\n  drift:\n'));
    expect(planJob).toContain('npx apigw plan -f gateway.json --markdown --detailed-exitcode --out plan.json > plan.md');
    expect(planJob).toContain('sha256sum gateway.json > gateway.json.sha256');
    expect(planJob).toContain('actions/upload-artifact@v4');
    expect(applyJob).toContain('name: gateway-plan');
    expect(applyJob).toContain('sha256sum -c reviewed/gateway.json.sha256');
    expect(applyJob).toContain('npx apigw apply reviewed/plan.json');
    expect(applyJob).not.toContain('apigw plan');
    // The walkthrough runs the same commands as the jobs.
    const walkthrough = fs.readFileSync(script, 'utf8');
    for (const command of ['plan -f gateway.json --markdown --detailed-exitcode --out plan.json > plan.md', 'sha256sum gateway.json > gateway.json.sha256', 'sha256sum -c reviewed/gateway.json.sha256', 'apply reviewed/plan.json'])
      expect([command, walkthrough.includes(command)]).toEqual([command, true]);
  });
});
