import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachDataPlaneWorkers, type DataPlaneWorkers } from '../../src/cluster';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { send, startEcho } from '../dataplane/fixtures';

// Workers are separate processes: they run the built code.
const WORKER_SCRIPT = join(__dirname, '../../dist/cluster.js');

function apiOps(name: string, path: string): Operation[] {
  return [
    { op: 'create', kind: 'api', spec: { group: 'shop', name, auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path }, backend: { service: 'users', path: '/' + name } } },
    { op: 'publish', api: `shop/${name}`, stage: 'RELEASE' },
  ] as unknown as Operation[];
}

/** Process prefix of a request id: which worker answered. */
const workerOf = (rid: unknown): string => String(rid).slice(0, 24);

describe('data-plane workers', () => {
  let dir: string;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let gateway: Gateway;
  let workers: DataPlaneWorkers;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-cluster-'));
    echo = await startEcho();
    gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 'test-token' });
    await gateway.client.batch({
      stack: null,
      operations: [
        { op: 'create', kind: 'backendService', spec: { name: 'users', type: 'HTTP', environments: { RELEASE: { url: echo.url } } } },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
        ...apiOps('first', '/first'),
      ] as unknown as Operation[],
    });
    workers = await attachDataPlaneWorkers(gateway, { dataDir: dir, port: 0, workers: 2, workerScript: WORKER_SCRIPT });
  });

  afterAll(async () => {
    await workers?.close();
    await gateway?.close();
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('both workers serve the state, and a commit reaches both', async () => {
    expect(workers.size).toBe(2);
    const before = await Promise.all(Array.from({ length: 10 }, () => send(workers.port, { path: '/first' })));
    expect(before.map((r) => [r.status, r.headers['x-ca-error-message']])).toEqual(Array(10).fill([200, undefined]));
    expect(new Set(before.map((r) => workerOf(r.headers['x-ca-request-id']))).size).toBe(2);

    const result = await gateway.client.batch({ stack: null, operations: apiOps('second', '/second') });
    await workers.whenServed(result.revision);
    const after = await Promise.all(Array.from({ length: 10 }, () => send(workers.port, { path: '/second' })));
    expect(after.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(after.map((r) => workerOf(r.headers['x-ca-request-id']))).size).toBe(2);
  });

  test('the primary collects request metrics summed over the workers', async () => {
    const text = await workers.metrics();
    const m = /apigw_requests_total\{api="shop\/first",stage="RELEASE",status="200"\} (\d+)/.exec(text);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(10);
  });

  test('a killed worker is replaced while the other keeps serving', async () => {
    const [victim] = workers.pids;
    const replaced = new Promise<number>((resolve) => workers.once('replaced', (_old: number, pid: number) => resolve(pid)));
    const exited = new Promise<void>((resolve) => workers.once('exit', () => resolve()));
    process.kill(victim!, 'SIGKILL');
    // Connections the victim had already accepted die with it; once the primary
    // knows it is gone, every new connection goes to the surviving worker.
    await exited;
    const during = [];
    for (let i = 0; i < 20; i++) during.push(await send(workers.port, { path: '/first' }));
    expect(during.every((r) => r.status === 200)).toBe(true);
    const newPid = await replaced;
    expect(workers.pids).toContain(newPid);
    expect(workers.pids).not.toContain(victim);
    await workers.whenServed(gateway.revision);
    const result = await gateway.client.batch({ stack: null, operations: apiOps('third', '/third') });
    await workers.whenServed(result.revision);
    const replies = await Promise.all(Array.from({ length: 10 }, () => send(workers.port, { path: '/third' })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(new Set(replies.map((r) => workerOf(r.headers['x-ca-request-id']))).size).toBe(2);
  });
});
