import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachDataPlaneWorkers, type DataPlaneWorkers } from '../../src/cluster';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { sign } from '../../src/dataplane/signature';
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

  test('a nonce is accepted once across the workers: a replay to the other worker is refused', async () => {
    const result = await gateway.client.batch({
      stack: null,
      operations: [
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'secure', auth: { type: 'APP', antiReplay: true }, request: { method: 'GET', path: '/secure' }, backend: { service: 'users', path: '/secure' } } },
        { op: 'publish', api: 'shop/secure', stage: 'RELEASE' },
        { op: 'create', kind: 'app', spec: { name: 'mobile' } },
        { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/secure', stages: ['RELEASE'] } },
      ] as unknown as Operation[],
    });
    await workers.whenServed(result.revision);
    const { appKey, appSecret } = await gateway.client.getCredentials('mobile');
    const headers: Record<string, string> = {
      host: 'api.shop.localhost',
      'x-ca-key': appKey,
      'x-ca-nonce': 'c0ffee00-0000-4000-8000-000000000001',
      'x-ca-timestamp': String(Date.now()),
      'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
    };
    headers['x-ca-signature'] = sign('HmacSHA256', appSecret, { method: 'GET', headers, path: '/secure', query: null, form: null });

    // The same signed request, six times, each on a new connection: round-robin spreads them over both workers.
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await send(workers.port, { path: '/secure', headers }));
    expect(new Set(replies.map((r) => workerOf(r.headers['x-ca-request-id']))).size).toBe(2);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 400 && r.headers['x-ca-error-message'] === 'Nonce Used')).toHaveLength(5);
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
