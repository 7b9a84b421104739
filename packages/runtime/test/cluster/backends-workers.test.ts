/**
 * FUNCTION and OSS backends served by `--workers 2`: each worker process
 * runs its own function instances from `<data-dir>/functions.json` and
 * shares the embedded buckets of the data dir.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachDataPlaneWorkers, type DataPlaneWorkers } from '../../src/cluster';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { send } from '../dataplane/fixtures';

// Workers are separate processes: they run the built code.
const WORKER_SCRIPT = join(__dirname, '../../dist/cluster.js');
const FIXTURES = join(__dirname, '../fixtures/functions');

/** Process prefix of a request id: which worker answered. */
const workerOf = (rid: unknown): string => String(rid).slice(0, 24);

describe('FUNCTION backends with worker processes', () => {
  let dir: string;
  let gateway: Gateway;
  let workers: DataPlaneWorkers;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-fn-workers-'));
    writeFileSync(join(dir, 'functions.json'), JSON.stringify({ 'fc/template': { codeDir: join(FIXTURES, 'template'), handler: 'index.handler', timeoutSeconds: 5, memoryMB: 64 } }));
    gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 'test-token', dataPlane: false });
    await gateway.client.batch({
      stack: null,
      operations: [
        { op: 'create', kind: 'backendService', spec: { name: 'template', type: 'FUNCTION', environments: { RELEASE: { function: { service: 'fc', function: 'template' } } } } },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'hello', auth: { type: 'APP', appCode: 'HEADER' }, request: { method: 'GET', path: '/hello' }, backend: { service: 'template', path: '/' } } },
        { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
        { op: 'create', kind: 'app', spec: { name: 'mobile' } },
        { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/hello', stages: ['RELEASE'] } },
      ] as unknown as Operation[],
    });
    workers = await attachDataPlaneWorkers(gateway, { dataDir: dir, port: 0, workers: 2, workerScript: WORKER_SCRIPT });
  });

  afterAll(async () => {
    await workers?.close();
    await gateway?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('both workers run the template function with an AppCode call', async () => {
    const { appCode } = await gateway.client.getCredentials('mobile');
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => send(workers.port, { path: `/hello?response=${i % 2 === 0 ? 'html' : 'json'}`, headers: { authorization: `APPCODE ${appCode}` } })),
    );
    replies.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body).toBe(i % 2 === 0 ? '<html><h1>hello FunctionCompute</h1></html>' : '{"hello":"FunctionCompute"}');
    });
    expect(new Set(replies.map((r) => workerOf(r.headers['x-ca-request-id']))).size).toBe(2);
  });
});
