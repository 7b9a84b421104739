'use strict';
/**
 * CPU cost of a signed request against the bare undici proxy and fastify,
 * made stable on a busy machine: the three servers (pinned to core 0) are
 * loaded in turn with short wrk runs from core 1, many times, rotating
 * which goes first; each turn gives each server's CPU time per request
 * (user + system time of its process over the run ÷ requests served), and
 * the ratios of one turn compare servers that met the same machine. The
 * median of the turns' ratios is printed, with their spread.
 *
 *   node bench/dataplane/cpu-ratio.js [--turns 9] [--seconds 2] [--warmup 10] [--extra 10000] [--connections 50] [--baseline DIR]
 *
 * Each server is first loaded for `--warmup` seconds (in 2 s runs, taking
 * turns): the gateway with 10,000 APIs reaches its steady CPU per request
 * only after some 10 s of load (its JIT tiers up and the snapshot's heap
 * settles), and a turn measured before that compares a cold gateway with
 * warm proxies.
 *
 * `--baseline DIR` also loads the signed API of another build (DIR is a
 * checkout with `packages/runtime/dist` built, e.g. a `git worktree` of the
 * commit before a change) in every turn, and prints its CPU per request
 * over this build's: what a change saved, measured against the same
 * machine moments.
 *
 * apigw serves the signed APP API (`apigw.js`, one fixed signature, full
 * HMAC on every request) with EXTRA more APIs in its snapshot; the bare
 * proxy and fastify relay the same backend (nginx answering a small JSON
 * body). Prints a markdown table on stdout; progress on stderr.
 */
const { join } = require('node:path');
const { createHarness, median, numberOption, pathOption } = require('../harness');
const { signedHeaders } = require('./bench-app');

const TURNS = numberOption('turns', 9);
const SECONDS = numberOption('seconds', 2);
const WARMUP = numberOption('warmup', 10);
const EXTRA = numberOption('extra', 10000);
const CONNECTIONS = numberOption('connections', 50);
const BASELINE = pathOption('baseline');
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const NODE = process.execPath;
const { startJsonBackend, freePort, waitPort, start, stopChildren, wrk, cpuMs } = createHarness({ loadCpu: LOAD_CPU, prefix: 'apigw-cpu-ratio-' });

/** CPU µs per request of one short wrk run against a server. */
function cpuPerRequest(t) {
  const before = cpuMs(t.pid);
  const w = wrk(t.url, t.headers, SECONDS, CONNECTIONS);
  if (w.non2xx) throw new Error(`${t.label}: ${w.non2xx} answers were not 2xx`);
  // A busy machine times a few requests out; they are not counted, and neither is their CPU time wasted on a wrong answer.
  if (w.errors) process.stderr.write(`  ${t.label}: socket errors ${w.errors}\n`);
  return { us: ((cpuMs(t.pid) - before) * 1000) / w.requests, rps: w.rps };
}

async function main() {
  const upstream = (await startJsonBackend(LOAD_CPU)).url;
  const undiciPort = await freePort();
  const undici = start(SERVER_CPU, NODE, [join(__dirname, 'undici-proxy.js'), String(undiciPort), upstream], 'bare undici proxy');
  const fastifyPort = await freePort();
  const fastify = start(SERVER_CPU, NODE, [join(__dirname, 'fastify-proxy.js'), String(fastifyPort), upstream], 'fastify proxy');
  const apigwPort = await freePort();
  const apigw = start(SERVER_CPU, NODE, [join(__dirname, 'apigw.js'), String(apigwPort), upstream, String(EXTRA)], 'apigw');
  let baseline = null;
  if (BASELINE !== null) {
    const port = await freePort();
    const child = start(SERVER_CPU, NODE, [join(BASELINE, 'bench/dataplane/apigw.js'), String(port), upstream, String(EXTRA)], 'apigw baseline');
    await waitPort(port, 120000);
    baseline = { label: `apigw APP signed, ${EXTRA} more APIs, baseline build`, url: `http://127.0.0.1:${port}/signed`, headers: signedHeaders('/signed'), pid: child.pid, runs: [] };
  }
  await waitPort(undiciPort);
  await waitPort(fastifyPort);
  await waitPort(apigwPort, 120000);

  const targets = [
    { label: 'bare undici proxy', url: `http://127.0.0.1:${undiciPort}/anon`, pid: undici.pid, runs: [] },
    { label: `apigw APP signed, ${EXTRA} more APIs`, url: `http://127.0.0.1:${apigwPort}/signed`, headers: signedHeaders('/signed'), pid: apigw.pid, runs: [] },
    { label: 'fastify + reply-from', url: `http://127.0.0.1:${fastifyPort}/anon`, pid: fastify.pid, runs: [] },
  ];
  const [u, a, f] = targets;
  if (baseline !== null) targets.push(baseline);
  process.stderr.write(`cpu-ratio: ${TURNS} turns of ${SECONDS}s per server, wrk -t1 -c${CONNECTIONS} on core ${LOAD_CPU}, servers on core ${SERVER_CPU}\nwarming up (${WARMUP}s each)\n`);
  for (let warmed = 0; warmed < WARMUP; warmed += 2) for (const t of targets) wrk(t.url, t.headers, 2, CONNECTIONS);
  const vsUndici = [];
  const vsFastify = [];
  const vsBaseline = [];
  for (let turn = 0; turn < TURNS; turn++) {
    const order = targets.map((_, i) => targets[(i + turn) % targets.length]);
    const got = new Map();
    for (const t of order) {
      const r = cpuPerRequest(t);
      t.runs.push(r);
      got.set(t, r.us);
    }
    vsUndici.push(got.get(u) / got.get(a));
    vsFastify.push(got.get(f) / got.get(a));
    if (baseline !== null) vsBaseline.push(got.get(baseline) - got.get(a));
    process.stderr.write(
      `turn ${turn + 1}: ${targets.map((t) => `${t.label} ${got.get(t).toFixed(1)} µs`).join(', ')}; ` +
        `undici/apigw ${vsUndici.at(-1).toFixed(2)}, fastify/apigw ${vsFastify.at(-1).toFixed(2)}\n`,
    );
  }
  await stopChildren();

  const fmt = (n, d) => n.toFixed(d);
  const lines = ['', '| server | median CPU µs/req | min | max | median req/s |', '|---|---:|---:|---:|---:|'];
  for (const t of targets) {
    const us = t.runs.map((r) => r.us);
    lines.push(`| ${t.label} | ${fmt(median(us), 1)} | ${fmt(Math.min(...us), 1)} | ${fmt(Math.max(...us), 1)} | ${fmt(median(t.runs.map((r) => r.rps)), 0)} |`);
  }
  lines.push('');
  lines.push('| efficiency of apigw signed (other CPU / apigw CPU, per turn) | median | min | max |');
  lines.push('|---|---:|---:|---:|');
  lines.push(`| x bare undici proxy | ${fmt(median(vsUndici), 2)} | ${fmt(Math.min(...vsUndici), 2)} | ${fmt(Math.max(...vsUndici), 2)} |`);
  lines.push(`| x fastify + reply-from | ${fmt(median(vsFastify), 2)} | ${fmt(Math.min(...vsFastify), 2)} | ${fmt(Math.max(...vsFastify), 2)} |`);
  if (baseline !== null) {
    lines.push('');
    lines.push(`CPU µs/req saved over the baseline build (baseline − this, per turn): median ${fmt(median(vsBaseline), 1)}, ` + `min ${fmt(Math.min(...vsBaseline), 1)}, max ${fmt(Math.max(...vsBaseline), 1)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`cpu-ratio failed: ${err.stack}\n`);
    process.exit(1);
  },
);
