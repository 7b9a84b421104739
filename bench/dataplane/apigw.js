'use strict';
/**
 * The apigw data plane in one process (one worker), serving an ANONYMOUS API
 * (/anon) and a signed APP API (/signed), plus EXTRA more published APIs
 * (`/svc{i}/items/{id}`) in the routing snapshot.
 * Usage: node apigw.js PORT UPSTREAM_URL EXTRA
 * Prints nothing; answers 'ready' over IPC once listening.
 */
const { createDataPlane } = require('../../packages/runtime/dist/dataplane');
const { BENCH_APP } = require('./bench-app');

const [port, upstream, extra] = process.argv.slice(2);
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
