/**
 * Per-request state shared by gateway nodes through PostgreSQL: a nonce is
 * accepted once across nodes however the requests are spread, and a
 * traffic-control limit holds across nodes exactly. Prints the cost of one
 * call (measured, not asserted).
 */
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { RuntimeError } from '../../src/errors';
import { PostgresNonceLedger, PostgresRateCounter } from '../../src/store/postgres/shared-state';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store';
import { startTestPostgres, type TestPostgres } from '../support/postgres';

describe('per-request state shared through PostgreSQL', () => {
  let server: TestPostgres;
  let a: PostgresStore;
  let b: PostgresStore;

  beforeAll(async () => {
    server = await startTestPostgres();
    const url = await server.createDatabase('shared_state');
    [a, b] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await server.destroy();
  });

  test('a nonce is accepted once across nodes: the replay through another node is refused, and of 20 racing uses one wins', async () => {
    const now = Date.now();
    const [ledgerA, ledgerB] = [a.nonceLedger(), b.nonceLedger()];
    expect(await ledgerA.check('203366466\nnonce-1', now, now)).toBe('OK');
    expect(await ledgerB.check('203366466\nnonce-1', now, now)).toBe('USED');
    expect(await ledgerA.check('203366466\nnonce-1', now, now)).toBe('USED');
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? ledgerA : ledgerB).check('203366466\nnonce-2', now, now)));
    expect(verdicts.filter((v) => v === 'OK')).toHaveLength(1);
  });

  test('a limit holds across nodes: of 30 racing calls through two nodes, exactly 10 pass; the next window starts again', async () => {
    const [counterA, counterB] = [a.rateCounter(), b.rateCounter()];
    const start = 1_000_000_000_000;
    const verdicts = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? counterA : counterB).consume('limit:api:RELEASE', start, start + 60_000, 10)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(10);
    expect(verdicts.filter((v) => v.allowed).map((v) => v.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await counterB.consume('limit:api:RELEASE', start + 60_000, start + 120_000, 10)).toEqual({ allowed: true, remaining: 9, resetAt: start + 120_000 });
  });

  test('2000 calls one at a time are each counted and each nonce kept; the cost of one call is printed', async () => {
    const counter = a.rateCounter();
    const ledger = a.nonceLedger();
    const n = 2000;
    const now = Date.now();
    let started = process.hrtime.bigint();
    let allowed = 0;
    for (let i = 0; i < n; i++) if ((await counter.consume(`cost:${i % 50}`, now, now + 60_000, 1_000_000)).allowed) allowed++;
    const counterUs = Number(process.hrtime.bigint() - started) / 1000 / n;
    started = process.hrtime.bigint();
    let fresh = 0;
    for (let i = 0; i < n; i++) if ((await ledger.check(`cost\n${i}`, now, now)) === 'OK') fresh++;
    const nonceUs = Number(process.hrtime.bigint() - started) / 1000 / n;
    // eslint-disable-next-line no-console
    console.log(`PostgreSQL shared state, one call at a time over loopback: rate counter ${counterUs.toFixed(0)} µs, nonce ledger ${nonceUs.toFixed(0)} µs`);
    expect([allowed, fresh]).toEqual([n, n]);
    // Each of the 50 keys counted n / 50 calls: the next is number 41.
    expect((await counter.consume('cost:0', now, now + 60_000, 1_000_000)).remaining).toBe(1_000_000 - n / 50 - 1);
    expect(await ledger.check('cost\n7', now, now)).toBe('USED');
  });

  test('a database that accepts the connection and never answers costs a request a bounded wait, then APIGW_STORE_UNAVAILABLE', async () => {
    // A listener that takes connections and says nothing: a stalled server, not a refused one.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    const pool = new pg.Pool({ connectionString: `postgres://apigw@127.0.0.1:${port}/none`, max: 1 });
    pool.on('error', () => undefined);
    try {
      const now = Date.now();
      const nonce = await new PostgresNonceLedger(pool, undefined, 300).check('k\nn', now, now).catch((e: unknown) => e);
      expect(nonce).toBeInstanceOf(RuntimeError);
      expect((nonce as RuntimeError).code).toBe('APIGW_STORE_UNAVAILABLE');
      expect(String(((nonce as RuntimeError).cause as Error).message)).toBe('no answer within 300 ms');
      const count = await new PostgresRateCounter(pool, 300).consume('k', now, now + 1000, 5).catch((e: unknown) => e);
      expect((count as RuntimeError).code).toBe('APIGW_STORE_UNAVAILABLE');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => silent.close(done));
      await pool.end().catch(() => undefined);
    }
  });
});
