import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main, resolveConnection } from '../../src/cli';
import { PROVIDER_ERROR_CODES } from '../../src/errors';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, { stdout, stderr, stdin, env: { NO_COLOR: '1', ...env } });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

function write(name: string, doc: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(doc));
  return file;
}

const program = path.join(__dirname, '../desired/fixtures/app.ts');

describe('apigw validate', () => {
  it('accepts a valid document', async () => {
    const run = await cli(['validate', '-f', write('ok.json', { apiVersion: 'apigw/v1', stack: 'shop', apps: [{ name: 'mobile' }] })]);
    expect(run).toEqual({ code: 0, stdout: expect.stringContaining('is valid: stack shop, 1 resource.'), stderr: '' });
  });

  it('lists every problem with its pointer and exits 1', async () => {
    const run = await cli(['validate', '-f', write('bad.json', { apiVersion: 'apigw/v1', stack: 'shop', apps: [{ name: 'mobile' }, { name: 'mobile' }] })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/apps/1: app mobile is already defined at /apps/0 [DUPLICATE_NAME]');
    expect(run.stdout).toBe('');
  });

  it('validates constructs programs with construct paths', async () => {
    const run = await cli(['validate', '-f', path.join(__dirname, '../desired/fixtures/broken-app.ts')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[fixture/shop/listUsers]');
  });
});

describe('apigw synth', () => {
  it('writes the synthesized, canonical document', async () => {
    const out = path.join(dir, 'gateway.json');
    const run = await cli(['synth', program, '-o', out]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(doc.stack).toBe('fixture');
    expect(fs.readFileSync(out, 'utf8').endsWith('}\n')).toBe(true);
    const printed = await cli(['synth', program]);
    expect(printed.stdout).toBe(fs.readFileSync(out, 'utf8'));
  });

  it('needs a program', async () => {
    const run = await cli(['synth']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('synth needs a program');
  });
});

describe('usage', () => {
  it('exits 1 on an unknown command or option', async () => {
    expect((await cli(['frobnicate'])).code).toBe(1);
    expect((await cli(['plan', '-f', 'x.json', '--colour'])).code).toBe(1);
  });

  it('takes either -f or a saved plan for apply', async () => {
    const run = await cli(['apply']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('apply takes either -f FILE or a saved plan');
  });

  it('prints help and exits 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['validate', 'synth', 'plan', 'apply', 'destroy', 'export', 'credentials', 'serve']) expect(run.stdout).toContain(command);
  });

  it('says when the gateway cannot be reached', async () => {
    const file = write('ok.json', { apiVersion: 'apigw/v1', stack: 'shop' });
    const run = await cli(['plan', '-f', file, '--endpoint', 'http://127.0.0.1:1', '--token', 't']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('APIGW_UNREACHABLE');
    expect(run.stderr).toContain('Is the gateway running');
  });

  it('refuses a plan file that is not a plan', async () => {
    const run = await cli(['apply', write('not-a-plan.json', { hello: 1 }), '--token', 't']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('APIGW_PLAN_FILE_INVALID');
  });
});

describe('connection', () => {
  it('takes flags first, then the environment, then the defaults', () => {
    expect(resolveConnection({ token: 'a' }, { APIGW_TOKEN: 'b', APIGW_ENDPOINT: 'http://127.0.0.1:1234' })).toEqual({ endpoint: 'http://127.0.0.1:1234', token: 'a' });
    expect(resolveConnection({}, { APIGW_TOKEN: 'b' })).toEqual({ endpoint: 'http://127.0.0.1:9080', token: 'b' });
  });

  it("reads the token from the data dir's admin.token", () => {
    fs.writeFileSync(path.join(dir, 'admin.token'), 'from-file\n');
    expect(resolveConnection({ dataDir: dir }, {}).token).toBe('from-file');
  });

  it('explains a missing token', () => {
    expect(() => resolveConnection({}, {})).toThrow(/no admin token/);
    expect(() => resolveConnection({ dataDir: dir }, {})).toThrow(/no admin token in/);
  });
});

describe('error codes', () => {
  it('are all documented in the package README', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    for (const code of Object.keys(PROVIDER_ERROR_CODES)) expect(readme).toContain(`\`${code}\``);
  });
});
