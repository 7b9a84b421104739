/**
 * examples/pulumi type-checks as a user's project would, against the built
 * @apigw/provider and @apigw/constructs (run `tsc -b` first). Its program
 * itself runs in mocks.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const EXAMPLE = resolve(__dirname, '../../../../examples/pulumi');

it('examples/pulumi type-checks', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  // The project's tsconfig sets noCheck for Pulumi's fast transpile-only run; checking is turned back on here.
  const run = spawnSync(process.execPath, [tsc, '--noEmit', '--noCheck', 'false', '-p', EXAMPLE], { encoding: 'utf8' });
  expect(run.stdout + run.stderr).toBe('');
  expect(run.status).toBe(0);
});
