'use strict';
/**
 * Data-plane benchmark. Starts a fixed backend (nginx answering a small JSON
 * body), then in turn: nginx as a reverse proxy with upstream keep-alive, a
 * bare undici Pool.stream() proxy, fastify + @fastify/reply-from, and the
 * apigw data plane (one worker) serving an ANONYMOUS and a signed APP API,
 * first with 2 APIs, then with 10,000 more in its routing snapshot.
 *
 * Each server under test is pinned to core 0; wrk, the paced generator and
 * the backend to core 1. Everything is loopback; every process is stopped
 * by its PID. Prints req/s and p50/p99 (wrk, 50 keep-alive connections),
 * the p99 added over direct at a fixed 2,000 req/s (pace.js, latency from
 * each request's send, pooled over interleaved one-second chunks), ratios,
 * and apigw's RSS.
 *
 * Servers are loaded in interleaved rounds (each round loads every server
 * once) and the best round counts, so a burst of other work on the shared
 * machine does not decide a ratio. Then the data-plane worker propagation
 * time is measured (propagation.js).
 *
 * Usage: node bench/dataplane/run.js [--seconds 5] [--rounds 2] [--extra 10000]
 *
 * With APIGW_BENCH_QUICK_APIS=N: a quick run that shows the bench works, not
 * a measurement (N more APIs, one 1-second round, no warm-up, one paced
 * chunk at 200 req/s, short propagation runs), with the peers this machine has: without
 * nginx the nginx proxy is left out and the backend is a Node server,
 * without wrk the load comes from bench/load.js.
 */
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { createHarness, installed, numberOption } = require('../harness');
const { benchJwt, signedHeaders } = require('./bench-app');

const opt = numberOption;
const QUICK = Number(process.env.APIGW_BENCH_QUICK_APIS) > 0 ? Number(process.env.APIGW_BENCH_QUICK_APIS) : undefined;
const SECONDS = opt('seconds', QUICK ? 1 : 5);
const ROUNDS = opt('rounds', QUICK ? 1 : 2);
const EXTRA = opt('extra', QUICK ?? 10000);
const NGINX = installed('nginx');
/** `--plugins-only`: load only the signed API without and with plugins (no peers, no paced load, no propagation). */
const PLUGINS_ONLY = process.argv.includes('--plugins-only');
const WARMUP = QUICK ? 0 : 2;
const PACE_RATE = QUICK ? 200 : 2000;
const PACE_CHUNKS = QUICK ? 1 : 10;
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const NODE = process.execPath;
const { dir, startJsonBackend, freePort, waitPort, start, stopChildren, nginxConf, wrk, rssMb, hwmMb, cpuMs } = createHarness({ loadCpu: LOAD_CPU });

function pace(url, headers) {
  const r = spawnSync('taskset', ['-c', LOAD_CPU, NODE, join(__dirname, 'pace.js'), url, String(PACE_RATE), '1', JSON.stringify(headers ?? {}), '--raw'], {
    encoding: 'utf8',
    timeout: 30 * 1000,
  });
  if (r.status !== 0) throw new Error(`pace failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Percentile of a list of numbers (sorted in place). */
function percentile(list, q) {
  if (list.length === 0) return NaN;
  list.sort((a, b) => a - b);
  return list[Math.min(list.length - 1, Math.floor(q * list.length))];
}

/** Counts of a list of µs values in the histogram's buckets. */
const BUCKETS_US = [25, 50, 100, 250, 500, 1000, 2500, Infinity];
function histogram(list) {
  const counts = BUCKETS_US.map(() => 0);
  for (const v of list) counts[BUCKETS_US.findIndex((b) => v < b)]++;
  return counts;
}

/** One wrk run of a target; with ROUNDS > 1 the best run counts (the machine is shared). */
function measure(target) {
  const before = cpuMs(target.pid);
  const w = wrk(target.url, target.headers, SECONDS);
  // CPU time per request of the server under test: what a request costs it, however busy or slow the machine.
  const cpuUs = ((cpuMs(target.pid) - before) * 1000) / w.requests;
  if (!target.best || w.rps > target.best.rps) target.best = w;
  if (!(target.cpuUs <= cpuUs)) target.cpuUs = cpuUs;
  process.stderr.write(`  ${target.label}: ${Math.round(w.rps)} req/s, ${cpuUs.toFixed(1)} µs CPU/req, p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms\n`);
  if (w.non2xx || w.errors) process.stderr.write(`  ${target.label}: non-2xx ${w.non2xx}, socket errors ${w.errors || 'none'}\n`);
}

/** One second of paced load; the latencies of all chunks of a target are pooled. */
function paced(target) {
  target.latencies ??= [];
  let p;
  try {
    p = pace(target.url, target.headers);
  } catch (err) {
    // A machine too busy to keep the pace loses this chunk, not the run.
    process.stderr.write(`  ${target.label}: ${err.message.trim()}\n`);
    target.paceFailed = (target.paceFailed ?? 0) + 1;
    return;
  }
  target.latencies.push(...p.latencies);
  target.paceFailed = (target.paceFailed ?? 0) + p.errors + p.non2xx;
}

function pooledPace(target) {
  const sorted = target.latencies.sort((a, b) => a - b);
  const at = (q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  target.pace = { p50: at(0.5), p99: at(0.99), count: sorted.length };
  process.stderr.write(
    `  ${target.label}: at ${PACE_RATE}/s p50 ${target.pace.p50.toFixed(2)} ms, p99 ${target.pace.p99.toFixed(2)} ms over ${sorted.length} requests` +
      `${target.paceFailed ? `, ${target.paceFailed} failed` : ''}\n`,
  );
}

async function main() {
  const backend = await startJsonBackend(LOAD_CPU);
  const upstream = backend.url;

  const nginxPort = await freePort();
  const nginxProxy = NGINX && start(
    SERVER_CPU,
    'nginx',
    [
      '-c',
      nginxConf(
        'proxy',
        `  upstream origin { server ${new URL(upstream).host}; keepalive 64; }\n  server {\n    listen 127.0.0.1:${nginxPort};\n` +
          `    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }\n  }`,
      ),
    ],
    'nginx proxy',
  );
  const undiciPort = await freePort();
  const undiciProxy = start(SERVER_CPU, NODE, [join(__dirname, 'undici-proxy.js'), String(undiciPort), upstream], 'bare undici proxy');
  const fastifyPort = await freePort();
  const fastifyProxy = start(SERVER_CPU, NODE, [join(__dirname, 'fastify-proxy.js'), String(fastifyPort), upstream], 'fastify proxy');
  const smallPort = await freePort();
  const small = start(SERVER_CPU, NODE, [join(__dirname, 'apigw.js'), String(smallPort), upstream, '0', join(dir, 'timing-small.json')], 'apigw');
  const largePort = await freePort();
  const largeStarted = Date.now();
  const large = start(SERVER_CPU, NODE, [join(__dirname, 'apigw.js'), String(largePort), upstream, String(EXTRA), join(dir, 'timing-large.json')], 'apigw 10k');
  for (const port of [...(NGINX ? [nginxPort] : []), undiciPort, fastifyPort, smallPort]) await waitPort(port);
  await waitPort(largePort, 120000);
  const largeStartupMs = Date.now() - largeStarted;
  const largeIdleRss = rssMb(large.pid);
  const smallIdleRss = rssMb(small.pid);

  const signed = signedHeaders('/signed');
  const targets = [
    { label: 'direct (backend)', url: `${upstream}/anon`, pid: backend.pid },
    ...(NGINX ? [{ label: 'nginx proxy', url: `http://127.0.0.1:${nginxPort}/anon`, pid: nginxProxy.pid }] : []),
    { label: 'bare undici proxy', url: `http://127.0.0.1:${undiciPort}/anon`, pid: undiciProxy.pid },
    { label: 'fastify + reply-from', url: `http://127.0.0.1:${fastifyPort}/anon`, pid: fastifyProxy.pid },
    { label: 'apigw ANONYMOUS', url: `http://127.0.0.1:${smallPort}/anon`, pid: small.pid, timing: ['small', 'bench/anon'] },
    { label: 'apigw APP signed', url: `http://127.0.0.1:${smallPort}/signed`, headers: signed, pid: small.pid, timing: ['small', 'bench/signed'] },
    { label: `apigw ANONYMOUS, ${EXTRA} more APIs`, url: `http://127.0.0.1:${largePort}/anon`, pid: large.pid, timing: ['large', 'bench/anon'] },
    { label: `apigw APP signed, ${EXTRA} more APIs`, url: `http://127.0.0.1:${largePort}/signed`, headers: signed, pid: large.pid, timing: ['large', 'bench/signed'] },
    {
      label: `apigw param route, ${EXTRA} more APIs`,
      url: `http://127.0.0.1:${largePort}/svc${Math.max(0, EXTRA - 2)}/items/7`,
      pid: large.pid,
      timing: ['large', `bench/api${Math.max(0, EXTRA - 2)}`],
    },
    { label: 'apigw APP signed + TRAFFIC_CONTROL', url: `http://127.0.0.1:${smallPort}/signed-tc`, headers: signedHeaders('/signed-tc'), pid: small.pid },
    {
      label: 'apigw APP signed + all four plugins',
      url: `http://127.0.0.1:${smallPort}/signed-all`,
      headers: { ...signedHeaders('/signed-all'), origin: 'https://shop.example', 'x-jwt': await benchJwt() },
      pid: small.pid,
    },
  ].filter((t) => !PLUGINS_ONLY || t.label.startsWith('apigw APP signed'));
  if (QUICK) process.stderr.write(`quick run (APIGW_BENCH_QUICK_APIS=${QUICK}): shows the bench works, measures nothing${NGINX ? '' : '; no nginx here: no nginx proxy, a Node backend'}\n`);
  process.stderr.write(`data-plane benchmark: ${ROUNDS} interleaved rounds of ${SECONDS}s per server (best counts), wrk -t1 -c50 on core ${LOAD_CPU}, servers on core ${SERVER_CPU}\n`);
  if (WARMUP > 0) {
    process.stderr.write('warming up\n');
    for (const t of targets) wrk(t.url, t.headers, WARMUP);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`round ${round}\n`);
    for (const t of targets) measure(t);
  }
  if (PLUGINS_ONLY) {
    await stopChildren();
    process.stdout.write(pluginLines(targets).join('\n') + '\n');
    return;
  }
  // Paced load in one-second chunks, interleaved across servers, so that a
  // burst of other work on the shared machine hits every server alike.
  process.stderr.write(`paced load, ${PACE_RATE} req/s, ${PACE_CHUNKS} interleaved one-second chunks per server\n`);
  // The gateway times its own part of each paced request (apigw.js, diagnostics channels).
  small.kill('SIGUSR1');
  large.kill('SIGUSR1');
  await new Promise((r) => setTimeout(r, 200));
  for (let chunk = 0; chunk < PACE_CHUNKS; chunk++) for (const t of targets) paced(t);
  for (const t of targets) pooledPace(t);
  small.kill('SIGUSR2');
  large.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 1000));
  const timing = { small: readJson(join(dir, 'timing-small.json')), large: readJson(join(dir, 'timing-large.json')) };
  const smallRss = rssMb(small.pid);
  const largeRss = rssMb(large.pid);
  const largeHwm = hwmMb(large.pid);
  await stopChildren();

  const propagate = (rounds, extra) => {
    process.stderr.write(`worker propagation (2 workers, ${rounds} commits, ${extra} APIs already published)\n`);
    const r = spawnSync(NODE, [join(__dirname, 'propagation.js'), '2', String(rounds), String(extra)], { encoding: 'utf8', timeout: 300000 });
    if (r.status !== 0) process.stderr.write(`propagation failed: ${r.stderr}\n`);
    return r.status === 0 ? JSON.parse(r.stdout) : null;
  };
  const propagation = propagate(QUICK ? 3 : 20, 0);
  const propagationLarge = propagate(QUICK ? 2 : 5, EXTRA);

  const by = (label) => targets.find((r) => r.label === label);
  const direct = by('direct (backend)');
  const nginxRow = by('nginx proxy');
  const undici = by('bare undici proxy');
  const fastify = by('fastify + reply-from');
  const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const lines = [''];
  lines.push(`| server | req/s | p50 ms | p99 ms | x direct | x nginx | x undici | x fastify | p99 at ${PACE_RATE}/s | added p99 |`);
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of targets) {
    const r = t.best;
    lines.push(
      `| ${t.label} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.rps / direct.best.rps, 2)} | ${fmt(r.rps / nginxRow?.best.rps, 2)} | ` +
        `${fmt(r.rps / undici.best.rps, 2)} | ${fmt(r.rps / fastify.best.rps, 2)} | ${fmt(t.pace.p99, 2)} | ${t === direct ? '-' : fmt(t.pace.p99 - direct.pace.p99, 2)} |`,
    );
  }
  // CPU time per request (least over the rounds): what each server spends on one request, stable on a busy or slow machine.
  lines.push('');
  lines.push('| server | CPU µs/req | undici CPU / this CPU | fastify CPU / this CPU |');
  lines.push('|---|---:|---:|---:|');
  for (const t of targets) lines.push(`| ${t.label} | ${fmt(t.cpuUs, 1)} | ${fmt(undici.cpuUs / t.cpuUs, 2)} | ${fmt(fastify.cpuUs / t.cpuUs, 2)} |`);
  lines.push('');
  lines.push(
    `apigw RSS: ${fmt(smallIdleRss, 1)} MB idle / ${fmt(smallRss, 1)} MB after load with 2 APIs; ` +
      `${fmt(largeIdleRss, 1)} MB idle / ${fmt(largeRss, 1)} MB after load (peak ${fmt(largeHwm, 1)} MB) with ${EXTRA + 2} APIs, ready in ${largeStartupMs} ms`,
  );
  for (const p of [propagation, propagationLarge]) {
    if (!p) continue;
    lines.push(
      `workers (${p.apis} APIs): after a commit returns, all ${p.workers} workers serve the new revision in ${p.allWorkersServeMs.median} ms median ` +
        `(max ${p.allWorkersServeMs.max}); the new API first answers after ${p.firstAnswerMs.median} ms median (max ${p.firstAnswerMs.max})`,
    );
  }
  // Gateway-internal time at the paced rate: what the gateway adds before and after the backend, measured inside it.
  lines.push('');
  lines.push(`| at ${PACE_RATE}/s, gateway-internal µs | before backend p50 | p99 | after backend p50 | p99 | samples |`);
  lines.push('|---|---:|---:|---:|---:|---:|');
  const phases = [];
  for (const t of targets) {
    if (t.timing === undefined) continue;
    const got = timing[t.timing[0]][t.timing[1]] ?? { before: [], after: [] };
    phases.push([t, got]);
    lines.push(
      `| ${t.label} | ${fmt(percentile(got.before, 0.5), 0)} | ${fmt(percentile(got.before, 0.99), 0)} | ${fmt(percentile(got.after, 0.5), 0)} | ` +
        `${fmt(percentile(got.after, 0.99), 0)} | ${got.before.length} |`,
    );
  }
  lines.push('');
  lines.push(`| histogram, before + after backend | ${BUCKETS_US.map((b, i) => (b === Infinity ? `>= ${BUCKETS_US[i - 1]} µs` : `< ${b} µs`)).join(' | ')} |`);
  lines.push(`|---|${BUCKETS_US.map(() => '---:').join('|')}|`);
  for (const [t, got] of phases) {
    const n = Math.min(got.before.length, got.after.length);
    const sums = [];
    for (let i = 0; i < n; i++) sums.push(got.before[i] + got.after[i]);
    lines.push(`| ${t.label} | ${histogram(sums).join(' | ')} |`);
  }
  const s = by('apigw APP signed');
  const a = by('apigw ANONYMOUS');
  const sl = by(`apigw APP signed, ${EXTRA} more APIs`);
  lines.push(
    `CPU per request: APP signed with ${EXTRA} more APIs ${fmt(sl.cpuUs, 1)} µs, ${fmt(undici.cpuUs / sl.cpuUs, 2)}x undici's efficiency, ` +
      `${fmt(fastify.cpuUs / sl.cpuUs, 2)}x fastify's; req/s ${fmt(sl.best.rps / undici.best.rps, 2)}x undici, ${fmt(sl.best.rps / fastify.best.rps, 2)}x fastify`,
  );
  lines.push(
    `targets: APP signed ${fmt(s.best.rps / undici.best.rps, 2)}x undici (>= 0.85), ${fmt(s.best.rps / fastify.best.rps, 2)}x fastify (>= 1.25); ` +
      `ANONYMOUS ${fmt(a.best.rps / undici.best.rps, 2)}x undici, ${fmt(a.best.rps / fastify.best.rps, 2)}x fastify; ` +
      `added p99 at ${PACE_RATE}/s: ${fmt(s.pace.p99 - direct.pace.p99, 2)} ms signed, ${fmt(a.pace.p99 - direct.pace.p99, 2)} ms anonymous (<= 2.5); ` +
      `RSS with ${EXTRA + 2} APIs ${fmt(largeRss, 1)} MB (< 200)`,
  );
  lines.push(...pluginLines(targets));
  if (direct.pace.p99 > 2) {
    lines.push(
      `warning: the backend alone answered with a ${fmt(direct.pace.p99, 2)} ms p99 at ${PACE_RATE}/s: other work on this machine dominates the tails, ` +
        'so the added-p99 figures of this run measure that, not the proxies; rerun on a quiet machine',
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** The plugin comparison: the signed API with plugins against the same API without, measured in the same rounds. */
function pluginLines(targets) {
  const by = (label) => targets.find((r) => r.label === label);
  const plain = by('apigw APP signed').best.rps;
  const tc = by('apigw APP signed + TRAFFIC_CONTROL').best.rps;
  const all = by('apigw APP signed + all four plugins').best.rps;
  return [
    `plugins: APP signed ${Math.round(plain)} req/s; with TRAFFIC_CONTROL ${Math.round(tc)} req/s (${(tc / plain).toFixed(2)}x, goal >= 0.95); ` +
      `with TRAFFIC_CONTROL, IP_CONTROL, CORS and JWT ${Math.round(all)} req/s (${(all / plain).toFixed(2)}x)`,
  ];
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`benchmark failed: ${err.stack}\n`);
    process.exit(1);
  },
);
