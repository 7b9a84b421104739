'use strict';
/**
 * One apigw data plane (one process) with an API per backend kind, all
 * answering GET: /mock (MOCK), /http (HTTP to UPSTREAM_URL), /fn (an event
 * function, bench/backends/function, in warm worker threads) and /oss/{key}
 * (GetObject from an embedded bucket under OSS_ROOT).
 * Usage: node server.js PORT UPSTREAM_URL OSS_ROOT
 */
const { join } = require('node:path');
const { createDataPlane } = require('../../packages/runtime/dist/dataplane');

const [port, upstream, ossRoot] = process.argv.slice(2);
const BODY = '{"ok":true,"service":"bench","items":[1,2,3]}';

const api = (name, path, service, backendPath, method = 'GET') => ({
  group: 'bench',
  name,
  auth: { type: 'ANONYMOUS', appCode: 'DISABLED', signatureMethod: 'HmacSHA256', antiReplay: false },
  request: { protocols: ['HTTP'], method, path, matchAllChildPaths: path === '/oss', mode: 'PASSTHROUGH', parameters: [] },
  backend: { service, path: backendPath, method: 'ANY', timeoutMs: 10000, constantParameters: [], systemParameters: [] },
});

const dp = createDataPlane({
  port: Number(port),
  host: '127.0.0.1',
  maxBodyBytes: 8 << 20,
  ossRoot,
  functions: { 'bench/json': { codeDir: join(__dirname, 'function'), handler: 'index.handler', instances: 2, memoryMB: 128 } },
});
dp.update({
  revision: 1,
  groups: [{ name: 'bench', basePath: '/', domains: ['127.0.0.1'], certificates: [] }],
  backendServices: [
    { name: 'mock', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body: BODY, headers: { 'content-type': 'application/json' } } } } },
    { name: 'origin', type: 'HTTP', environments: { RELEASE: { url: upstream } } },
    { name: 'fn', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'EVENT', service: 'bench', function: 'json', qualifier: 'LATEST' } } } },
    { name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'bench-files' } } } },
  ],
  vpcAccesses: [],
  published: [
    { stage: 'RELEASE', digest: 'mock', api: api('mock', '/mock', 'mock', '/') },
    { stage: 'RELEASE', digest: 'http', api: api('http', '/http', 'origin', '/json') },
    { stage: 'RELEASE', digest: 'fn', api: api('func', '/fn', 'fn', '/') },
    { stage: 'RELEASE', digest: 'oss', api: api('objects', '/oss', 'files', '/', 'ANY') },
  ],
  apps: [],
  authorizations: [],
  plugins: [],
  pluginAttachments: [],
});
dp.listen();
process.on('SIGTERM', () => dp.close().then(() => process.exit(0)));
