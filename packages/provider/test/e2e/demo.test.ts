import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const demo = path.join(__dirname, '../../dist/demo/quickstart.js');

describe('npm run demo', () => {
  it('applies the quickstart, repoints RELEASE to the second backend, and exits 0', () => {
    const run = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('$ apigw call shop/getUser --path-param id=42 --query fields=name --app mobile');
    expect(run.stdout).toMatch(/signed by app mobile[^]*< 200[^]*\n\{"servedBy":"users v1"/);
    expect(run.stdout).toMatch(/repoints 3 APIs published to RELEASE at once \(no republish\): admin_api\/createUser, shop\/getUser, shop\/listUsers/);
    expect(run.stdout).toContain('\n{"servedBy":"users v2"');
    expect(run.stdout).toContain('Before: users v1. After: users v2.');
  });
});
