/**
 * Gateway nodes on one PostgreSQL when things fail: a node killed with
 * SIGKILL in the middle of a large apply leaves the batch applied in full
 * or not at all (and the other nodes serve exactly that), and a database
 * stopped and started under load leaves the data planes serving, /readyz
 * saying not-ready while it is away, and every node caught up when it is
 * back. A session the server ends between two statements of a
 * transaction fails that transaction as an outage, and the process lives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { AdminApiError } from '../../src/errors';
import { createGateway, type Gateway } from '../../src/gateway';
import { HttpGatewayClient } from '../../src/client/http-client';
import { RuntimeError } from '../../src/errors';
import { storeFailure } from '../../src/store/postgres/failures';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
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

/**
 * A loopback relay in front of PostgreSQL that can hold back what the
 * server sends. Released, each connection's held bytes (and the server's
 * end) go to the client in one write, so answers and the server's goodbye
 * reach pg in a single read, as they do on a busy machine.
 */
interface Relay {
  url(database: string): string;
  /** Holds back what the server sends from now on. */
  hold(): void;
  /** Bytes held back so far. */
  held(): number;
  /** Whether the server has closed a connection whose bytes are held. */
  serverClosed(): boolean;
  /** Sends what was held, each connection in one write, ending those the server ended; relays as it comes again. */
  release(): void;
  close(): Promise<void>;
}

async function relay(port: number): Promise<Relay> {
  let holding = false;
  const links = new Set<{ client: Socket; pending: Buffer[]; ended: boolean }>();
  const server: Server = createServer((client) => {
    const link = { client, pending: [] as Buffer[], ended: false };
    links.add(link);
    const upstream = connect(port, '127.0.0.1');
    client.on('data', (d: Buffer) => upstream.write(d));
    client.on('error', () => upstream.destroy());
    client.on('close', () => {
      upstream.destroy();
      links.delete(link);
    });
    upstream.on('error', () => client.destroy());
    upstream.on('data', (d: Buffer) => (holding ? link.pending.push(d) : client.write(d)));
    upstream.on('end', () => {
      link.ended = true;
      if (!holding) client.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const own = (server.address() as { port: number }).port;
  return {
    url: (database) => `postgres://apigw:apigw@127.0.0.1:${own}/${database}`,
    hold: () => (holding = true),
    held: () => [...links].reduce((n, l) => n + l.pending.reduce((m, d) => m + d.length, 0), 0),
    serverClosed: () => [...links].some((l) => l.ended && l.pending.length > 0),
    release: () => {
      holding = false;
      for (const link of links) {
        const out = Buffer.concat(link.pending);
        link.pending = [];
        if (link.ended) link.client.end(out);
        else if (out.length > 0) link.client.write(out);
      }
    },
    close: async () => {
      for (const link of links) link.client.destroy();
      await new Promise((done) => server.close(done));
    },
  };
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

  test('the server ends a session between two statements of a read: the read fails as an outage, the process lives, and the next read is served', async () => {
    const store = await server.createDatabase(`failures_${process.pid}_${++databases}`);
    const front = await relay(server.port);
    cleanups.push(() => front.close());
    const node = await openPostgresStore(front.url(store.slice(store.lastIndexOf('/') + 1)), { poolSize: 1, pollMs: 3_600_000 });
    cleanups.push(() => node.close());
    const watcher = new pg.Client({ connectionString: store });
    await watcher.connect();
    cleanups.push(() => watcher.end());
    const revision = await node.readRevision();

    // The read's BEGIN is answered but held back; the server then ends the session (57P01) and closes it.
    front.hold();
    const read = node.readRevision().then(
      () => undefined,
      (error: unknown) => error,
    );
    await eventually(async () => front.held() > 0, 'the BEGIN is answered');
    await watcher.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'apigw' AND datname = current_database()");
    await eventually(async () => front.serverClosed(), 'the server closed the session');
    // pg reads the answer to BEGIN and the 57P01 together: the session ends while no statement is under way.
    front.release();

    const failure = await read;
    expect(failure).toBeInstanceOf(RuntimeError);
    expect((failure as RuntimeError).code).toBe('APIGW_STORE_UNAVAILABLE');
    expect(node.health()).toMatchObject({ ready: false });
    expect(await node.readRevision()).toBe(revision);
    expect(node.health()).toEqual({ ready: true });
  }, 120_000);

  test('what a failure means: a socket error (EPIPE too, five capitals like a SQLSTATE) and 57P01 are outages, a statement the server refuses is internal', async () => {
    const store = await server.createDatabase(`failures_${process.pid}_${++databases}`);
    const codeOf = (error: unknown) => (storeFailure(error, 'a statement') as RuntimeError).code;
    const client = new pg.Client({ connectionString: store });
    await client.connect();
    cleanups.push(() => client.end().catch(() => undefined));
    const refused = await client.query('SELEC 1').catch((e: unknown) => e);
    expect((refused as { code: string }).code).toBe('42601');
    expect(codeOf(refused)).toBe('APIGW_INTERNAL');
    client.on('error', () => undefined);
    const ended = await client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch((e: unknown) => e);
    expect((ended as { code: string }).code).toBe('57P01');
    expect(codeOf(ended)).toBe('APIGW_STORE_UNAVAILABLE');
    // What Node reports for a write to a connection the server has closed.
    const pipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
    expect(codeOf(pipe)).toBe('APIGW_STORE_UNAVAILABLE');
    expect(codeOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' }))).toBe('APIGW_STORE_UNAVAILABLE');
    expect(codeOf(new Error('Connection terminated unexpectedly'))).toBe('APIGW_STORE_UNAVAILABLE');
  });

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
