/**
 * examples/function and examples/upload: they type-check, and the command
 * each README's "Run it" shows runs exactly as written from the repository
 * root (its walkthrough starts a gateway on free ports and stops it).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { blocksUnder, commandsOf, runCommand, type CommandRun } from '../readme-commands';

const root = path.resolve(__dirname, '../../../..');
const examples = path.join(root, 'examples');

/** The one command of the README's "Run it", run as written from the repository root. */
async function runItAsWritten(readme: string, expected: string): Promise<CommandRun> {
  const commands = blocksUnder(path.join(root, readme), 'Run it').filter((b) => b.lang === 'sh').flatMap(commandsOf);
  expect(commands).toEqual([expected]);
  const run = await runCommand(commands[0]!, root, { ...process.env, NO_COLOR: '1' }, 120_000);
  if (run.status !== 0) throw new Error(`\`${commands[0]}\` exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return run;
}

describe('examples/function and examples/upload', () => {
  it.each(['function', 'upload'])('examples/%s type-checks', (name) => {
    const tsc = require.resolve('typescript/bin/tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', path.join(examples, name)], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });

  it('examples/function runs as its README says: the template function answers an AppCode call, HTML then JSON', async () => {
    const run = await runItAsWritten('examples/function/README.md', 'bash examples/function/walkthrough.sh');
    expect(run.stdout).toContain('Apply complete! Resources: 5 added');
    expect(run.stdout).toContain('< content-type: text/html');
    expect(run.stdout).toContain('<html><h1>hello FunctionCompute</h1></html>');
    expect(run.stdout).toContain('< content-type: application/json');
    expect(run.stdout).toContain('{"hello":"FunctionCompute"}');
  }, 180_000);

  it('examples/upload runs as its README says: put, get, range, head, overwrite refused, delete, 404', async () => {
    const run = await runItAsWritten('examples/upload/README.md', 'bash examples/upload/walkthrough.sh');
    const out = run.stdout;
    expect(out).toContain('< etag: "982017F2313A26A953160E107A099D18"');
    expect(out).toContain('< x-oss-meta-author: ann');
    expect(out).toContain('\nhello, object storage\n');
    expect(out).toContain('< 206');
    expect(out).toContain('< content-range: bytes 0-4/21');
    expect(out).toContain('<Code>FileAlreadyExists</Code>');
    expect(out).toContain('< 204');
    expect(out).toContain('<Code>NoSuchKey</Code>');
  }, 180_000);
});
