/**
 * Traffic-control counts are shared by the data-plane worker processes: a
 * limit holds exactly however the connections are spread over them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachDataPlaneWorkers, type DataPlaneWorkers } from '../../src/cluster';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { send, startEcho } from '../dataplane/fixtures';

// Workers are separate processes: they run the built code.
const WORKER_SCRIPT = join(__dirname, '../../dist/cluster.js');
/** Process prefix of a request id: which worker answered. */
const workerOf = (rid: unknown): string => String(rid).slice(0, 24);
const LIMIT = 7;

describe('traffic control across data-plane workers', () => {
  let dir: string;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let gateway: Gateway;
  let workers: DataPlaneWorkers;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-cluster-plugins-'));
    echo = await startEcho();
    gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 'test-token' });
    await gateway.client.batch({
      stack: null,
      operations: [
        { op: 'create', kind: 'backendService', spec: { name: 'users', type: 'HTTP', environments: { RELEASE: { url: echo.url } } } },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'limited', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/limited' }, backend: { service: 'users', path: '/' } } },
        { op: 'publish', api: 'shop/limited', stage: 'RELEASE' },
        { op: 'create', kind: 'plugin', spec: { name: 'daily_limit', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'DAY', apiDefault: LIMIT } } },
        { op: 'create', kind: 'pluginAttachment', spec: { plugin: 'daily_limit', api: 'shop/limited', stages: ['RELEASE'] } },
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

  test('GIVEN a limit of 7 per day WHEN 12 calls arrive over both workers THEN exactly 7 pass', async () => {
    const day = (t: number) => Math.floor(t / 86_400_000);
    const startedOn = day(Date.now());
    // Each call on a new connection: round-robin spreads them over both workers.
    const replies = [];
    for (let i = 0; i < 12; i++) replies.push(await send(workers.port, { path: '/limited' }));
    // A run that straddles midnight UTC counts in two windows; the assertion needs one.
    if (day(Date.now()) !== startedOn) return;
    expect(new Set(replies.map((r) => workerOf(r.headers['x-ca-request-id']))).size).toBe(2);
    expect(replies.map((r) => r.status)).toEqual([...Array(LIMIT).fill(200), ...Array(12 - LIMIT).fill(429)]);
    const refused = replies[LIMIT]!;
    expect(refused.headers['x-ca-error-code']).toBe('P429AF');
    expect(refused.headers['x-ca-error-message']).toBe('Throttled by API Flow Control');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });
});
