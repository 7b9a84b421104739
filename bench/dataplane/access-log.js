'use strict';
/**
 * What the access log costs a signed request: CPU time per request of the
 * gateway (`apigw.js`, the signed API, 10,000 more APIs) without an access
 * log, logging to a file written synchronously (`apigw serve --access-log
 * FILE`), and logging through a non-blocking destination (what `apigw
 * serve` does on standard output), measured as `cpu-ratio.js` measures:
 * servers pinned to core 0, short wrk runs from core 1 in turns that rotate
 * which goes first, the median of the turns.
 *
 *   node bench/dataplane/access-log.js [--turns 7] [--seconds 2] [--warmup 8] [--extra 10000] [--baseline DIR]
 *
 * `--baseline DIR` also runs the two logging gateways of another build (a
 * checkout with `packages/runtime/dist` built) in the same turns. The log
 * files are written in a temporary directory and removed. Prints a markdown
 * table on stdout; progress on stderr.
 */
const { join } = require('node:path');
const { createHarness, median, numberOption, pathOption } = require('../harness');
const { signedHeaders } = require('./bench-app');

const TURNS = numberOption('turns', 7);
const SECONDS = numberOption('seconds', 2);
const WARMUP = numberOption('warmup', 8);
const EXTRA = numberOption('extra', 10000);
const BASELINE = pathOption('baseline');
const { dir, startJsonBackend, freePort, waitPort, start, stopChildren, wrk, cpuMs } = createHarness({ loadCpu: '1', prefix: 'apigw-access-log-' });

async function main() {
  const upstream = (await startJsonBackend('1')).url;
  const builds = [{ name: 'this build', root: join(__dirname, '../..') }];
  if (BASELINE !== null) builds.push({ name: 'baseline build', root: BASELINE });
  const targets = [];
  for (const build of builds) {
    for (const log of build === builds[0] ? ['none', 'sync', 'async'] : ['sync', 'async']) {
      const port = await freePort();
      const env = log === 'none' ? '' : `${log}:${join(dir, `${targets.length}.log`)}`;
      process.env.APIGW_BENCH_ACCESS_LOG = env;
      const child = start('0', process.execPath, [join(build.root, 'bench/dataplane/apigw.js'), String(port), upstream, String(EXTRA)], `apigw ${log}`);
      const label = `${build.name}, access log ${log === 'none' ? 'off' : log === 'sync' ? 'to a file (sync)' : 'non-blocking (async)'}`;
      targets.push({ label, port, pid: child.pid, runs: [] });
    }
  }
  delete process.env.APIGW_BENCH_ACCESS_LOG;
  for (const t of targets) await waitPort(t.port, 120000);
  const headers = signedHeaders('/signed');
  const url = (t) => `http://127.0.0.1:${t.port}/signed`;
  process.stderr.write(`access-log: ${TURNS} turns of ${SECONDS}s per gateway, warming up ${WARMUP}s each\n`);
  for (let warmed = 0; warmed < WARMUP; warmed += 2) for (const t of targets) wrk(url(t), headers, 2);
  for (let turn = 0; turn < TURNS; turn++) {
    const order = targets.map((_, i) => targets[(i + turn) % targets.length]);
    for (const t of order) {
      const before = cpuMs(t.pid);
      const w = wrk(url(t), headers, SECONDS);
      if (w.non2xx) throw new Error(`${t.label}: ${w.non2xx} answers were not 2xx`);
      t.runs.push(((cpuMs(t.pid) - before) * 1000) / w.requests);
    }
    process.stderr.write(`turn ${turn + 1}: ${targets.map((t) => `${t.runs.at(-1).toFixed(1)}`).join(', ')} µs\n`);
  }
  await stopChildren();
  // What the log adds, per turn (the gateway without a log met the same machine moments), then the median.
  const off = targets[0].runs;
  const signed = (n) => (n >= 0 ? '+' : '') + n.toFixed(1);
  const lines = ['', '| gateway | median CPU µs/req | min | max | added by the log (median of turns) |', '|---|---:|---:|---:|---:|'];
  for (const t of targets) {
    const added = t === targets[0] ? '' : signed(median(t.runs.map((us, i) => us - off[i])));
    lines.push(`| ${t.label} | ${median(t.runs).toFixed(1)} | ${Math.min(...t.runs).toFixed(1)} | ${Math.max(...t.runs).toFixed(1)} | ${added} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`access-log failed: ${err.stack}\n`);
    process.exit(1);
  },
);
