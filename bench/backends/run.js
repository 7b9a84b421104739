'use strict';
/**
 * Backend benchmark, one run:
 *
 * 1. The same small JSON body from an event function (warm worker threads),
 *    from a MOCK backend (answered by the gateway) and from an HTTP backend
 *    (nginx behind the gateway): requests/s of each, and the function's
 *    ratio to the other two.
 * 2. OSS GetObject of a 64 KiB object from an embedded bucket, against nginx
 *    serving the same bytes as a static file.
 *
 * The gateway (one process) and the static nginx are pinned to core 0; wrk
 * and the backend nginx to core 1. Servers are loaded in interleaved rounds
 * and the best round counts (the machine is shared). Besides requests/s, the
 * CPU time the server process spent per request (all its threads, from
 * /proc) is reported: on a busy machine a process with more runnable threads
 * (the function's workers) gets a larger share of a core, which inflates its
 * requests/s but not its CPU per request. Everything is loopback; every
 * process is stopped by its PID.
 *
 * Usage: node bench/backends/run.js [--seconds 4] [--rounds 2]
 *
 * With APIGW_BENCH_QUICK_APIS set (the benches' quick mode): a quick run
 * that shows the bench works, not a measurement (one 1-second round, no
 * warm-up), with the peers this machine has: without nginx the backend is
 * a Node server answering the same body and there is no static nginx row;
 * without wrk the load comes from bench/load.js.
 */
const { randomBytes } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');
const { createHarness, installed, numberOption } = require('../harness');

const opt = numberOption;
const QUICK = Number(process.env.APIGW_BENCH_QUICK_APIS) > 0;
const SECONDS = opt('seconds', QUICK ? 1 : 4);
const ROUNDS = opt('rounds', QUICK ? 1 : 2);
const NGINX = installed('nginx');
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const h = createHarness({ loadCpu: LOAD_CPU, prefix: 'apigw-bench-backends-' });

function put(port, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path, headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${path} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const object = randomBytes(64 * 1024);
  const staticRoot = join(h.dir, 'static');
  mkdirSync(staticRoot);
  writeFileSync(join(staticRoot, 'object.bin'), object);

  const backend = await h.startJsonBackend(LOAD_CPU);
  const staticPort = await h.freePort();
  const staticNginx = NGINX && h.start(
    SERVER_CPU,
    'nginx',
    ['-c', h.nginxConf('static', `  server {\n    listen 127.0.0.1:${staticPort};\n    location / { root ${staticRoot}; default_type application/octet-stream; }\n  }`)],
    'static nginx',
  );
  const gatewayPort = await h.freePort();
  const gateway = h.start(SERVER_CPU, process.execPath, [join(__dirname, 'server.js'), String(gatewayPort), backend.url, join(h.dir, 'oss')], 'apigw');
  for (const port of [...(NGINX ? [staticPort] : []), gatewayPort]) await h.waitPort(port);
  await put(gatewayPort, '/oss/object.bin', object);

  const g = `http://127.0.0.1:${gatewayPort}`;
  const targets = [
    { label: 'event function (FUNCTION)', url: `${g}/fn`, pid: gateway.pid },
    { label: 'MOCK', url: `${g}/mock`, pid: gateway.pid },
    { label: `HTTP (${NGINX ? 'nginx' : 'a Node server'} behind apigw)`, url: `${g}/http`, pid: gateway.pid },
    { label: 'OSS GetObject 64 KiB (apigw)', url: `${g}/oss/object.bin`, pid: gateway.pid },
    ...(NGINX ? [{ label: 'nginx static 64 KiB', url: `http://127.0.0.1:${staticPort}/object.bin`, pid: staticNginx.pid }] : []),
  ];
  if (QUICK) process.stderr.write(`quick run (APIGW_BENCH_QUICK_APIS): shows the bench works, measures nothing${NGINX ? '' : '; no nginx here: a Node backend, no static nginx'}\n`);
  process.stderr.write(`backend benchmark: ${ROUNDS} interleaved rounds of ${SECONDS}s per target (best counts), wrk -t1 -c50 on core ${LOAD_CPU}, servers on core ${SERVER_CPU}\n`);
  if (!QUICK) for (const t of targets) h.wrk(t.url, null, 1);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      const cpuBefore = h.cpuMs(t.pid);
      const w = h.wrk(t.url, null, SECONDS);
      const cpuUs = ((h.cpuMs(t.pid) - cpuBefore) * 1000) / w.requests;
      if (w.non2xx || w.errors) process.stderr.write(`  ${t.label}: non-2xx ${w.non2xx}, socket errors ${w.errors || 'none'}\n`);
      if (!t.best || w.rps > t.best.rps) t.best = w;
      if (!(t.cpuUs <= cpuUs)) t.cpuUs = cpuUs;
      process.stderr.write(`  round ${round} ${t.label}: ${Math.round(w.rps)} req/s, p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms, ${cpuUs.toFixed(0)} µs CPU/request\n`);
    }
  }
  const rss = h.rssMb(gateway.pid);
  await h.stopChildren();

  const by = (label) => targets.find((t) => t.label.startsWith(label));
  const fn = by('event function');
  const mock = by('MOCK');
  const httpRow = by('HTTP');
  const oss = by('OSS');
  const nginx = by('nginx static');
  const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const lines = ['', '| target | req/s | p50 ms | p99 ms | server CPU µs/request |', '|---|---:|---:|---:|---:|'];
  for (const t of targets) lines.push(`| ${t.label} | ${fmt(t.best.rps)} | ${fmt(t.best.p50, 2)} | ${fmt(t.best.p99, 2)} | ${fmt(t.cpuUs)} |`);
  lines.push('');
  lines.push(
    `event function: ${fmt(fn.best.rps / mock.best.rps, 2)}x MOCK, ${fmt(fn.best.rps / httpRow.best.rps, 2)}x HTTP in req/s; ` +
      `${fmt(fn.cpuUs / mock.cpuUs, 2)}x MOCK, ${fmt(fn.cpuUs / httpRow.cpuUs, 2)}x HTTP in CPU per request`,
  );
  lines.push(`OSS GetObject 64 KiB: ${fmt(oss.best.rps / nginx?.best.rps, 2)}x nginx static in req/s; ${fmt(oss.cpuUs / nginx?.cpuUs, 2)}x nginx in CPU per request`);
  lines.push(`apigw RSS after load: ${fmt(rss, 1)} MB`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`benchmark failed: ${err.stack}\n`);
    process.exit(1);
  },
);
