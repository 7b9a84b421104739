/**
 * createGateway end to end: a change committed through the admin client is
 * live on the data plane as soon as the batch returns — publishing,
 * repointing a backend's stage with no republish, unpublishing by removing
 * a stage's definition — and a restarted gateway serves what was published.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DataDirLockedError } from '../../src/data-dir-lock';
import { createGateway, type Gateway } from '../../src/gateway';
import type { Operation } from '../../src/model';
import { openStore } from '../../src/store';
import { tempDir } from '../store/fixtures';
import { signedHeaders } from '../support/nodes';

function get(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', agent: false, headers: { host: 'api.shop.localhost', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const mock = (body: string) => ({ mock: { statusCode: 200, body, headers: { 'content-type': 'text/plain' } } });
const stub = (environments: object) => ({ name: 'stub', type: 'MOCK', environments });
const hello = (path = '/hello') => ({
  group: 'shop',
  name: 'hello',
  auth: { type: 'ANONYMOUS' },
  request: { method: 'GET', path },
  backend: { service: 'stub', path: '/hello' },
});
const ops = (list: unknown[]) => list as Operation[];

describe('createGateway', () => {
  let dir: { dir: string; cleanup: () => void };
  let gateway: Gateway | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    dir.cleanup();
  });

  test('commits reach the data plane at once: publish, repoint a stage, unpublish by removing a definition', async () => {
    gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    const heard: number[] = [];
    gateway.onCommit((r) => heard.push(r));
    const { client, dataUrl } = gateway;
    expect((await get(dataUrl, '/hello')).status).toBeGreaterThanOrEqual(400);

    await client.batch({
      stack: 'shop',
      operations: ops([
        { op: 'create', kind: 'backendService', spec: stub({ TEST: mock('test v1'), RELEASE: mock('release v1') }) },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
        { op: 'create', kind: 'api', spec: hello() },
        { op: 'publish', api: 'shop/hello', stage: 'TEST' },
        { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
      ]),
    });
    expect(await get(dataUrl, '/hello')).toMatchObject({ status: 200, body: 'release v1' });
    expect(await get(dataUrl, '/hello', { 'x-ca-stage': 'TEST' })).toMatchObject({ status: 200, body: 'test v1' });

    // Editing the API changes nothing live until it is published again.
    await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'api', spec: hello('/greeting') }]) });
    expect((await get(dataUrl, '/hello')).body).toBe('release v1');
    expect((await get(dataUrl, '/greeting')).status).toBeGreaterThanOrEqual(400);

    // A new RELEASE definition repoints every API published to RELEASE, with no republish.
    await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'backendService', spec: stub({ TEST: mock('test v1'), RELEASE: mock('release v2') }) }]) });
    expect((await get(dataUrl, '/hello')).body).toBe('release v2');

    // Removing the RELEASE definition unpublishes the API from RELEASE only.
    const removed = await client.batch({ stack: 'shop', operations: ops([{ op: 'update', kind: 'backendService', spec: stub({ TEST: mock('test v1') }) }]) });
    expect(removed.results[0]!.unpublished).toEqual([{ api: 'shop/hello', stage: 'RELEASE' }]);
    const gone = await get(dataUrl, '/hello');
    expect(gone.status).toBeGreaterThanOrEqual(400);
    expect(gone.headers['x-ca-error-message']).toBeDefined();
    expect((await get(dataUrl, '/hello', { 'x-ca-stage': 'TEST' })).body).toBe('test v1');

    expect(heard).toEqual([1, 2, 3, 4]);
    expect(gateway.revision).toBe(4);
  });

  test('a restarted gateway serves what was published before, and its metrics include the data plane', async () => {
    gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    await gateway.client.batch({
      stack: 'shop',
      operations: ops([
        { op: 'create', kind: 'backendService', spec: stub({ RELEASE: mock('kept') }) },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
        { op: 'create', kind: 'api', spec: hello() },
        { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
      ]),
    });
    const firstUrl = gateway.dataUrl;
    await gateway.close();
    await expect(get(firstUrl, '/hello')).rejects.toThrow();

    gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    expect(gateway.revision).toBe(1);
    expect((await get(gateway.dataUrl, '/hello')).body).toBe('kept');
    const metrics = await gateway.metrics.metrics();
    expect(metrics).toContain('apigw_admin_requests_total');
    expect(metrics).toContain('apigw_requests_total');
    // The data plane took the restored state at start: no commit yet, so no update measured.
    expect(metrics).toContain('apigw_dataplane_update_seconds_count 0');
    await gateway.client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'app', spec: { name: 'mobile' } }]) });
    expect(await gateway.metrics.metrics()).toContain('apigw_dataplane_update_seconds_count 1');
  });

  test('a commit the data plane cannot take is reported, and the previous snapshot keeps serving', () => {
    // Run as `apigw serve` runs it, with no logger: the report must reach stderr.
    const script = `
      const { writeFileSync } = require('node:fs');
      const { get } = require('node:http');
      const { join } = require('node:path');
      const { createGateway, INVENTORY_FILE } = require(${JSON.stringify(resolve(__dirname, '../../dist/gateway'))});
      (async () => {
        const [dir, ops] = process.argv.slice(1);
        const gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 't' });
        await gateway.client.batch({ stack: 'shop', operations: JSON.parse(ops) });
        writeFileSync(join(dir, INVENTORY_FILE), '{ not json');
        await gateway.client.batch({ stack: 'shop', operations: [{ op: 'create', kind: 'app', spec: { name: 'mobile' } }] });
        const { port } = new URL(gateway.dataUrl);
        const body = await new Promise((done, fail) =>
          get({ host: '127.0.0.1', port, path: '/hello', headers: { host: 'api.shop.localhost' } }, (res) => {
            let text = '';
            res.on('data', (d) => (text += d)).on('end', () => done(text));
          }).on('error', fail),
        );
        console.log(JSON.stringify({ revision: gateway.revision, body }));
        await gateway.close();
      })();`;
    const setup = [
      { op: 'create', kind: 'backendService', spec: stub({ RELEASE: mock('served') }) },
      { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
      { op: 'create', kind: 'api', spec: hello() },
      { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
    ];
    const child = spawnSync(process.execPath, ['-e', script, dir.dir, JSON.stringify(setup)], { encoding: 'utf8', timeout: 30_000 });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ revision: 2, body: 'served' });
    expect(child.stderr).toMatch(/ApigwWarning: apigw data plane could not take revision 2: inventory .* is not JSON/);
  });

  test('with dataPlane: false it runs only the store and admin API; readers follow commits', async () => {
    gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't', dataPlane: false });
    expect(gateway.dataUrl).toBe('');
    const reader = openStore(dir.dir, { readOnly: true });
    const seen: number[] = [];
    gateway.onCommit(() => seen.push(reader.readView().revision));
    await gateway.client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'app', spec: { name: 'mobile' } }]) });
    await gateway.client.batch({ stack: 'shop', operations: ops([{ op: 'rotateCredentials', app: 'mobile' }]) });
    expect(seen).toEqual([1, 2]);
    expect(reader.readView().apps[0]!.appSecret).toBe((await gateway.client.getCredentials('mobile')).appSecret);
    reader.close();
  });

  test('a gateway that cannot start fails with the cause and leaves its directory usable', async () => {
    const first = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    const port = Number(new URL(first.adminUrl).port);
    const other = tempDir();
    try {
      await expect(createGateway({ dataDir: other.dir, port: 0, adminPort: port, adminToken: 't' })).rejects.toThrow(/EADDRINUSE/);
      // The failed start left the directory usable.
      const again = await createGateway({ dataDir: other.dir, port: 0, adminPort: 0, adminToken: 't' });
      await again.close();
    } finally {
      await first.close();
      other.cleanup();
    }
  });

  test('one gateway per data directory: a second is refused naming the holder, and can start once the first closed', async () => {
    const first = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    try {
      const refused = createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
      await expect(refused).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(refused).rejects.toMatchObject({ code: 'APIGW_DATA_DIR_LOCKED', holder: { pid: process.pid } });
      await expect(refused).rejects.toThrow(`data directory ${dir.dir} is in use by apigw process ${process.pid}`);
      // The refused start changed nothing: the first still commits and serves.
      await first.client.batch({ stack: null, operations: [{ op: 'create', kind: 'app', spec: { name: 'mobile' } }] as unknown as Operation[] });
      expect(first.revision).toBe(1);
    } finally {
      await first.close();
    }
    gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    expect(gateway.revision).toBe(1);
  });

  test('an unusable inventory file makes /readyz answer 503 naming it, and a good one makes the gateway ready again', async () => {
    const upstream = createServer((_req, res) => res.end('inside'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    try {
      gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
      const { client, adminUrl, dataUrl } = gateway;
      await client.batch({
        stack: 'shop',
        operations: ops([
          { op: 'create', kind: 'vpcAccess', spec: { name: 'webAccess', vpcId: 'vpc-1', instanceId: 'i-web1', port: upstreamPort } },
          { op: 'create', kind: 'backendService', spec: { name: 'insideService', type: 'VPC', environments: { RELEASE: { vpcAccess: 'webAccess' } } } },
          { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
          { op: 'create', kind: 'api', spec: { ...hello(), backend: { service: 'insideService', path: '/' } } },
          { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
        ]),
      });
      expect((await get(dataUrl, '/hello')).status).toBe(503);
      expect((await get(adminUrl, '/readyz')).status).toBe(200);

      writeFileSync(join(dir.dir, 'inventory.json'), '{ "i-web1": ');
      await client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'app', spec: { name: 'mobile' } }]) });
      const notReady = await get(adminUrl, '/readyz');
      expect(notReady.status).toBe(503);
      expect(JSON.parse(notReady.body)).toMatchObject({ status: 'not-ready', reason: expect.stringMatching(/inventory .*inventory\.json is not JSON/) });

      writeFileSync(join(dir.dir, 'inventory.json'), JSON.stringify({ 'i-web1': '127.0.0.1' }));
      await client.batch({ stack: 'shop', operations: ops([{ op: 'create', kind: 'app', spec: { name: 'tablet' } }]) });
      expect((await get(adminUrl, '/readyz')).status).toBe(200);
      expect(await get(dataUrl, '/hello')).toMatchObject({ status: 200, body: 'inside' });
    } finally {
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    }
  });

  test('anti-replay outlives the process: a captured request replayed after a restart is refused', async () => {
    gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    await gateway.client.batch({
      stack: 'shop',
      operations: [
        { op: 'create', kind: 'backendService', spec: { name: 'stub', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body: 'paid' } } } } },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'payment', auth: { type: 'APP', antiReplay: true }, request: { method: 'GET', path: '/pay' }, backend: { service: 'stub', path: '/' } } },
        { op: 'publish', api: 'shop/payment', stage: 'RELEASE' },
        { op: 'create', kind: 'app', spec: { name: 'mobile' } },
        { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/payment', stages: ['RELEASE'] } },
      ] as Operation[],
    });
    const { appKey, appSecret } = await gateway.client.getCredentials('mobile');
    const headers = signedHeaders(appKey, appSecret, '/pay');
    expect(await get(gateway.dataUrl, '/pay', headers)).toMatchObject({ status: 200, body: 'paid' });
    expect((await get(gateway.dataUrl, '/pay', headers)).headers).toMatchObject({ 'x-ca-error-code': 'A400NU' });

    await gateway.close();
    gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: 't' });
    expect((await get(gateway.dataUrl, '/pay', headers)).headers).toMatchObject({ 'x-ca-error-code': 'A400NU' });
  });
});
