/**
 * FUNCTION and OSS backends served by `--workers 2`: each worker process
 * runs its own function instances from `<data-dir>/functions.json` and
 * shares the embedded buckets of the data dir.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachDataPlaneWorkers, type DataPlaneWorkers } from '../../src/cluster';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { send, type Reply } from '../dataplane/fixtures';

// Workers are separate processes: they run the built code.
const WORKER_SCRIPT = join(__dirname, '../../dist/cluster.js');
/** Alibaba's api-gateway-nodejs6 template, as examples/function serves it. */
const TEMPLATE = join(__dirname, '../../../../examples/function/code');

/** Process prefix of a request id: which worker answered. */
const workerOf = (rid: unknown): string => String(rid).slice(0, 24);

describe('FUNCTION and OSS backends with worker processes', () => {
  let dir: string;
  let gateway: Gateway;
  let workers: DataPlaneWorkers;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-fn-workers-'));
    writeFileSync(join(dir, 'functions.json'), JSON.stringify({ 'fc/template': { codeDir: TEMPLATE, handler: 'index.handler', timeoutSeconds: 5, memoryMB: 64 } }));
    gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 'test-token', dataPlane: false });
    await gateway.client.batch({
      stack: null,
      operations: [
        { op: 'create', kind: 'backendService', spec: { name: 'template', type: 'FUNCTION', environments: { RELEASE: { function: { service: 'fc', function: 'template' } } } } },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'hello', auth: { type: 'APP', appCode: 'HEADER' }, request: { method: 'GET', path: '/hello' }, backend: { service: 'template', path: '/' } } },
        { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
        { op: 'create', kind: 'backendService', spec: { name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files' } } } } },
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'objects', auth: { type: 'ANONYMOUS' }, request: { method: 'ANY', path: '/o', matchAllChildPaths: true }, backend: { service: 'files', path: '/' } } },
        { op: 'publish', api: 'shop/objects', stage: 'RELEASE' },
        { op: 'create', kind: 'app', spec: { name: 'mobile' } },
        { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/hello', stages: ['RELEASE'] } },
      ] as unknown as Operation[],
    });
    workers = await attachDataPlaneWorkers(gateway, { dataDir: dir, port: 0, workers: 2, workerScript: WORKER_SCRIPT, maxBodyBytes: 64 * 1024 * 1024 });
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

  test('two workers writing and reading one key: every read is one whole version, with its ETag', async () => {
    const versions = Array.from({ length: 6 }, (_, i) => Buffer.alloc(256 * 1024, 65 + i));
    const etags = new Map(versions.map((v) => [`"${createHash('md5').update(v).digest('hex').toUpperCase()}"`, v.toString('latin1')]));
    const calls: Promise<Reply>[] = [];
    for (let round = 0; round < 3; round++) {
      for (const v of versions) {
        calls.push(send(workers.port, { method: 'PUT', path: '/o/shared/one-key', body: v }));
        calls.push(send(workers.port, { path: '/o/shared/one-key' }));
      }
    }
    const replies = await Promise.all(calls);
    expect(new Set(replies.map((r) => workerOf(r.headers['x-ca-request-id']))).size).toBe(2);
    for (const r of replies) {
      if (r.status === 404) continue;
      expect(r.status).toBe(200);
      if (r.body === '') continue; // a PUT
      const etag = r.headers['etag'] as string;
      expect(etags.has(etag)).toBe(true);
      expect(Buffer.from(r.body, 'utf8').toString('latin1')).toBe(etags.get(etag));
    }
    const last = await send(workers.port, { path: '/o/shared/one-key' });
    expect(etags.get(last.headers['etag'] as string)).toBe(Buffer.from(last.body, 'utf8').toString('latin1'));
    // Appends racing for one position across both workers: exactly one wins.
    const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => send(workers.port, { method: 'POST', path: '/o/shared/log?append&position=0', body: `entry ${i};` })));
    expect(racing.filter((r) => r.status === 200)).toHaveLength(1);
    expect(racing.filter((r) => r.status === 409)).toHaveLength(9);
    expect(racing.filter((r) => r.status === 409).every((r) => r.headers['x-oss-next-append-position'] === String('entry 0;'.length))).toBe(true);
  });

  test('a 50 MB object goes up and comes back streamed: no worker holds it in memory', async () => {
    const before = workers.pids.map(peakRss);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 800; // 50 MiB
    const expected = createHash('md5');
    for (let i = 0; i < chunks; i++) expected.update(chunk);
    const digest = expected.digest('hex');
    const put = await streamPut(workers.port, '/o/big.bin', chunk, chunks);
    expect(put.status).toBe(200);
    expect(put.etag).toBe(`"${digest.toUpperCase()}"`);
    const got = await streamGet(workers.port, '/o/big.bin');
    expect([got.status, got.size, got.md5]).toEqual([200, chunk.length * chunks, digest]);
    const after = workers.pids.map(peakRss);
    // Streaming raises a worker's peak by about 33 MiB whatever the object's size (garbage
    // awaiting collection: 100 MiB objects measure the same); buffering would add the 50 MiB itself.
    after.forEach((peak, i) => expect(peak - before[i]!).toBeLessThan(48 * 1024 * 1024));
  });
});

/** Peak resident set of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** PUTs `count` copies of `chunk`, chunked, honouring backpressure. */
function streamPut(port: number, path: string, chunk: Buffer, count: number): Promise<{ status: number; etag: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path, headers: { host: 'api.shop.localhost', 'content-type': 'application/octet-stream' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, etag: String(res.headers['etag']) }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < count) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** GETs an object, hashing it as it streams. */
function streamGet(port: number, path: string): Promise<{ status: number; size: number; md5: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: 'api.shop.localhost' }, agent: false }, (res) => {
      const hash = createHash('md5');
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        hash.update(c);
      });
      res.on('end', () => resolve({ status: res.statusCode!, size, md5: hash.digest('hex') }));
    });
    req.on('error', reject);
    req.end();
  });
}
