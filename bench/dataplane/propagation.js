'use strict';
/**
 * How fast data-plane workers serve a new revision: runs the gateway's
 * primary (store + admin API) with WORKERS data-plane workers, commits
 * ROUNDS changes (create and publish one API each), and measures for each
 * the time from the commit returning to every worker reporting the new
 * revision, and to the new API answering over HTTP.
 * Usage: node propagation.js [WORKERS=2] [ROUNDS=20] [EXTRA_APIS=0]  -> prints JSON
 */
const { mkdtempSync, rmSync } = require('node:fs');
const http = require('node:http');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createGateway } = require('../../packages/runtime/dist/gateway');
const { attachDataPlaneWorkers } = require('../../packages/runtime/dist/cluster');

const [workersArg, roundsArg, extraArg] = process.argv.slice(2);
const WORKERS = Number(workersArg ?? 2);
const ROUNDS = Number(roundsArg ?? 20);
const EXTRA = Number(extraArg ?? 0);

function get(port, path) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host: 'bench.localhost' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

const api = (name, path) => ({
  group: 'bench',
  name,
  auth: { type: 'ANONYMOUS' },
  request: { method: 'GET', path },
  backend: { service: 'origin', path: '/', timeoutMs: 1000 },
});

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'apigw-propagation-'));
  const gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 'bench' });
  let workers;
  try {
    const base = [
      { op: 'create', kind: 'backendService', spec: { name: 'origin', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body: 'ok' } } } } },
      { op: 'create', kind: 'group', spec: { name: 'bench', domains: ['bench.localhost'] } },
    ];
    for (let i = 0; i < EXTRA; i++) base.push({ op: 'create', kind: 'api', spec: api(`extra${i}`, `/extra${i}/x`) }, { op: 'publish', api: `bench/extra${i}`, stage: 'RELEASE' });
    await gateway.client.batch({ stack: null, operations: base });
    workers = await attachDataPlaneWorkers(gateway, { dataDir: dir, port: 0, workers: WORKERS });
    const served = [];
    const visible = [];
    const commits = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      const result = await gateway.client.batch({ stack: null, operations: [{ op: 'create', kind: 'api', spec: api(`probe${i}`, `/p${i}`) }, { op: 'publish', api: `bench/probe${i}`, stage: 'RELEASE' }] });
      const t1 = performance.now();
      const seen = (async () => {
        while ((await get(workers.port, `/p${i}`)) !== 200) {}
        return performance.now();
      })();
      await workers.whenServed(result.revision);
      const t2 = performance.now();
      const t3 = await seen;
      commits.push(t1 - t0);
      served.push(t2 - t1);
      visible.push(t3 - t1);
    }
    const stats = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return { median: +s[Math.floor(s.length / 2)].toFixed(2), max: +s[s.length - 1].toFixed(2) };
    };
    process.stdout.write(JSON.stringify({ workers: WORKERS, rounds: ROUNDS, apis: EXTRA + ROUNDS, commitMs: stats(commits), allWorkersServeMs: stats(served), firstAnswerMs: stats(visible) }) + '\n');
  } finally {
    await workers?.close();
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
