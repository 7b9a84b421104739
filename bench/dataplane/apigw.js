'use strict';
/**
 * The apigw data plane in one process (one worker), serving an ANONYMOUS API
 * (/anon) and a signed APP API (/signed), plus EXTRA more published APIs
 * (`/svc{i}/items/{id}`) in the routing snapshot.
 * Usage: node apigw.js PORT UPSTREAM_URL EXTRA [TIMING_FILE]
 * Prints nothing; answers 'ready' over IPC once listening.
 *
 * Gateway-internal time: on SIGUSR1 it subscribes to the data plane's
 * diagnostics channels and records, per API, the time from the request
 * reaching the gateway to its hand-over to the backend pool ("before"), and
 * from the backend's answer head to the last byte written to the client
 * ("after"), with performance.now(); on SIGUSR2 it writes them to
 * TIMING_FILE (JSON: API id -> { before: [µs...], after: [µs...] }).
 */
const { subscribe, unsubscribe } = require('node:diagnostics_channel');
const { writeFileSync } = require('node:fs');
const { createDataPlane } = require('../../packages/runtime/dist/dataplane');
const { BENCH_APP } = require('./bench-app');

const [port, upstream, extra, timingFile] = process.argv.slice(2);
const count = Number(extra ?? 0);

const api = (name, path, auth, service) => ({
  group: 'bench',
  name,
  auth: { type: auth, appCode: 'DISABLED', signatureMethod: 'HmacSHA256', antiReplay: false },
  request: {
    protocols: ['HTTP'],
    method: 'GET',
    path,
    matchAllChildPaths: false,
    mode: 'PASSTHROUGH',
    parameters: path.includes('{id}') ? [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] : [],
  },
  backend: { service, path: '/', method: 'ANY', timeoutMs: 10000, constantParameters: [], systemParameters: [] },
});

const services = [{ name: 'origin', type: 'HTTP', environments: { RELEASE: { url: upstream } } }];
for (let i = 0; i < 100; i++) services.push({ name: `svc${i}`, type: 'HTTP', environments: { RELEASE: { url: upstream + `/s${i}` } } });

const published = [
  { stage: 'RELEASE', digest: 'anon', api: api('anon', '/anon', 'ANONYMOUS', 'origin') },
  { stage: 'RELEASE', digest: 'signed', api: api('signed', '/signed', 'APP', 'origin') },
];
const authorizations = [{ app: BENCH_APP.name, api: 'bench/signed', stages: ['RELEASE'] }];
for (let i = 0; i < count; i++) {
  const a = api(`api${i}`, `/svc${i}/items/{id}`, i % 2 ? 'APP' : 'ANONYMOUS', `svc${i % 100}`);
  published.push({ stage: 'RELEASE', digest: `d${i}`, api: a });
}

const dp = createDataPlane({ port: Number(port), host: '127.0.0.1', maxBodyBytes: 8 << 20 });
dp.update({
  revision: 1,
  groups: [{ name: 'bench', basePath: '/', domains: ['127.0.0.1'], certificates: [] }],
  backendServices: services,
  vpcAccesses: [],
  published,
  apps: [BENCH_APP],
  authorizations,
});
dp.listen().then(() => process.send?.('ready'));
process.on('SIGTERM', () => dp.close().then(() => process.exit(0)));

/** Samples per API and phase, in µs; bounded so a long run cannot grow them without end. */
const MAX_SAMPLES = 100000;
const timings = new Map();
const answered = new WeakMap();
function samples(ex) {
  const id = ex.api === null ? '' : ex.api.id;
  let t = timings.get(id);
  if (t === undefined) timings.set(id, (t = { before: [], after: [] }));
  return t;
}
function push(list, us) {
  if (list.length < MAX_SAMPLES) list.push(us);
}
function onForward(ex) {
  push(samples(ex).before, (performance.now() - ex.start) * 1000);
  ex.res.once('finish', () => {
    const at = answered.get(ex);
    if (at !== undefined) push(samples(ex).after, (performance.now() - at) * 1000);
  });
}
function onAnswer(ex) {
  answered.set(ex, performance.now());
}
process.on('SIGUSR1', () => {
  timings.clear();
  subscribe('apigw:dataplane:forward', onForward);
  subscribe('apigw:dataplane:answer', onAnswer);
});
process.on('SIGUSR2', () => {
  unsubscribe('apigw:dataplane:forward', onForward);
  unsubscribe('apigw:dataplane:answer', onAnswer);
  if (timingFile !== undefined) writeFileSync(timingFile, JSON.stringify(Object.fromEntries(timings)));
});
