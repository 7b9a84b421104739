/**
 * How the PostgreSQL engine writes a batch: inserts held back and sent many
 * rows at a time, other writes sent without waiting for their answer. The
 * batches here are the ones that would go wrong if that reordered what it
 * must not (a resource deleted and created again in one batch, one stage
 * published twice, an update after a create, a backend's stage removed
 * under its published APIs, a rotation of an app created in the same
 * batch): each leaves the same state and the same data-plane view on
 * PostgreSQL as on SQLite, run one after the other. A write the server
 * refuses fails the whole batch, and a statement the server refuses is an
 * internal error with its SQLSTATE, never "unavailable".
 */
import pg from 'pg';
import type { GatewayStore } from '../../src/store/store';
import { openStore } from '../../src/store/store';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store';
import { PG_SCHEMA } from '../../src/store/postgres/schema';
import { RuntimeError } from '../../src/errors';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { api, group, tempDir, users } from './fixtures';

const clock = (): Date => new Date('2026-01-02T03:04:05.000Z');

/** What may differ between two stores given the same batches: credentials (random) and rotation times (the wall clock). */
const RANDOM = new Set(['appKey', 'appSecret', 'appCode', 'appId', 'previous', 'rotatedAt']);

function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !RANDOM.has(key)).map(([key, v]) => [key, comparable(v)]));
}

/** The outcome of a batch, or the code and per-operation errors it was refused with. */
async function outcome(apply: () => unknown): Promise<unknown> {
  try {
    return { result: await apply() };
  } catch (error) {
    const e = error as RuntimeError & { errors?: unknown };
    return { code: e.code, errors: e.errors };
  }
}

const apis = (n: number, from = 0) => Array.from({ length: n }, (_, i) => api(`item${from + i}`, `/items${from + i}/{id}`));
const create = (kind: string, spec: unknown) => ({ op: 'create', kind, spec });

/** Batches run in order on both engines; each is checked against the state the one before left. */
const BATCHES: { readonly name: string; readonly request: Record<string, unknown>; readonly refused?: true }[] = [
  {
    name: '60 APIs, their authorizations, published twice to RELEASE in one batch',
    request: {
      stack: 'shop',
      operations: [
        create('backendService', users),
        create('group', group),
        ...apis(60).map((a) => create('api', a)),
        create('app', { name: 'mobile' }),
        create('app', { name: 'webapp' }),
        ...apis(60).map((a, i) => create('authorization', { app: i % 2 ? 'webapp' : 'mobile', api: `shop/${a.name}`, stages: ['RELEASE'] })),
        ...apis(60).flatMap((a) => [
          { op: 'publish', api: `shop/${a.name}`, stage: 'TEST' },
          { op: 'publish', api: `shop/${a.name}`, stage: 'RELEASE' },
        ]),
        { op: 'publish', api: 'shop/item7', stage: 'RELEASE' },
      ],
    },
  },
  {
    name: 'an API replaced (deleted and created again, changed) with its authorization, then published',
    request: {
      stack: 'shop',
      operations: [
        { op: 'delete', kind: 'authorization', id: 'webapp:shop/item1' },
        { op: 'delete', kind: 'api', id: 'shop/item1' },
        create('api', { ...api('item1', '/renamed/{id}'), backend: { service: 'users', path: '/v2/{id}' } }),
        create('authorization', { app: 'webapp', api: 'shop/item1', stages: ['TEST', 'RELEASE'] }),
        { op: 'publish', api: 'shop/item1', stage: 'RELEASE' },
      ],
    },
  },
  {
    name: 'a new API created, updated, published, updated again and republished; another unpublished and deleted',
    request: {
      stack: 'shop',
      operations: [
        create('api', api('fresh', '/fresh/{id}')),
        { op: 'update', kind: 'api', spec: api('fresh', '/fresher/{id}') },
        { op: 'publish', api: 'shop/fresh', stage: 'TEST' },
        { op: 'update', kind: 'api', spec: api('fresh', '/freshest/{id}') },
        { op: 'publish', api: 'shop/fresh', stage: 'TEST' },
        { op: 'unpublish', api: 'shop/item2', stage: 'RELEASE' },
        { op: 'delete', kind: 'authorization', id: 'mobile:shop/item2' },
        { op: 'delete', kind: 'api', id: 'shop/item2' },
      ],
    },
  },
  {
    name: "the backend's TEST definition removed: every API published there through it is unpublished; an app created and rotated",
    request: {
      stack: 'shop',
      operations: [
        { op: 'update', kind: 'backendService', spec: { ...users, environments: { RELEASE: users.environments.RELEASE } } },
        create('app', { name: 'kiosk' }),
        { op: 'rotateCredentials', app: 'kiosk', graceSeconds: 60 },
        { op: 'rotateCredentials', app: 'mobile' },
      ],
    },
  },
  {
    name: 'refused: an API that exists already, among valid operations (nothing of it stays)',
    request: { stack: 'shop', operations: [create('api', api('other', '/other/{id}')), create('api', api('item3', '/items3/{id}'))] },
    refused: true,
  },
  {
    name: 'a dry run',
    request: {
      stack: 'shop',
      dryRun: true,
      operations: [
        { op: 'delete', kind: 'authorization', id: 'mobile:shop/item4' },
        { op: 'delete', kind: 'api', id: 'shop/item4' },
      ],
    },
  },
];

describe('a batch on PostgreSQL', () => {
  let server: TestPostgres;
  let postgres: PostgresStore;
  let sqlite: GatewayStore;
  let cleanup: () => void;

  beforeAll(async () => {
    server = await startTestPostgres();
    postgres = await openPostgresStore(await server.createDatabase('batches'), { clock });
    const temp = tempDir();
    cleanup = temp.cleanup;
    sqlite = openStore(temp.dir, { clock });
  }, 120_000);
  afterAll(async () => {
    await postgres?.close();
    sqlite?.close();
    cleanup?.();
    await server?.destroy();
  });

  test.each(BATCHES.map((b, i) => [i, b.name] as const))('%i: %s leaves what it leaves on SQLite', async (i) => {
    const { request, refused } = BATCHES[i]!;
    const expected = await outcome(() => sqlite.applyBatch(request));
    expect(Object.keys(expected as object)).toEqual(refused ? ['code', 'errors'] : ['result']);
    expect(await outcome(() => postgres.applyBatch(request))).toEqual(expected);
    expect(comparable(await postgres.getState())).toEqual(comparable(sqlite.getState()));
    expect(comparable(await postgres.readView())).toEqual(comparable(sqlite.readView()));
    const changed = i === 0 ? undefined : ((expected as { result?: { revision: number } }).result?.revision ?? 0) - 1;
    if (changed !== undefined && changed > 0)
      expect(comparable(JSON.parse((await postgres.getChangesText(changed))!))).toEqual(comparable(sqlite.getChanges(changed)));
  }, 60_000);

  test('a write the server refuses (a key taken behind the store’s back) fails the batch: nothing of it stays, and the store goes on', async () => {
    const url = await server.createDatabase('refused_write');
    const store = await openPostgresStore(url, { clock });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await store.applyBatch({ operations: [create('backendService', users), create('group', group)] });
      await admin.query(`INSERT INTO ${PG_SCHEMA}.credentials (app, app_id, app_key, app_secret, app_code) VALUES ('ghost', 1, 'k', 's', 'c')`);
      const before = await store.getStateText();
      // A dry run ends with writes still unanswered (no read follows them): it is refused all the same.
      await expect(store.applyBatch({ dryRun: true, operations: [create('app', { name: 'ghost' })] })).rejects.toMatchObject({ code: 'APIGW_INTERNAL' });
      const refused = store.applyBatch({ operations: [...apis(20).map((a) => create('api', a)), create('app', { name: 'ghost' }), create('api', api('late', '/late'))] });
      await expect(refused).rejects.toThrow(RuntimeError);
      await expect(refused).rejects.toMatchObject({ code: 'APIGW_INTERNAL', message: expect.stringContaining('SQLSTATE 23505') });
      expect(await store.getStateText()).toBe(before);
      expect(store.health()).toEqual({ ready: true });
      expect((await store.applyBatch({ operations: [create('api', api('after'))] })).revision).toBe(2);
    } finally {
      await admin.end();
      await store.close();
    }
  }, 60_000);

  test('a statement the server refuses in the node list or the shared state is an internal error with its SQLSTATE, not an outage', async () => {
    const url = await server.createDatabase('refused_statement');
    const store = await openPostgresStore(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`DROP TABLE ${PG_SCHEMA}.nodes`);
      await admin.query(`DROP TABLE ${PG_SCHEMA}.nonces`);
      await admin.query(`DROP TABLE ${PG_SCHEMA}.counts`);
      const internal = { code: 'APIGW_INTERNAL', message: expect.stringContaining('SQLSTATE 42P01') };
      await expect(store.listNodes()).rejects.toMatchObject(internal);
      await expect(store.nonceLedger().check('key\nnonce', Date.now())).rejects.toMatchObject(internal);
      await expect(store.rateCounter().consume('limit', 0, 60_000, 5)).rejects.toMatchObject(internal);
      expect(store.health()).toEqual({ ready: true });
    } finally {
      await admin.end();
      await store.close();
    }
  }, 60_000);
});
