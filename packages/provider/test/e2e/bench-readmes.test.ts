/**
 * The commands of bench/reconcile/README.md, bench/console/README.md and
 * the root README's `npm run bench:reconcile` and `npm run bench:console`
 * (headless Debian Chromium, as the console's tests), run exactly as written from
 * the repository root, in the bench's quick mode (APIGW_BENCH_QUICK_APIS:
 * a few APIs in place of every size) so that they finish in seconds. Only
 * that they complete and print their table is asserted, never a timing.
 */
import * as path from 'node:path';
import { blocksUnder, commandsOf, preambleBlocks, runCommand, withoutComment } from '../readme-commands';

const root = path.resolve(__dirname, '../../../..');

describe('bench/reconcile/README.md', () => {
  it('runs as written: build, then both sizes and one size, each printing its table', async () => {
    const commands = preambleBlocks(path.join(root, 'bench/reconcile/README.md')).filter((b) => b.lang === 'sh').flatMap(commandsOf);
    expect(commands.length).toBe(3);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', APIGW_BENCH_QUICK_APIS: '5' };
    for (const command of commands) {
      const run = await runCommand(command, root, env, 300_000);
      if (run.status !== 0) throw new Error(`\`${command}\` exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
      if (!command.startsWith('node bench/reconcile/reconcile.js')) continue;
      expect(run.stdout).toContain('APIs    resources  ops     validate  plan0   apply');
      const rows = run.stdout.split('\n').filter((l) => /^5 +\d+ +\d+ +\d+ms/.test(l));
      expect(rows.length).toBe(/reconcile\.js\s+\d/.test(command) ? 1 : 2);
      for (const row of rows) expect(row).toMatch(/\d+\.\d\d%$/);
    }
  }, 600_000);

  it("the root README's npm run bench:reconcile runs as written and prints both sizes", async () => {
    const line = blocksUnder(path.join(root, 'README.md'), 'Benchmarks').filter((b) => b.lang === 'sh').flatMap(commandsOf).find((l) => withoutComment(l) === 'npm run bench:reconcile');
    expect(line).toBeDefined();
    const run = await runCommand(line!, root, { ...process.env, NO_COLOR: '1', APIGW_BENCH_QUICK_APIS: '5' }, 300_000);
    if (run.status !== 0) throw new Error(`\`${line}\` exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    expect(run.stdout).toContain('APIs    resources  ops     validate  plan0   apply');
    expect(run.stdout.split('\n').filter((l) => /^5 +\d+ +\d+ +\d+ms/.test(l))).toHaveLength(2);
  }, 600_000);

  const consoleTable = (out: string) => {
    expect(out).toContain('console API list, 5 APIs');
    expect(out).toMatch(/first render, in-app navigation: \d+\.\d ms/);
    expect(out).toMatch(/first render, full page load: \d+\.\d ms/);
  };

  it('bench/console/README.md runs as written and prints its table', async () => {
    const commands = preambleBlocks(path.join(root, 'bench/console/README.md')).filter((b) => b.lang === 'sh').flatMap(commandsOf);
    expect(commands).toEqual(['npm run bench:console']);
    const run = await runCommand(commands[0]!, root, { ...process.env, NO_COLOR: '1', APIGW_BENCH_QUICK_APIS: '5' }, 300_000);
    if (run.status !== 0) throw new Error(`\`${commands[0]}\` exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    consoleTable(run.stdout);
  }, 600_000);

  it("the root README's npm run bench:console is the same command, run above", () => {
    const root_ = blocksUnder(path.join(root, 'README.md'), 'Benchmarks').filter((b) => b.lang === 'sh').flatMap(commandsOf).map(withoutComment);
    const bench = preambleBlocks(path.join(root, 'bench/console/README.md')).filter((b) => b.lang === 'sh').flatMap(commandsOf).map(withoutComment);
    expect(root_).toContain('npm run bench:console');
    expect(bench).toContain('npm run bench:console');
  });
});
