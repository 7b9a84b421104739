/**
 * The commands of the bench READMEs (reconcile, console, dataplane,
 * backends, store) and the root README's `npm run bench:*` lines, run
 * exactly as written from the repository root in the benches' quick mode
 * (APIGW_BENCH_QUICK_APIS: a few APIs in place of every size, short runs,
 * nothing installed) so that each finishes in about a minute. The console
 * bench uses Debian's headless Chromium and the store bench its PostgreSQL,
 * as their tests do; the data-plane and backend benches use nginx and wrk
 * where installed and Node stand-ins where not. Only that they complete and
 * print their tables is asserted, never a timing.
 */
import * as path from 'node:path';
import { blocksUnder, commandsOf, preambleBlocks, runCommand, withoutComment, type CommandRun } from '../readme-commands';

const root = path.resolve(__dirname, '../../../..');

/** The commands of the `sh` blocks before a README's first heading. */
const opening = (readme: string) => preambleBlocks(path.join(root, readme)).filter((b) => b.lang === 'sh').flatMap(commandsOf);

/** Runs a README command as written from the repository root in the benches' quick mode; fails with its output when it fails. */
async function runQuick(command: string, timeoutMs = 300_000): Promise<CommandRun> {
  const run = await runCommand(command, root, { ...process.env, NO_COLOR: '1', APIGW_BENCH_QUICK_APIS: '5' }, timeoutMs);
  if (run.status !== 0) throw new Error(`\`${command}\` exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return run;
}

describe('bench/reconcile/README.md', () => {
  it('runs as written: build, then both sizes, one size, and one size on PostgreSQL, each printing its table', async () => {
    const commands = opening('bench/reconcile/README.md');
    expect(commands.length).toBe(4);
    for (const command of commands) {
      const run = await runQuick(command);
      if (!command.includes('bench/reconcile/reconcile.js')) continue;
      expect(run.stdout).toContain('APIs    resources  ops     validate  plan0   apply');
      const rows = run.stdout.split('\n').filter((l) => /^5 +\d+ +\d+ +\d+ms/.test(l));
      expect(rows.length).toBe(/reconcile\.js(\s+--store \w+)?\s+\d/.test(command) ? 1 : 2);
      expect(run.stdout).toContain(`store: ${command.includes('--store postgres') ? 'postgres' : 'sqlite'}`);
      for (const row of rows) expect(row).toMatch(/\d+\.\d\d%$/);
      expect(run.stdout).toContain('APIs    validate     plan0     apply      plan   oneshot    change');
      expect(run.stdout.split('\n').filter((l) => /^5 +(\d+ms +){5}\d+ms$/.test(l))).toHaveLength(rows.length);
    }
  }, 600_000);

  it("the root README's npm run bench:reconcile runs as written and prints both sizes", async () => {
    const line = blocksUnder(path.join(root, 'README.md'), 'Benchmarks').filter((b) => b.lang === 'sh').flatMap(commandsOf).find((l) => withoutComment(l) === 'npm run bench:reconcile');
    expect(line).toBeDefined();
    const run = await runQuick(line!);
    expect(run.stdout).toContain('APIs    resources  ops     validate  plan0   apply');
    expect(run.stdout.split('\n').filter((l) => /^5 +\d+ +\d+ +\d+ms/.test(l))).toHaveLength(2);
  }, 600_000);

  const consoleTable = (out: string) => {
    expect(out).toContain('console API list, 5 APIs');
    expect(out).toMatch(/first render, in-app navigation: \d+\.\d ms/);
    expect(out).toMatch(/first render, full page load: \d+\.\d ms/);
  };

  it('bench/console/README.md runs as written and prints its table', async () => {
    const commands = opening('bench/console/README.md');
    expect(commands).toEqual(['npm run bench:console']);
    const run = await runQuick(commands[0]!);
    consoleTable(run.stdout);
  }, 600_000);

  it("the root README's npm run bench:console is the same command, run above", () => {
    const root_ = blocksUnder(path.join(root, 'README.md'), 'Benchmarks').filter((b) => b.lang === 'sh').flatMap(commandsOf).map(withoutComment);
    const bench = opening('bench/console/README.md').map(withoutComment);
    expect(root_).toContain('npm run bench:console');
    expect(bench).toContain('npm run bench:console');
  });
});

describe('bench/dataplane/README.md', () => {
  it('runs as written in the quick mode and prints its tables: req/s and CPU per request of every server, propagation, plugins', async () => {
    const commands = opening('bench/dataplane/README.md');
    expect(commands.map(withoutComment)).toEqual(['npm run bench:dataplane']);
    const run = await runQuick(commands[0]!, 540_000);
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
    const bench = opening('bench/dataplane/README.md').map(withoutComment);
    expect(root_).toContain('npm run bench:dataplane');
    expect(bench).toEqual(['npm run bench:dataplane']);
  });
});

describe('bench/backends/README.md', () => {
  it('runs as written in the quick mode and prints its table: req/s and CPU per request of each backend kind, and the ratios', async () => {
    const commands = opening('bench/backends/README.md');
    expect(commands).toEqual(['bash bench/backends/run.sh']);
    const run = await runQuick(commands[0]!);
    expect(run.stderr).toContain('quick run (APIGW_BENCH_QUICK_APIS)');
    expect(run.stdout).toContain('| target | req/s | p50 ms | p99 ms | server CPU µs/request |');
    for (const target of ['event function (FUNCTION)', 'MOCK', 'HTTP (', 'OSS GetObject 64 KiB (apigw)'])
      expect([target, run.stdout.split('\n').some((l) => l.startsWith(`| ${target}`) && /\| \d+ \| \d+\.\d\d \| \d+\.\d\d \| \d+ \|$/.test(l))]).toEqual([target, true]);
    expect(run.stdout).toMatch(/^event function: \d+\.\d\dx MOCK, \d+\.\d\dx HTTP in req\/s/m);
    expect(run.stdout).toMatch(/^apigw RSS after load: \d+\.\d MB$/m);
  }, 360_000);
});

describe('bench/store/README.md', () => {
  it('runs as written in the quick mode and prints its JSON: propagation, data plane on each engine, apply on each engine', async () => {
    const commands = opening('bench/store/README.md');
    expect(commands.map(withoutComment)).toEqual(['npm run bench:store']);
    const run = await runQuick(commands[0]!);
    const printed = JSON.parse(run.stdout.slice(run.stdout.indexOf('\n{') + 1)) as Record<string, Record<string, number>>;
    expect(Object.keys(printed)).toEqual(['propagationMs', 'dataPlaneRps', 'applySeconds']);
    expect(printed['propagationMs']!['rounds']).toBe(5);
    expect(printed['applySeconds']!['apis']).toBe(5);
    for (const figures of Object.values(printed)) for (const value of Object.values(figures)) expect(Number.isFinite(value)).toBe(true);
    expect(printed['dataPlaneRps']!['sqlite']).toBeGreaterThan(0);
    expect(printed['dataPlaneRps']!['postgres']).toBeGreaterThan(0);
  }, 360_000);
});
