/**
 * The commands of bench/reconcile/README.md, bench/console/README.md,
 * bench/dataplane/README.md and the root README's `npm run bench:reconcile`,
 * `npm run bench:console` (headless Debian Chromium, as the console's
 * tests) and `npm run bench:dataplane` (with the peers the machine has:
 * nginx and wrk when installed), run exactly as written from the repository
 * root, in the bench's quick mode (APIGW_BENCH_QUICK_APIS: a few APIs in
 * place of every size, short runs) so that they finish in a minute or so.
 * Only that they complete and print their tables is asserted, never a timing.
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

describe('bench/dataplane/README.md', () => {
  it('runs as written in the quick mode and prints its tables: req/s and CPU per request of every server, propagation, plugins', async () => {
    const commands = preambleBlocks(path.join(root, 'bench/dataplane/README.md')).filter((b) => b.lang === 'sh').flatMap(commandsOf);
    expect(commands.map(withoutComment)).toEqual(['npm run bench:dataplane']);
    const run = await runCommand(commands[0]!, root, { ...process.env, NO_COLOR: '1', APIGW_BENCH_QUICK_APIS: '5' }, 540_000);
    if (run.status !== 0) throw new Error(`\`${commands[0]}\` exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    expect(run.stderr).toContain('quick run (APIGW_BENCH_QUICK_APIS=5)');
    expect(run.stdout).toContain('| server | req/s | p50 ms | p99 ms | x direct | x nginx | x undici | x fastify | p99 at 200/s | added p99 |');
    expect(run.stdout).toContain('| server | CPU µs/req | undici CPU / this CPU | fastify CPU / this CPU |');
    const servers = ['direct (backend)', 'bare undici proxy', 'fastify + reply-from', 'apigw ANONYMOUS', 'apigw APP signed', 'apigw APP signed, 5 more APIs', 'apigw param route, 5 more APIs', 'apigw APP signed + all four plugins'];
    for (const server of servers) expect([server, new RegExp(`^\\| ${server.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\| \\d+\\.\\d \\| \\d+\\.\\d\\d \\| \\d+\\.\\d\\d \\|$`, 'm').test(run.stdout)]).toEqual([server, true]);
    expect(run.stdout).toMatch(/^CPU per request: APP signed with 5 more APIs \d+\.\d µs/m);
    expect(run.stdout).toMatch(/^workers \(3 APIs\): after a commit returns, all 2 workers serve the new revision/m);
    expect(run.stdout).toMatch(/^plugins: APP signed \d+ req\/s; with TRAFFIC_CONTROL \d+ req\/s/m);
  }, 600_000);

  it("the root README's npm run bench:dataplane is the same command, run above", () => {
    const root_ = blocksUnder(path.join(root, 'README.md'), 'Benchmarks').filter((b) => b.lang === 'sh').flatMap(commandsOf).map(withoutComment);
    const bench = preambleBlocks(path.join(root, 'bench/dataplane/README.md')).filter((b) => b.lang === 'sh').flatMap(commandsOf).map(withoutComment);
    expect(root_).toContain('npm run bench:dataplane');
    expect(bench).toEqual(['npm run bench:dataplane']);
  });
});
