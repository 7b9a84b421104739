'use strict';
/**
 * How far the data plane scales with worker processes: the signed APP API
 * (`apigw.js`, 10,000 more APIs) served by 1 and by 2 node:cluster workers,
 * loaded in turn by wrk (2 threads, 100 connections). Two workers share the
 * port as `apigw serve --workers N` has them share it on Linux: each binds
 * it itself with SO_REUSEPORT and the kernel spreads the connections
 * (`--sharing kernel`, the default), or the primary accepts every
 * connection and hands it on in turn (`--sharing round-robin`, node:cluster's
 * own way and serve's elsewhere). Nothing is pinned: the workers, wrk and
 * the backend share the machine's cores. For each turn: req/s, and CPU time
 * per request of the primary and its workers together.
 *
 *   node bench/dataplane/workers.js [--turns 3] [--seconds 4] [--extra 10000] [--sharing kernel|round-robin]
 */
const cluster = require('node:cluster');
const { join } = require('node:path');

if (cluster.isWorker) {
  require('./apigw.js');
} else if (process.argv[2] === '--serve') {
  // Primary of N workers: node workers.js --serve N SHARING PORT UPSTREAM EXTRA
  const [, , , n, sharing, ...rest] = process.argv;
  cluster.setupPrimary({ exec: __filename, args: rest });
  if (sharing === 'kernel') process.env.APIGW_BENCH_REUSEPORT = '1';
  let ready = 0;
  for (let i = 0; i < Number(n); i++) {
    cluster.fork().on('message', (m) => {
      if (m === 'ready' && ++ready === Number(n)) process.send?.('ready');
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(0);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`workers bench failed: ${err.stack}\n`);
      process.exit(1);
    },
  );
}

async function main() {
  const { spawn, spawnSync } = require('node:child_process');
  const { readFileSync } = require('node:fs');
  const { createHarness, numberOption } = require('../harness');
  const { signedHeaders } = require('./bench-app');
  const TURNS = numberOption('turns', 3);
  const SECONDS = numberOption('seconds', 4);
  const EXTRA = numberOption('extra', 10000);
  const sharingAt = process.argv.indexOf('--sharing');
  const SHARING = sharingAt === -1 ? 'kernel' : process.argv[sharingAt + 1];
  if (SHARING !== 'kernel' && SHARING !== 'round-robin') throw new Error(`--sharing is kernel or round-robin, not ${SHARING}`);
  const { startJsonBackend, freePort, stopChildren, cpuMs } = createHarness({ loadCpu: '0-1', prefix: 'apigw-workers-' });

  const upstream = (await startJsonBackend('0-1')).url;

  /** The primary's and its workers' PIDs (children of the primary). */
  const family = (pid) => {
    const kids = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    return [pid, ...kids];
  };
  const cpuOf = (pids) => pids.reduce((sum, p) => sum + cpuMs(p), 0);

  const servers = [];
  for (const n of [1, 2]) {
    const port = await freePort();
    const child = spawn(process.execPath, [__filename, '--serve', String(n), SHARING, String(port), upstream, String(EXTRA)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise((resolve) => child.once('message', resolve));
    servers.push({ n, port, child, pids: family(child.pid), runs: [] });
  }
  const headers = signedHeaders('/signed');
  const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const wrk = (port, seconds) => {
    const r = spawnSync('wrk', ['-t2', '-c100', `-d${seconds}s`, ...h, `http://127.0.0.1:${port}/signed`], { encoding: 'utf8', timeout: (seconds + 15) * 1000 });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
    const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
    if (non2xx) throw new Error(`${non2xx} answers were not 2xx`);
    return { rps, requests };
  };
  process.stderr.write(`workers: ${TURNS} turns of ${SECONDS}s per server, port shared by ${SHARING}, wrk -t2 -c100, nothing pinned; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
  // Every worker warms its own JIT and its own 10,000-API heap: each gets the same 2 s share of warm-up load.
  for (const s of servers) wrk(s.port, 2 * s.n);
  for (let turn = 0; turn < TURNS; turn++) {
    for (const s of turn % 2 ? [...servers].reverse() : servers) {
      const before = cpuOf(s.pids);
      const w = wrk(s.port, SECONDS);
      const us = ((cpuOf(s.pids) - before) * 1000) / w.requests;
      s.runs.push({ rps: w.rps, us });
      process.stderr.write(`  ${s.n} worker(s): ${Math.round(w.rps)} req/s, ${us.toFixed(1)} µs CPU/req\n`);
    }
  }
  for (const s of servers) s.child.kill('SIGTERM');
  await stopChildren();
  const median = (l) => [...l].sort((a, b) => a - b)[l.length >> 1];
  const lines = ['', '| apigw signed, +10k APIs | median req/s | median CPU µs/req (primary + workers) |', '|---|---:|---:|'];
  for (const s of servers) lines.push(`| ${s.n} worker${s.n > 1 ? 's' : ''} | ${median(s.runs.map((r) => r.rps)).toFixed(0)} | ${median(s.runs.map((r) => r.us)).toFixed(1)} |`);
  const [one, two] = servers;
  lines.push('');
  lines.push(`2 workers / 1 worker: ${(median(two.runs.map((r) => r.rps)) / median(one.runs.map((r) => r.rps))).toFixed(2)}x req/s; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  process.stdout.write(lines.join('\n') + '\n');
}
