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
 * the p99 added over direct at a fixed 2,000 req/s, ratios, and apigw's RSS.
 *
 * Usage: node bench/dataplane/run.js [--seconds 10] [--extra 10000]
 */
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, writeFileSync, rmSync, readFileSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { signedHeaders } = require('./bench-app');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const SECONDS = opt('seconds', 10);
const EXTRA = opt('extra', 10000);
const WARMUP = 3;
const PACE_RATE = 2000;
const PACE_SECONDS = 5;
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const NODE = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'apigw-bench-'));
const children = new Set();

function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
}
process.on('exit', () => {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitPort(port, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open`);
}

/** Starts a process pinned to a core (taskset execs it: the PID is the process's own). */
function start(cpu, command, argv, label) {
  const child = spawn('taskset', ['-c', cpu, command, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (code && code !== 0 && signal === null) process.stderr.write(`${label} exited with ${code}: ${stderr}\n`);
  });
  children.add(child);
  return child;
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function nginxConf(name, body) {
  const file = join(dir, `${name}.conf`);
  writeFileSync(
    file,
    `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${join(dir, name + '.pid')};\nerror_log ${join(dir, name + '.err')} warn;\n` +
      `events { worker_connections 4096; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/${name}-body;\n  proxy_temp_path ${dir}/${name}-proxy;\n` +
      `  fastcgi_temp_path ${dir}/${name}-fcgi;\n  uwsgi_temp_path ${dir}/${name}-uwsgi;\n  scgi_temp_path ${dir}/${name}-scgi;\n  keepalive_requests 1000000;\n${body}\n}\n`,
  );
  return file;
}

function parseWrk(text) {
  const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[u] ?? 1);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p = (q) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return m ? unit(m[1], m[2]) : NaN;
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  const errors = /Socket errors:(.*)/.exec(text);
  return { rps: rps ? Number(rps[1]) : NaN, p50: p('50'), p99: p('99'), non2xx: non2xx ? Number(non2xx[1]) : 0, errors: errors ? errors[1].trim() : '' };
}

function wrk(url, headers, seconds) {
  const h = Object.entries(headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const r = spawnSync('taskset', ['-c', LOAD_CPU, 'wrk', '-t1', '-c50', `-d${seconds}s`, '--latency', ...h, url], { encoding: 'utf8', timeout: (seconds + 15) * 1000 });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.error}`);
  return parseWrk(r.stdout);
}

function pace(url, headers) {
  const r = spawnSync('taskset', ['-c', LOAD_CPU, NODE, join(__dirname, 'pace.js'), url, String(PACE_RATE), String(PACE_SECONDS), JSON.stringify(headers ?? {})], {
    encoding: 'utf8',
    timeout: (PACE_SECONDS + 20) * 1000,
  });
  if (r.status !== 0) throw new Error(`pace failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function measure(label, url, headers) {
  wrk(url, headers, WARMUP);
  const w = wrk(url, headers, SECONDS);
  const p = pace(url, headers);
  const row = { label, ...w, paceP50: p.p50, paceP99: p.p99, paceErrors: p.errors + p.non2xx };
  process.stderr.write(`  ${label}: ${Math.round(w.rps)} req/s, p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms; at ${PACE_RATE}/s p99 ${p.p99.toFixed(2)} ms\n`);
  if (w.non2xx || w.errors || row.paceErrors) process.stderr.write(`  ${label}: non-2xx ${w.non2xx}, socket errors ${w.errors || 'none'}, paced failures ${row.paceErrors}\n`);
  return row;
}

async function main() {
  const rows = [];
  const backendPort = await freePort();
  const backend = start(
    LOAD_CPU,
    'nginx',
    ['-c', nginxConf('backend', `  server {\n    listen 127.0.0.1:${backendPort};\n    location / { default_type application/json; return 200 '{"ok":true,"service":"bench","items":[1,2,3]}'; }\n  }`)],
    'backend nginx',
  );
  await waitPort(backendPort);
  const upstream = `http://127.0.0.1:${backendPort}`;
  process.stderr.write(`data-plane benchmark: ${SECONDS}s per run, wrk -c50 on core ${LOAD_CPU}, servers on core ${SERVER_CPU}\n`);

  rows.push(await measure('direct (backend)', `${upstream}/anon`));

  const nginxPort = await freePort();
  const nginx = start(
    SERVER_CPU,
    'nginx',
    [
      '-c',
      nginxConf(
        'proxy',
        `  upstream origin { server 127.0.0.1:${backendPort}; keepalive 64; }\n  server {\n    listen 127.0.0.1:${nginxPort};\n` +
          `    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }\n  }`,
      ),
    ],
    'nginx proxy',
  );
  await waitPort(nginxPort);
  rows.push(await measure('nginx proxy', `http://127.0.0.1:${nginxPort}/anon`));
  await stop(nginx);

  for (const [label, script] of [
    ['bare undici proxy', 'undici-proxy.js'],
    ['fastify + reply-from', 'fastify-proxy.js'],
  ]) {
    const port = await freePort();
    const child = start(SERVER_CPU, NODE, [join(__dirname, script), String(port), upstream], label);
    await waitPort(port);
    rows.push(await measure(label, `http://127.0.0.1:${port}/anon`));
    await stop(child);
  }

  const rss = {};
  for (const extra of [0, EXTRA]) {
    const port = await freePort();
    const t0 = Date.now();
    const child = start(SERVER_CPU, NODE, [join(__dirname, 'apigw.js'), String(port), upstream, String(extra)], 'apigw');
    await waitPort(port, 120000);
    const startupMs = Date.now() - t0;
    const suffix = extra ? ` +${extra} APIs` : '';
    rows.push(await measure(`apigw ANONYMOUS${suffix}`, `http://127.0.0.1:${port}/anon`));
    rows.push(await measure(`apigw APP signed${suffix}`, `http://127.0.0.1:${port}/signed`, signedHeaders('/signed')));
    if (extra) rows.push(await measure(`apigw param route${suffix}`, `http://127.0.0.1:${port}/svc${extra - 2}/items/7`));
    rss[extra] = { mb: rssMb(child.pid), startupMs };
    await stop(child);
  }
  await stop(backend);

  const by = (label) => rows.find((r) => r.label === label);
  const direct = by('direct (backend)');
  const nginxRow = by('nginx proxy');
  const undici = by('bare undici proxy');
  const fastify = by('fastify + reply-from');
  const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const lines = [];
  lines.push('');
  lines.push(`| server | req/s | p50 ms | p99 ms | x direct | x nginx | x undici | x fastify | p99 at ${PACE_RATE}/s | added p99 |`);
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.rps / direct.rps, 2)} | ${fmt(r.rps / nginxRow.rps, 2)} | ${fmt(r.rps / undici.rps, 2)} | ${fmt(r.rps / fastify.rps, 2)} | ${fmt(r.paceP99, 2)} | ${r === direct ? '-' : fmt(r.paceP99 - direct.paceP99, 2)} |`,
    );
  }
  lines.push('');
  lines.push(`apigw RSS after load: ${fmt(rss[0].mb, 1)} MB with 2 APIs; ${fmt(rss[EXTRA].mb, 1)} MB with ${EXTRA + 2} APIs (started in ${rss[EXTRA].startupMs} ms)`);
  const signed = by('apigw APP signed');
  const anon = by('apigw ANONYMOUS');
  lines.push(
    `targets: APP signed ${fmt(signed.rps / undici.rps, 2)}x undici (>= 0.85), ${fmt(signed.rps / fastify.rps, 2)}x fastify (>= 1.25); ` +
      `ANONYMOUS ${fmt(anon.rps / undici.rps, 2)}x undici, ${fmt(anon.rps / fastify.rps, 2)}x fastify; ` +
      `added p99 at ${PACE_RATE}/s ${fmt(signed.paceP99 - direct.paceP99, 2)} ms signed, ${fmt(anon.paceP99 - direct.paceP99, 2)} ms anonymous (<= 2.5); ` +
      `RSS with ${EXTRA} APIs ${fmt(rss[EXTRA].mb, 1)} MB (< 200)`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`benchmark failed: ${err.stack}\n`);
    process.exit(1);
  },
);
