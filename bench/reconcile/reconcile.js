#!/usr/bin/env node
/**
 * Reconcile benchmark: how long planning and applying take against a live
 * embedded gateway, at 1,000 and 10,000 APIs (with groups, backend
 * services, apps and authorizations).
 *
 * For each size, on a fresh gateway (temporary data dir, loopback
 * ephemeral ports, the admin API over HTTP), planning as a long-running
 * process does (a provider plugin, a GitOps controller): one
 * HttpGatewayClient kept across reads, which after its first read asks
 * only for what changed since the revision it holds (`GET /v1/state?since=`).
 *   validate  parse and validate the document (schema + rules)
 *   plan0     read the live state + compute the plan, from empty
 *   apply     send that plan as one batch (apply from empty)
 *   plan      read the live state + compute the plan once applied (no change;
 *             median of 3)
 *   oneshot   the same plan as a one-shot process (the CLI) makes it: a new
 *             client, so a full state read (median of 3)
 *   change    plan + apply after changing one field of one API (median of 3)
 *   dp        of apply and of change, the time the in-process data plane
 *             took to take the committed state (apigw_dataplane_update_seconds):
 *             a commit is live when its batch returns, so it is part of both
 * and the ratio change / (plan0 + apply): the incremental cost against a
 * full apply. Targets: plan 10k < 1 s, apply 10k < 2 s, change < 5 %.
 * A second table gives the CPU time of each phase (user + system of this
 * process, which holds the client, the gateway and its data plane, V8's
 * GC and compiler threads included): on a shared machine it moves less
 * with the load than the wall time does.
 *
 * Run after `npm run build`:  node bench/reconcile/reconcile.js [sizes...]
 * With `--store postgres` (and Node's --experimental-strip-types) the
 * gateway keeps its state in the tests' throwaway PostgreSQL, a fresh
 * database per size, instead of SQLite in its data directory.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { createGateway, HttpGatewayClient } = require('@apigw/runtime');
const { parseDocument } = require('@apigw/schema');
const { computePlan, readLiveState, applyPlan } = require('@apigw/provider');

/** A document with `n` APIs: 100 APIs per group, 50 per backend service, 100 authorizations per app. */
function documentOf(n) {
  const groups = Math.max(1, Math.ceil(n / 100));
  const backends = Math.max(1, Math.ceil(n / 50));
  const apps = Math.max(1, Math.ceil(n / 100));
  const pad = (i) => String(i).padStart(5, '0');
  const doc = {
    apiVersion: 'apigw/v1',
    stack: 'bench',
    backendServices: Array.from({ length: backends }, (_, i) => ({
      name: `svc${pad(i)}`,
      type: 'HTTP',
      environments: { TEST: { url: `http://127.0.0.1:${10000 + i}` }, RELEASE: { url: `http://127.0.0.1:${20000 + i}` } },
    })),
    groups: Array.from({ length: groups }, (_, i) => ({ name: `grp${pad(i)}`, domains: [`g${i}.bench.localhost`] })),
    apis: Array.from({ length: n }, (_, i) => ({
      group: `grp${pad(Math.floor(i / 100))}`,
      name: `api${pad(i)}`,
      request: { method: 'GET', path: `/items${i}/{id}`, parameters: [{ name: 'id', in: 'PATH', type: 'LONG', required: true }] },
      backend: { service: `svc${pad(i % backends)}`, path: `/v1/items/{id}` },
      stages: ['TEST', 'RELEASE'],
    })),
    apps: Array.from({ length: apps }, (_, i) => ({ name: `app${pad(i)}` })),
    authorizations: Array.from({ length: n }, (_, i) => ({ app: `app${pad(i % apps)}`, api: `grp${pad(Math.floor(i / 100))}/api${pad(i)}`, stages: ['RELEASE'] })),
  };
  return doc;
}

/** Repetitions of the steady-state measurements (plan, change); the median is reported. */
const RUNS = 3;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time and CPU time (user + system, every thread of the process) of `fn`, in ms. */
async function time(fn) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpu: (used.user + used.system) / 1000, value };
}

/** Seconds the data plane has spent taking commits so far (the histogram's sum). */
async function dataPlaneSeconds(gateway) {
  const metric = await gateway.metrics.getSingleMetric('apigw_dataplane_update_seconds').get();
  return metric.values.find((v) => v.metricName === 'apigw_dataplane_update_seconds_sum')?.value ?? 0;
}

async function measure(n, postgres) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-bench-'));
  const store = postgres ? { store: await postgres.createDatabase(`reconcile_${n}`) } : {};
  const gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, ...store });
  const client = new HttpGatewayClient({ endpoint: gateway.adminUrl, token: gateway.adminToken });
  try {
    const raw = documentOf(n);
    const validate = await time(() => parseDocument(raw));
    const doc = validate.value;
    const plan0 = await time(async () => computePlan(doc, await readLiveState(client)));
    const beforeApply = await dataPlaneSeconds(gateway);
    const apply = await time(() => applyPlan(client, plan0.value));
    const applyDataPlane = 1000 * ((await dataPlaneSeconds(gateway)) - beforeApply);
    const plans = [];
    const planCpus = [];
    for (let i = 0; i < RUNS; i++) {
      const plan = await time(async () => computePlan(doc, await readLiveState(client)));
      if (plan.value.events.length !== 0) throw new Error(`a second plan at ${n} APIs is not empty (${plan.value.events.length} events)`);
      plans.push(plan.ms);
      planCpus.push(plan.cpu);
    }
    const oneshots = [];
    const oneshotCpus = [];
    for (let i = 0; i < RUNS; i++) {
      const oneshot = new HttpGatewayClient({ endpoint: gateway.adminUrl, token: gateway.adminToken });
      try {
        const plan = await time(async () => computePlan(doc, await readLiveState(oneshot)));
        if (plan.value.events.length !== 0) throw new Error(`a one-shot plan at ${n} APIs is not empty (${plan.value.events.length} events)`);
        oneshots.push(plan.ms);
        oneshotCpus.push(plan.cpu);
      } finally {
        await oneshot.close();
      }
    }

    const changes = [];
    const changeCpus = [];
    const changeDataPlane = [];
    for (let i = 0; i < RUNS; i++) {
      const changedRaw = documentOf(n);
      changedRaw.apis[Math.floor(n / 2)].backend.timeoutMs = 1000 + i;
      const changed = parseDocument(changedRaw);
      const before = await dataPlaneSeconds(gateway);
      const change = await time(async () => {
        const p = computePlan(changed, await readLiveState(client));
        await applyPlan(client, p);
        return p;
      });
      if (change.value.summary.change !== 1) throw new Error(`the one-field change planned ${JSON.stringify(change.value.summary)}`);
      changes.push(change.ms);
      changeCpus.push(change.cpu);
      changeDataPlane.push(1000 * ((await dataPlaneSeconds(gateway)) - before));
    }
    const resources = Object.values(plan0.value.summary).reduce((a, b) => a + b, 0);
    const cpu = { validate: validate.cpu, plan0: plan0.cpu, apply: apply.cpu, plan: median(planCpus), oneshot: median(oneshotCpus), change: median(changeCpus) };
    return { n, resources, operations: plan0.value.operations.length, validate: validate.ms, plan0: plan0.ms, apply: apply.ms, plan: median(plans), oneshot: median(oneshots), change: median(changes), applyDataPlane, changeDataPlane: median(changeDataPlane), cpu };
  } finally {
    await client.close();
    await gateway.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--store');
  const engine = at === -1 ? 'sqlite' : args.splice(at, 2)[1];
  if (engine !== 'sqlite' && engine !== 'postgres') throw new Error(`--store takes sqlite or postgres, not ${engine}`);
  const sizes = args.map(Number).filter((x) => x > 0);
  // The tests' throwaway server (a TypeScript module: run with --experimental-strip-types).
  const postgres = engine === 'postgres' ? await (await import('../../packages/runtime/test/support/postgres.ts')).startTestPostgres() : undefined;
  // APIGW_BENCH_QUICK_APIS=N measures N APIs in place of every size: a quick run that checks the bench works, not a measurement.
  const quick = Number(process.env.APIGW_BENCH_QUICK_APIS);
  const rows = [];
  try {
    for (const n of sizes.length > 0 ? sizes : [1000, 10000]) rows.push(await measure(quick > 0 ? quick : n, postgres));
  } finally {
    await postgres?.destroy();
  }
  console.log(`store: ${engine}`);
  const f = (ms) => ms.toFixed(0).padStart(7);
  console.log('APIs    resources  ops     validate  plan0   apply   (dp)    plan    oneshot change  (dp)    change/full');
  for (const r of rows) {
    const full = r.plan0 + r.apply;
    console.log(
      `${String(r.n).padEnd(7)} ${String(r.resources).padEnd(10)} ${String(r.operations).padEnd(7)}` +
        `${f(r.validate)}ms ${f(r.plan0)}ms${f(r.apply)}ms${f(r.applyDataPlane)}ms${f(r.plan)}ms${f(r.oneshot)}ms${f(r.change)}ms${f(r.changeDataPlane)}ms  ${((100 * r.change) / full).toFixed(2)}%`,
    );
  }
  console.log('\nCPU time (user + system of this process: client, gateway, data plane, GC and compiler threads)');
  const phases = ['validate', 'plan0', 'apply', 'plan', 'oneshot', 'change'];
  console.log(`APIs   ${phases.map((p) => p.padStart(9)).join(' ')}`);
  for (const r of rows) console.log(`${String(r.n).padEnd(7)}${phases.map((p) => `${f(r.cpu[p])}ms`).join(' ')}`);
  console.log('\nplan0 = read state + diff from empty; apply = the batch from empty; plan = read state + diff once applied (no change, median of 3),');
  console.log('by a client kept across reads (reads what changed since its last read); oneshot = the same plan by a new client (a full read, as the CLI does);');
  console.log('change = plan + apply of one field of one API (median of 3); (dp) = of the apply or change before it, the data plane\'s update to the commit;');
  console.log('change/full = change / (plan0 + apply). Targets at 10k: plan < 1000 ms, apply < 2000 ms, change/full < 5%.');
}

run().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
