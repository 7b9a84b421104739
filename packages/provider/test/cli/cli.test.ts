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

describe('a misspelt construct prop', () => {
  const typo = path.join(__dirname, '../desired/fixtures/typo.ts');

  it('is a type error for validate and plan of a .ts program, before anything talks to a gateway', async () => {
    const run = await cli(['validate', '-f', typo]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('typo.ts has 1 type error');
    expect(run.stderr).toMatch(/typo\.ts:5:31 - error TS2561: .*'domians' does not exist in type 'ApiGroupProps'\. Did you mean to write 'domains'\?/);
    const plan = await cli(['plan', '-f', typo, '--endpoint', 'http://127.0.0.1:1', '--token', 't']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('[APIGW_TYPE_ERRORS]');
    expect(plan.stderr).not.toContain('APIGW_UNREACHABLE');
  }, 120_000);

  it('is refused at run time with the construct path when types are not checked', async () => {
    const run = await cli(['validate', '-f', typo, '--no-type-check']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[fixture/shop] /groups/0: ApiGroup has no prop "domians"; did you mean "domains"? [UNKNOWN_PROP]');
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
    for (const command of ['validate', 'synth', 'plan', 'apply', 'destroy', 'export', 'credentials', 'call', 'serve']) expect(run.stdout).toContain(command);
  });

  it('says when the gateway cannot be reached', async () => {
    const file = write('ok.json', { apiVersion: 'apigw/v1', stack: 'shop' });
    const run = await cli(['plan', '-f', file, '--endpoint', 'http://127.0.0.1:1', '--token', 't']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('APIGW_UNREACHABLE');
    expect(run.stderr).toContain('Is the gateway running');
  });

  it('says "did you mean -f" when a document is given where a saved plan goes', async () => {
    const doc = write('gateway.json', { apiVersion: 'apigw/v1', stack: 'shop' });
    const run = await cli(['apply', doc, '--token', 't']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${doc} is a document or program, not a saved plan: did you mean apigw apply -f ${doc}? [APIGW_USAGE]`);
    expect((await cli(['apply', program, '--token', 't'])).stderr).toContain(`did you mean apigw apply -f ${program}?`);
  });

  it('shows the connection options in every subcommand\'s help, and prints its version', async () => {
    for (const command of ['plan', 'apply', 'export', 'credentials', 'call', 'destroy']) {
      const run = await cli([command, '--help']);
      expect(run.code).toBe(0);
      for (const option of ['--endpoint <url>', '--token <token>', '--data-dir <dir>']) expect([command, run.stdout.includes(option)]).toEqual([command, true]);
    }
    const version = await cli(['--version']);
    expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it("reports a program that throws at the line of the user's file; --debug prints the whole stack", async () => {
    const throws = path.join(__dirname, '../desired/fixtures/throws.ts');
    const run = await cli(['validate', '-f', throws]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the program failed: FIXTURE_DOMAINS is not set');
    expect(run.stderr).toMatch(/\n {2}at \S*throws\.ts:5:33\n/);
    expect(run.stderr).not.toContain('jiti');
    const debug = await cli(['validate', '-f', throws, '--debug']);
    expect(debug.stderr).toContain('Caused by: Error: FIXTURE_DOMAINS is not set');
    expect(debug.stderr).toContain('jiti');
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
    expect(() => resolveConnection({}, {}, dir)).toThrow(/no admin token/);
    expect(() => resolveConnection({ dataDir: dir }, {}, dir)).toThrow(/no admin token in/);
    expect(() => resolveConnection({}, { APIGW_DATA_DIR: dir }, dir)).toThrow(/no admin token in .*\(APIGW_DATA_DIR\)/);
  });

  it('finds the token where apigw serve writes it: APIGW_DATA_DIR, else ./.apigw', () => {
    const other = path.join(dir, 'elsewhere');
    fs.mkdirSync(path.join(dir, '.apigw'));
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(dir, '.apigw', 'admin.token'), 'from-cwd\n');
    fs.writeFileSync(path.join(other, 'admin.token'), 'from-env\n');
    expect(resolveConnection({}, {}, dir).token).toBe('from-cwd');
    expect(resolveConnection({}, { APIGW_DATA_DIR: 'elsewhere' }, dir).token).toBe('from-env');
    expect(resolveConnection({ token: 'flag' }, { APIGW_DATA_DIR: 'elsewhere' }, dir).token).toBe('flag');
  });
});

describe('error codes', () => {
  it('are all documented in the package README', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    for (const code of Object.keys(PROVIDER_ERROR_CODES)) expect(readme).toContain(`\`${code}\``);
  });
});
