'use strict';
/**
 * The apigw data plane in one process (one worker), serving an ANONYMOUS API
 * (/anon) and a signed APP API (/signed), the same signed API with a
 * TRAFFIC_CONTROL plugin attached (/signed-tc) and with all four plugin
 * types attached (/signed-all), plus EXTRA more published APIs
 * (`/svc{i}/items/{id}`) in the routing snapshot.
 * Usage: node apigw.js PORT UPSTREAM_URL EXTRA [TIMING_FILE]
 * (APIGW_BENCH_REUSEPORT=1: bind with SO_REUSEPORT, for several worker processes.
 * APIGW_BENCH_ACCESS_LOG=sync:FILE or async:FILE: write the access log to FILE
 * as `apigw serve --access-log FILE` does (sync) or as it logs to standard
 * output (async, a non-blocking pino destination); unset: no access log.)
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
const { BENCH_APP, BENCH_JWT_SECRET } = require('./bench-app');

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
  { stage: 'RELEASE', digest: 'signedTc', api: api('signedTc', '/signed-tc', 'APP', 'origin') },
  { stage: 'RELEASE', digest: 'signedAll', api: api('signedAll', '/signed-all', 'APP', 'origin') },
];
const authorizations = ['signed', 'signedTc', 'signedAll'].map((name) => ({ app: BENCH_APP.name, api: `bench/${name}`, stages: ['RELEASE'] }));
// Limits far above what one core serves: every call is counted, none refused.
const plugins = [
  { name: 'limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'SECOND', apiDefault: 1000000000, appDefault: 1000000000 } },
  { name: 'loopback', type: 'IP_CONTROL', ipControl: { mode: 'ALLOW', cidrs: ['127.0.0.0/8'], apps: [] } },
  {
    name: 'web_cors',
    type: 'CORS',
    cors: { allowOrigins: ['https://shop.example'], allowMethods: ['GET'], allowHeaders: ['X-Ca-Key'], exposeHeaders: ['X-Ca-Request-Id'], maxAge: 600, allowCredentials: false },
  },
  {
    name: 'sso_jwt',
    type: 'JWT',
    jwt: { secret: BENCH_JWT_SECRET, algorithms: ['HS256'], from: { in: 'HEAD', name: 'X-Jwt', prefix: '' }, clockSkewSeconds: 60, requireExp: true, claimsToHeaders: [{ claim: 'sub', header: 'x-user-id' }] },
  },
];
const pluginAttachments = [
  { plugin: 'limits', api: 'bench/signedTc', stages: ['RELEASE'] },
  ...plugins.map((p) => ({ plugin: p.name, api: 'bench/signedAll', stages: ['RELEASE'] })),
];
for (let i = 0; i < count; i++) {
  const a = api(`api${i}`, `/svc${i}/items/{id}`, i % 2 ? 'APP' : 'ANONYMOUS', `svc${i % 100}`);
  published.push({ stage: 'RELEASE', digest: `d${i}`, api: a });
}

// APIGW_BENCH_REUSEPORT=1 (workers.js): each worker binds the port itself with SO_REUSEPORT, as `apigw serve --workers N` does on Linux.
const reusePort = process.env.APIGW_BENCH_REUSEPORT === '1';
const accessLog = (() => {
  const m = /^(sync|async):(.+)$/.exec(process.env.APIGW_BENCH_ACCESS_LOG ?? '');
  if (m === null) return {};
  const pino = require(require.resolve('pino', { paths: [require.resolve('../../packages/runtime/package.json')] }));
  return { accessLog: pino.destination({ dest: m[2], sync: m[1] === 'sync', append: true }) };
})();
const dp = createDataPlane({ port: Number(port), host: '127.0.0.1', maxBodyBytes: 8 << 20, ...accessLog, ...(reusePort ? { reusePort: true, exclusivePorts: true } : {}) });
dp.update({
  revision: 1,
  groups: [{ name: 'bench', basePath: '/', domains: ['127.0.0.1'], certificates: [] }],
  backendServices: services,
  vpcAccesses: [],
  published,
  apps: [BENCH_APP],
  authorizations,
  plugins,
  pluginAttachments,
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
