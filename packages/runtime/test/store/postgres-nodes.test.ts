/**
 * Several gateway nodes on one PostgreSQL: a commit through one node is
 * served by the others, concurrent writes through two nodes serialize
 * (exactly one of two racing batches wins, revisions stay gap-free),
 * nodes that start together migrate once, and a node follows commits it
 * was not notified of.
 */
import pg from 'pg';
import { createGateway, type Gateway } from '../../src/gateway';
import { AdminApiError } from '../../src/errors';
import type { Operation } from '../../src/model';
import { eventually, get, getWith, helloOperations, repoint, signedHeaders } from '../support/nodes';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { tempDir } from './fixtures';

const ops = (list: unknown[]) => list as Operation[];

describe('gateway nodes on one PostgreSQL', () => {
  let server: TestPostgres;
  const cleanups: (() => unknown)[] = [];
  let databases = 0;

  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  afterAll(() => server.destroy());

  async function nodes(count: number, url?: string): Promise<Gateway[]> {
    const store = url ?? (await server.createDatabase(`nodes_${process.pid}_${++databases}`));
    // Started together: migrations run once, under the advisory lock.
    return Promise.all(
      Array.from({ length: count }, async () => {
        const dir = tempDir();
        const gateway = await createGateway({ dataDir: dir.dir, store, port: 0, adminPort: 0, adminToken: 'nodes-token' });
        cleanups.push(dir.cleanup, () => gateway.close());
        return gateway;
      }),
    );
  }

  test('nodes started together share one store; a commit through A is served by B and C', async () => {
    const [a, b, c] = await nodes(3);
    expect(new Set([a!.store.id, b!.store.id, c!.store.id]).size).toBe(1);
    const first = await a!.client.batch({ stack: 'shop', operations: helloOperations('one') });
    expect(first.revision).toBe(1);
    // The node that took the write serves it when the batch returns.
    expect(await get(a!.dataUrl, '/hello')).toEqual({ status: 200, body: 'one' });
    for (const node of [b!, c!]) await eventually(async () => (await get(node.dataUrl, '/hello')).body === 'one', 'B and C serve revision 1');

    const second = await b!.client.batch({ stack: 'shop', operations: repoint('two') });
    expect(second.revision).toBe(2);
    for (const node of [a!, c!]) await eventually(async () => (await get(node.dataUrl, '/hello')).body === 'two', 'A and C serve revision 2');
    // Every node reads the same state from the database.
    const states = await Promise.all([a!, b!, c!].map((n) => n.client.getState()));
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  });

  test('concurrent applies through A and B: exactly one wins each round, 100 rounds, revisions gap-free, no lost update', async () => {
    const [a, b] = await nodes(2);
    let revision = (await a!.client.batch({ stack: 'shop', operations: helloOperations('start') })).revision;
    const wins = { a: 0, b: 0 };
    for (let round = 0; round < 100; round++) {
      const settled = await Promise.allSettled([
        a!.client.batch({ stack: 'shop', expectedRevision: revision, operations: repoint(`a${round}`) }),
        b!.client.batch({ stack: 'shop', expectedRevision: revision, operations: repoint(`b${round}`) }),
      ]);
      const won = settled.filter((s) => s.status === 'fulfilled');
      const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(AdminApiError);
      expect([(lost[0]!.reason as AdminApiError).status, (lost[0]!.reason as AdminApiError).code]).toEqual([409, 'APIGW_REVISION_CONFLICT']);
      expect((won[0] as PromiseFulfilledResult<{ revision: number }>).value.revision).toBe(revision + 1);
      revision += 1;
      if (settled[0]!.status === 'fulfilled') wins.a++;
      else wins.b++;
      const winner = settled[0]!.status === 'fulfilled' ? `a${round}` : `b${round}`;
      // The winner's write is what both nodes read: nothing lost.
      const spec = (await b!.client.getResource('backendService', 'stub'))!.spec as { environments: { RELEASE: { mock: { body: string } } } };
      expect(spec.environments.RELEASE.mock.body).toBe(winner);
    }
    expect(wins.a + wins.b).toBe(100);
    expect((await a!.client.getState()).revision).toBe(revision);
    await eventually(async () => (await get(b!.dataUrl, '/hello')).body === (await get(a!.dataUrl, '/hello')).body, 'both nodes serve the last winner');
  });

  test('a traffic-control limit holds across nodes: of 12 calls alternating over A and B, exactly 5 pass', async () => {
    const [a, b] = await nodes(2);
    await a!.client.batch({
      stack: 'shop',
      operations: ops([
        ...helloOperations('limited'),
        { op: 'create', kind: 'plugin', spec: { name: 'daily_limit', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'DAY', apiDefault: 5 } } },
        { op: 'create', kind: 'pluginAttachment', spec: { plugin: 'daily_limit', api: 'shop/hello', stages: ['RELEASE'] } },
      ]),
    });
    await eventually(async () => (await get(b!.dataUrl, '/hello')).status === 200, 'B serves the limited API');
    // That probe counted once: the limit restarts only with the next day, so it is part of the five.
    const day = (t: number) => Math.floor(t / 86_400_000);
    const startedOn = day(Date.now());
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await get((i % 2 === 0 ? a! : b!).dataUrl, '/hello')).status);
    // A run that straddles midnight UTC counts in two windows; the assertion needs one.
    if (day(Date.now()) !== startedOn) return;
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
  });

  test('a signed anti-replay request replayed through another node is refused (Nonce Used)', async () => {
    const [a, b] = await nodes(2);
    await a!.client.batch({
      stack: 'shop',
      operations: ops([
        ...helloOperations('paid').slice(0, 2),
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'payment', auth: { type: 'APP', antiReplay: true }, request: { method: 'GET', path: '/pay' }, backend: { service: 'stub', path: '/' } } },
        { op: 'publish', api: 'shop/payment', stage: 'RELEASE' },
        { op: 'create', kind: 'app', spec: { name: 'mobile' } },
        { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/payment', stages: ['RELEASE'] } },
      ]),
    });
    const { appKey, appSecret } = await a!.client.getCredentials('mobile');
    const signed = (): Record<string, string> => signedHeaders(appKey, appSecret, '/pay');
    const captured = signed();
    await eventually(async () => (await getWith(b!.dataUrl, '/pay', signed())).status === 200, 'B serves the payment API');
    expect(await getWith(a!.dataUrl, '/pay', captured)).toMatchObject({ status: 200, body: 'paid' });
    const replay = await getWith(b!.dataUrl, '/pay', captured);
    expect(replay.status).toBe(400);
    expect(replay.headers['x-ca-error-code']).toBe('A400NU');
    expect((await getWith(a!.dataUrl, '/pay', captured)).headers['x-ca-error-code']).toBe('A400NU');
  });

  test('a node catches up from the change log when it missed the notification', async () => {
    const url = await server.createDatabase(`nodes_${process.pid}_${++databases}`);
    const [a] = await nodes(1, url);
    await a!.client.batch({ stack: 'shop', operations: helloOperations('seen') });
    // A write no node announces (as if the notification were lost on the way).
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL search_path TO apigw');
      await client.query("UPDATE resources SET spec = replace(spec, '\"seen\"', '\"unannounced\"'), rev = 2 WHERE kind = 'backendService' AND id = 'stub'");
      await client.query("UPDATE published SET definition = definition WHERE api = 'shop/hello'");
      await client.query('UPDATE revision SET value = 2 WHERE id = 1');
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    await eventually(async () => (await get(a!.dataUrl, '/hello')).body === 'unannounced', 'the node polls the revision and reads what changed');
    expect(a!.revision).toBe(2);
  });
});
