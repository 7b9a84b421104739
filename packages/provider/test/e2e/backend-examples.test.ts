import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

const examples = path.join(__dirname, '../../../../examples');

describe('examples/function and examples/upload', () => {
  it.each(['function', 'upload'])('examples/%s type-checks', (name) => {
    const tsc = require.resolve('typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', path.join(examples, name)], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('examples/function runs as its README says: the template function answers an AppCode call, HTML then JSON', () => {
    const run = spawnSync('bash', [path.join(examples, 'function/walkthrough.sh')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Apply complete! Resources: 5 added');
    expect(run.stdout).toContain('< content-type: text/html');
    expect(run.stdout).toContain('<html><h1>hello FunctionCompute</h1></html>');
    expect(run.stdout).toContain('< content-type: application/json');
    expect(run.stdout).toContain('{"hello":"FunctionCompute"}');
  });

  it('examples/upload runs as its README says: put, get, range, head, overwrite refused, delete, 404', () => {
    const run = spawnSync('bash', [path.join(examples, 'upload/walkthrough.sh')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toContain('< etag: "982017F2313A26A953160E107A099D18"');
    expect(out).toContain('< x-oss-meta-author: ann');
    expect(out).toContain('\nhello, object storage\n');
    expect(out).toContain('< 206');
    expect(out).toContain('< content-range: bytes 0-4/21');
    expect(out).toContain('<Code>FileAlreadyExists</Code>');
    expect(out).toContain('< 204');
    expect(out).toContain('<Code>NoSuchKey</Code>');
  });
});
