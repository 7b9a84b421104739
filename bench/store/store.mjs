/**
 * The store engines compared, in one run on one machine:
 *
 * - propagation: two nodes on one PostgreSQL; ROUNDS commits through node
 *   A (each repoints a MOCK backend), each timed from the commit returning
 *   to node B's data plane answering with the new body (p50/p99);
 * - data plane: requests/s of one node on PostgreSQL and one on SQLite
 *   serving the same ANONYMOUS MOCK API (wrk, 50 connections, best of
 *   ROUNDS_WRK interleaved rounds): the store is off the request path, so
 *   the ratio should be about 1;
 * - apply: one batch creating and publishing APIS APIs, on each engine.
 *
 * PostgreSQL is the tests' throwaway server (installed from Debian when
 * missing). Usage (from the repository root, after `npm run build`):
 *   npx node --experimental-strip-types --no-warnings bench/store/store.mjs [--rounds 50] [--apis 10000] [--seconds 5]
 *
 * With APIGW_BENCH_QUICK_APIS=N: a quick run that shows the bench works,
 * not a measurement (N APIs, 5 propagation rounds, one 1-second load round;
 * bench/load.js where wrk is not installed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres } from '../../packages/runtime/test/support/postgres.ts';

const require = createRequire(import.meta.url);
const { createGateway } = require('../../packages/runtime/dist/gateway');
const { installed, numberOption } = require('../harness.js');

const QUICK = Number(process.env.APIGW_BENCH_QUICK_APIS) > 0 ? Number(process.env.APIGW_BENCH_QUICK_APIS) : undefined;
const ROUNDS = numberOption('rounds', QUICK ? 5 : 50);
const APIS = numberOption('apis', QUICK ?? 10_000);
const SECONDS = numberOption('seconds', QUICK ? 1 : 5);
const ROUNDS_WRK = QUICK ? 1 : 3;

const stub = (body) => ({ name: 'stub', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body, headers: { 'content-type': 'text/plain' } } } } });
const base = (body) => [
  { op: 'create', kind: 'backendService', spec: stub(body) },
  { op: 'create', kind: 'group', spec: { name: 'bench', domains: ['bench.localhost'] } },
  { op: 'create', kind: 'api', spec: { group: 'bench', name: 'hello', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/hello' }, backend: { service: 'stub', path: '/hello' } } },
  { op: 'publish', api: 'bench/hello', stage: 'RELEASE' },
];

function get(url, path) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const req = http.request({ host: hostname, port, path, headers: { host: 'bench.localhost' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const dirs = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'apigw-store-bench-'));
  dirs.push(dir);
  return dir;
};

/** wrk against a node of this process (spawned asynchronously: the node must keep serving). */
function wrk(url) {
  return new Promise((resolve, reject) => {
    const load = installed('wrk')
      ? ['wrk', ['-t1', '-c50', `-d${SECONDS}s`, '-H', 'Host: bench.localhost', `${url}/hello`]]
      : [process.execPath, [join(import.meta.dirname, '..', 'load.js'), `${url}/hello`, String(SECONDS), '50', JSON.stringify({ host: 'bench.localhost' })]];
    const child = spawn(load[0], load[1], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1])) : reject(new Error(`wrk exited ${code}`))));
  });
}

async function timeApply(gateway) {
  const ops = [...base('x')];
  for (let i = 0; i < APIS; i++)
    ops.push(
      { op: 'create', kind: 'api', spec: { group: 'bench', name: `api${i}`, auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: `/a${i}/x` }, backend: { service: 'stub', path: '/x' } } },
      { op: 'publish', api: `bench/api${i}`, stage: 'RELEASE' },
    );
  const started = performance.now();
  await gateway.client.batch({ stack: 'bench', operations: ops });
  return (performance.now() - started) / 1000;
}

const server = await startTestPostgres();
const opened = [];
const open = async (options) => {
  const gateway = await createGateway({ dataDir: tempDir(), port: 0, adminPort: 0, adminToken: 'bench', ...options });
  opened.push(gateway);
  return gateway;
};
try {
  const result = {};

  // Propagation between nodes.
  const shared = await server.createDatabase('propagation');
  const a = await open({ store: shared });
  const b = await open({ store: shared });
  await a.client.batch({ stack: 'bench', operations: base('r0') });
  while ((await get(b.dataUrl, '/hello')) !== 'r0');
  const times = [];
  for (let i = 1; i <= ROUNDS; i++) {
    await a.client.batch({ stack: 'bench', operations: [{ op: 'update', kind: 'backendService', spec: stub(`r${i}`) }] });
    const t0 = performance.now();
    while ((await get(b.dataUrl, '/hello')) !== `r${i}`);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  result.propagationMs = { rounds: ROUNDS, p50: +percentile(times, 50).toFixed(2), p99: +percentile(times, 99).toFixed(2), max: +times[times.length - 1].toFixed(2) };

  // Data plane on each engine.
  const sqliteNode = await open({});
  await sqliteNode.client.batch({ stack: 'bench', operations: base('ok') });
  const pgNode = await open({ store: await server.createDatabase('dataplane') });
  await pgNode.client.batch({ stack: 'bench', operations: base('ok') });
  const rps = { sqlite: 0, postgres: 0 };
  for (let round = 0; round < ROUNDS_WRK; round++) {
    rps.sqlite = Math.max(rps.sqlite, await wrk(sqliteNode.dataUrl));
    rps.postgres = Math.max(rps.postgres, await wrk(pgNode.dataUrl));
  }
  result.dataPlaneRps = { sqlite: Math.round(rps.sqlite), postgres: Math.round(rps.postgres), ratio: +(rps.postgres / rps.sqlite).toFixed(3) };

  // One large apply on each engine.
  const sqliteApply = await timeApply(await open({}));
  const pgApply = await timeApply(await open({ store: await server.createDatabase('apply') }));
  result.applySeconds = { apis: APIS, sqlite: +sqliteApply.toFixed(2), postgres: +pgApply.toFixed(2), ratio: +(pgApply / sqliteApply).toFixed(2) };

  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const gateway of opened) await gateway.close().catch(() => undefined);
  await server.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
