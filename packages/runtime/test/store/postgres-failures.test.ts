/**
 * Gateway nodes on one PostgreSQL when things fail: a node killed with
 * SIGKILL in the middle of a large apply leaves the batch applied in full
 * or not at all (and the other nodes serve exactly that), and a database
 * stopped and started under load leaves the data planes serving, /readyz
 * saying not-ready while it is away, and every node caught up when it is
 * back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { AdminApiError } from '../../src/errors';
import { createGateway, type Gateway } from '../../src/gateway';
import { HttpGatewayClient } from '../../src/client/http-client';
import type { Operation } from '../../src/model';
import { eventually, get, getWith, helloOperations, repoint, signedHeaders } from '../support/nodes';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { tempDir } from './fixtures';

const SERVE_MAIN = resolve(__dirname, '../../dist/serve-main.js');

function readyz(adminUrl: string): Promise<{ status: number; body: string }> {
  return get(adminUrl, '/readyz', new URL(adminUrl).host);
}

/** A batch of `n` APIs (each published), big enough that its transaction is open for a while. */
function manyApis(n: number, tag: string): Operation[] {
  const list: unknown[] = [];
  for (let i = 0; i < n; i++) {
    list.push({ op: 'create', kind: 'api', spec: { group: 'shop', name: `api_${tag}_${i}`, auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: `/${tag}/${i}` }, backend: { service: 'stub', path: '/x' } } });
    list.push({ op: 'publish', api: `shop/api_${tag}_${i}`, stage: 'RELEASE' });
  }
  return list as Operation[];
}

describe('gateway nodes on one PostgreSQL, under failure', () => {
  let server: TestPostgres;
  let databases = 0;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  afterAll(() => server.destroy());

  async function node(store: string, accessLog?: NodeJS.WritableStream): Promise<Gateway> {
    const dir = tempDir();
    const gateway = await createGateway({ dataDir: dir.dir, store, port: 0, adminPort: 0, adminToken: 'failure-token', ...(accessLog ? { dataPlane: { accessLog } } : {}) });
    cleanups.push(dir.cleanup, () => gateway.close());
    return gateway;
  }

  test('kill -9 of a node in the middle of a large apply: the batch is in the database in full or not at all, and other nodes serve exactly that', async () => {
    const store = await server.createDatabase(`failures_${process.pid}_${++databases}`);
    const b = await node(store);
    await b.client.batch({ stack: 'shop', operations: helloOperations('base') });
    const watcher = new pg.Client({ connectionString: store });
    await watcher.connect();
    cleanups.push(() => watcher.end());

    for (let round = 0; round < 3; round++) {
      const dir = tempDir();
      cleanups.push(dir.cleanup);
      const child: ChildProcess = spawn(process.execPath, [SERVE_MAIN, '--data-dir', dir.dir, '--store', store, '--port', '0', '--admin-port', '0', '--workers', '1'], {
        env: { ...process.env, APIGW_ADMIN_TOKEN: 'failure-token' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await eventually(async () => /admin API listening on (\S+)/.test(out), 'node A starts', 60_000);
      const adminUrl = /admin API listening on (\S+)/.exec(out)![1]!;
      const before = (await b.client.getState()).revision;
      const client = new HttpGatewayClient({ endpoint: adminUrl, token: 'failure-token' });
      const sent = client.batch({ stack: 'shop', operations: manyApis(1500, `r${round}`) }).catch((error: unknown) => error);
      // Wait until node A's batch transaction is open in the database, then kill A.
      await eventually(
        async () =>
          Number((await watcher.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'apigw' AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO%'")).rows[0].n) > 0,
        'the apply is under way',
      );
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
      expect(await sent).toBeInstanceOf(AdminApiError);
      await client.close();

      // The server notices the dropped connection and rolls back; what remains is all or nothing.
      await eventually(async () => Number((await watcher.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'apigw' AND xact_start IS NOT NULL AND state = 'idle in transaction'")).rows[0].n) === 0, 'the killed session is gone');
      const revision = Number((await watcher.query('SELECT value FROM apigw.revision')).rows[0].value);
      const apis = Number((await watcher.query(`SELECT count(*) AS n FROM apigw.resources WHERE kind = 'api' AND id LIKE 'shop/api_r${round}_%'`)).rows[0].n);
      const published = Number((await watcher.query(`SELECT count(*) AS n FROM apigw.published WHERE api LIKE 'shop/api_r${round}_%'`)).rows[0].n);
      expect([revision, apis, published]).toEqual(revision === before ? [before, 0, 0] : [before + 1, 1500, 1500]);
      // Node B serves exactly what the database holds.
      await eventually(async () => (await b.store.readView()).revision === revision, 'node B follows the database');
      const state = await b.client.getState();
      expect(state.revision).toBe(revision);
      expect(state.apis.filter((a) => a.id.startsWith(`shop/api_r${round}_`))).toHaveLength(apis);
      const probe = await get(b.dataUrl, `/r${round}/7`);
      expect(probe.status).toBe(apis > 0 ? 200 : 404);
    }
  }, 300_000);

  test('the database stopped and started under load: nodes keep serving, /readyz says so, and they catch up on return', async () => {
    const store = await server.createDatabase(`failures_${process.pid}_${++databases}`);
    const a = await node(store);
    const b = await node(store);
    await a.client.batch({ stack: 'shop', operations: helloOperations('before') });
    await eventually(async () => (await get(b.dataUrl, '/hello')).body === 'before', 'B serves the first state');

    // Load: both data planes asked continuously; every answer must be a 200 of the state they hold.
    let running = true;
    const failures: string[] = [];
    let served = 0;
    const load = [a, b].map(async (n) => {
      while (running) {
        const r = await get(n.dataUrl, '/hello').catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status !== 200) failures.push(`${r.status} ${r.body}`);
        served++;
      }
    });

    await server.stop();
    for (const n of [a, b]) {
      await eventually(async () => (await readyz(n.adminUrl)).status === 503, 'readyz reports the outage');
      expect(JSON.parse((await readyz(n.adminUrl)).body)).toMatchObject({ status: 'not-ready' });
      expect((await readyz(n.adminUrl)).body).not.toContain(':apigw@');
    }
    const refused = await a.client.batch({ stack: 'shop', operations: repoint('during') }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AdminApiError);
    expect([(refused as AdminApiError).status, (refused as AdminApiError).code]).toEqual([503, 'APIGW_STORE_UNAVAILABLE']);
    const duringOutage = served;
    await eventually(async () => served > duringOutage + 20, 'the data planes answer while the database is away');

    await server.start();
    for (const n of [a, b]) await eventually(async () => (await readyz(n.adminUrl)).status === 200, 'readyz is ready again');
    await a.client.batch({ stack: 'shop', operations: repoint('after') });
    await eventually(async () => (await get(b.dataUrl, '/hello')).body === 'after', 'B follows commits again (the listener reconnected)');
    running = false;
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(0);
  }, 300_000);

  test('the database stopped: an anti-replay and a throttled API answer 503 X503SU with the error contract on both nodes, and are served again when it is back', async () => {
    const store = await server.createDatabase(`failures_${process.pid}_${++databases}`);
    const lines: Record<string, unknown>[] = [];
    const logOf = (): PassThrough => {
      const stream = new PassThrough();
      let rest = '';
      stream.on('data', (d: Buffer) => {
        const parts = (rest + d.toString()).split('\n');
        rest = parts.pop()!;
        for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as Record<string, unknown>);
      });
      return stream;
    };
    const a = await node(store, logOf());
    const b = await node(store, logOf());
    await a.client.batch({
      stack: 'shop',
      operations: [
        ...helloOperations('counted'),
        ...([
          { op: 'create', kind: 'api', spec: { group: 'shop', name: 'payment', auth: { type: 'APP', antiReplay: true }, request: { method: 'GET', path: '/pay' }, backend: { service: 'stub', path: '/' } } },
          { op: 'publish', api: 'shop/payment', stage: 'RELEASE' },
          { op: 'create', kind: 'app', spec: { name: 'mobile' } },
          { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/payment', stages: ['RELEASE'] } },
          { op: 'create', kind: 'plugin', spec: { name: 'generous', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'DAY', apiDefault: 100_000 } } },
          { op: 'create', kind: 'pluginAttachment', spec: { plugin: 'generous', api: 'shop/hello', stages: ['RELEASE'] } },
        ] as Operation[]),
      ],
    });
    const { appKey, appSecret } = await a.client.getCredentials('mobile');
    const pay = (n: Gateway) => getWith(n.dataUrl, '/pay', signedHeaders(appKey, appSecret, '/pay'));
    const hello = (n: Gateway) => getWith(n.dataUrl, '/hello', { host: 'api.shop.localhost' });
    for (const n of [a, b]) {
      await eventually(async () => (await pay(n)).status === 200, 'the node serves the anti-replay API');
      await eventually(async () => (await hello(n)).status === 200, 'the node serves the throttled API');
    }

    await server.stop();
    for (const n of [a, b]) {
      for (const answer of [await pay(n), await hello(n)]) {
        expect(answer.status).toBe(503);
        expect(answer.headers['x-ca-error-code']).toBe('X503SU');
        expect(answer.headers['x-ca-error-message']).toBe('Service Unavailable');
        const requestId = answer.headers['x-ca-request-id'] as string;
        expect(requestId).toMatch(/\S/);
        expect(JSON.parse(answer.body)).toEqual({ requestId, errorCode: 'X503SU', errorMessage: 'Service Unavailable' });
        // The cause is for the operator: in the access log line of that request, not in the answer.
        await eventually(async () => lines.some((l) => l['requestId'] === requestId), 'the access log has the request');
        const line = lines.find((l) => l['requestId'] === requestId)!;
        expect(line).toMatchObject({ status: 503, errorCode: 'X503SU' });
        expect(String(line['errorDetail'])).toContain('the shared state');
      }
    }

    await server.start();
    for (const n of [a, b]) {
      await eventually(async () => (await pay(n)).status === 200, 'the anti-replay API is served again');
      await eventually(async () => (await hello(n)).status === 200, 'the throttled API is served again');
    }
    // And the shared ledger works again across nodes: a request used on A is refused on B.
    const captured = signedHeaders(appKey, appSecret, '/pay');
    expect((await getWith(a.dataUrl, '/pay', captured)).status).toBe(200);
    expect((await getWith(b.dataUrl, '/pay', captured)).headers['x-ca-error-code']).toBe('A400NU');
  }, 300_000);
});
