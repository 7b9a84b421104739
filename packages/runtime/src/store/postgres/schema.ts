/**
 * The PostgreSQL engine's schema: the same tables as the SQLite store
 * (the statement table runs on both), in their own `apigw` schema so they
 * never meet another application's tables in a shared database. Text keys
 * sort by byte (`COLLATE "C"`), as SQLite's do, so both engines list
 * resources in one order.
 *
 * Nodes that start together all try to migrate: a transaction-scoped
 * advisory lock lets one of them do it while the others wait, then find
 * the schema current.
 */
import { randomBytes } from 'node:crypto';
import type { ClientBase } from 'pg';
import { StoreCorruptError, StoreVersionError } from '../../errors';

/** The schema that holds the store's tables. */
export const PG_SCHEMA = 'apigw';

/** Key of the advisory lock migrations hold ("APGW" in ASCII, as SQLite's application_id). */
const MIGRATION_LOCK = 0x41504757;

/** One schema step, run inside the migration's transaction. */
interface PostgresMigration {
  readonly version: number;
  readonly description: string;
  readonly sql: () => string;
}

const C = 'TEXT COLLATE "C"';

const MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'resources, references, published revisions, credentials (with the previous ones of a rotation), change log, revision and store id',
    sql: () => `
      CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL);
      INSERT INTO revision (id, value) VALUES (1, 0);
      CREATE TABLE counters (name ${C} PRIMARY KEY, value BIGINT NOT NULL);
      INSERT INTO counters (name, value) VALUES ('changes_floor', 0);
      CREATE TABLE meta (name ${C} PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta (name, value) VALUES ('store_id', '${randomBytes(16).toString('hex')}');
      CREATE TABLE resources (
        kind ${C} NOT NULL,
        id ${C} NOT NULL,
        stack ${C},
        spec TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        route ${C},
        digest TEXT,
        rev BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX resources_by_stack ON resources (stack, kind);
      CREATE INDEX resources_by_route ON resources (route) WHERE route IS NOT NULL;
      CREATE INDEX resources_by_rev ON resources (rev);
      CREATE TABLE refs (
        from_kind ${C} NOT NULL,
        from_id ${C} NOT NULL,
        to_kind ${C} NOT NULL,
        to_id ${C} NOT NULL,
        PRIMARY KEY (from_kind, from_id, to_kind, to_id)
      );
      CREATE INDEX refs_by_target ON refs (to_kind, to_id);
      CREATE TABLE published (
        api ${C} NOT NULL,
        stage ${C} NOT NULL,
        backend ${C} NOT NULL,
        digest TEXT NOT NULL,
        definition TEXT NOT NULL,
        published_at TEXT NOT NULL,
        route ${C} NOT NULL DEFAULT '',
        PRIMARY KEY (api, stage)
      );
      CREATE INDEX published_by_backend ON published (backend, stage);
      CREATE INDEX published_by_route ON published (route, stage);
      CREATE TABLE credentials (
        app ${C} PRIMARY KEY,
        app_id BIGINT NOT NULL UNIQUE,
        app_key TEXT NOT NULL UNIQUE,
        app_secret TEXT NOT NULL,
        app_code TEXT NOT NULL UNIQUE,
        previous_secret TEXT,
        previous_code TEXT,
        previous_until BIGINT,
        rotated_at TEXT
      );
      CREATE TABLE tombstones (kind ${C} NOT NULL, id ${C} NOT NULL, rev BIGINT NOT NULL, PRIMARY KEY (kind, id));
      CREATE INDEX tombstones_by_rev ON tombstones (rev);
      CREATE TABLE nonces (key TEXT PRIMARY KEY, ts BIGINT NOT NULL);
      CREATE INDEX nonces_by_ts ON nonces (ts);
    `,
  },
  {
    version: 2,
    description: 'per-request state every node shares: traffic-control counts; nonces and counts unlogged (nothing durable, no WAL per request)',
    sql: () => `
      CREATE UNLOGGED TABLE counts (key TEXT PRIMARY KEY, win BIGINT NOT NULL, ends BIGINT NOT NULL, n INTEGER NOT NULL);
      CREATE INDEX counts_by_end ON counts (ends);
      ALTER TABLE nonces SET UNLOGGED;
    `,
  },
  {
    version: 3,
    description: 'the nodes sharing the store and their heartbeats (unlogged: each node rewrites its row every few seconds)',
    sql: () => `
      CREATE UNLOGGED TABLE nodes (
        id TEXT PRIMARY KEY,
        hostname TEXT NOT NULL,
        pid INTEGER NOT NULL,
        admin_url TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        last_seen TIMESTAMPTZ NOT NULL,
        heartbeat_ms INTEGER NOT NULL,
        revision BIGINT NOT NULL,
        ready BOOLEAN NOT NULL,
        reason TEXT
      );
    `,
  },
];

/** The schema version this runtime writes. */
export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the store's schema to this runtime's version, once however many
 * nodes call it at the same moment. Throws StoreVersionError for a schema
 * written by a newer apigw, StoreCorruptError for an `apigw` schema that is
 * not a store.
 */
export async function migrate(client: ClientBase, location: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA}`);
    const found = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'schema_version'",
      [PG_SCHEMA],
    );
    await client.query(`CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`);
    const row = await client.query<{ version: number }>(`SELECT version FROM ${PG_SCHEMA}.schema_version WHERE id = 1`);
    const version = row.rows[0]?.version ?? 0;
    if (version === 0 && Number(found.rows[0]?.n ?? 0) > 0) throw new StoreCorruptError(location, `the ${PG_SCHEMA} schema holds tables of some other program`);
    if (version > PG_SCHEMA_VERSION) throw new StoreVersionError(location, version, PG_SCHEMA_VERSION);
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue;
      await client.query(`SET LOCAL search_path TO ${PG_SCHEMA}`);
      await client.query(migration.sql());
      await client.query(
        `INSERT INTO ${PG_SCHEMA}.schema_version (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
        [migration.version],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
