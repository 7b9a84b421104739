/**
 * The store's schema, as an ordered list of migrations. The database's
 * `user_version` is the number of migrations applied; `application_id`
 * marks the file as an apigw store, so a foreign SQLite file is never
 * mistaken for an empty one. Migrations are append-only: a released one
 * never changes.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { ApiDefinition } from '../model';
import { routeKey } from '@apigw/schema';
import { digestOf } from './digest';

/** `PRAGMA application_id` of an apigw store ("APGW" in ASCII). */
export const APPLICATION_ID = 0x41504757;

/** One schema step; `up` runs inside the migration's transaction. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: (db: DatabaseSync) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'resources, published revisions, app credentials, references, revision counter',
    up: (db) =>
      db.exec(`
        CREATE TABLE revision (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          value INTEGER NOT NULL
        );
        INSERT INTO revision (id, value) VALUES (1, 0);

        CREATE TABLE counters (
          name TEXT PRIMARY KEY,
          value INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- Every resource of the six kinds; spec is the validated, canonical JSON.
        CREATE TABLE resources (
          kind TEXT NOT NULL,
          id TEXT NOT NULL,
          stack TEXT,
          spec TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (kind, id)
        ) WITHOUT ROWID;
        CREATE INDEX resources_by_stack ON resources (stack, kind);

        -- What each resource's spec refers to, kept in step with resources:
        -- answers "who uses X" without scanning specs.
        CREATE TABLE refs (
          from_kind TEXT NOT NULL,
          from_id TEXT NOT NULL,
          to_kind TEXT NOT NULL,
          to_id TEXT NOT NULL,
          PRIMARY KEY (from_kind, from_id, to_kind, to_id)
        ) WITHOUT ROWID;
        CREATE INDEX refs_by_target ON refs (to_kind, to_id);

        -- The frozen definition each stage of an API serves.
        CREATE TABLE published (
          api TEXT NOT NULL,
          stage TEXT NOT NULL,
          backend TEXT NOT NULL,
          digest TEXT NOT NULL,
          definition TEXT NOT NULL,
          published_at TEXT NOT NULL,
          PRIMARY KEY (api, stage)
        ) WITHOUT ROWID;
        CREATE INDEX published_by_backend ON published (backend, stage);

        CREATE TABLE credentials (
          app TEXT PRIMARY KEY,
          app_id INTEGER NOT NULL UNIQUE,
          app_key TEXT NOT NULL UNIQUE,
          app_secret TEXT NOT NULL,
          app_code TEXT NOT NULL UNIQUE
        ) WITHOUT ROWID;
      `),
  },
  {
    version: 2,
    description: 'route keys of APIs and published revisions: route clashes are checked without reading a whole group',
    up: (db) => {
      db.exec(`
        ALTER TABLE resources ADD COLUMN route TEXT;
        CREATE INDEX resources_by_route ON resources (route) WHERE route IS NOT NULL;
        ALTER TABLE published ADD COLUMN route TEXT NOT NULL DEFAULT '';
        CREATE INDEX published_by_route ON published (route, stage);
      `);
      const setResource = db.prepare("UPDATE resources SET route = ? WHERE kind = 'api' AND id = ?");
      for (const row of db.prepare("SELECT id, spec FROM resources WHERE kind = 'api'").all() as { id: string; spec: string }[])
        setResource.run(routeKey(JSON.parse(row.spec) as ApiDefinition), row.id);
      const setPublished = db.prepare('UPDATE published SET route = ? WHERE api = ? AND stage = ?');
      for (const row of db.prepare('SELECT api, stage, definition FROM published').all() as { api: string; stage: string; definition: string }[])
        setPublished.run(routeKey(JSON.parse(row.definition) as ApiDefinition), row.api, row.stage);
    },
  },
  {
    version: 3,
    description: 'change log: the revision that last changed each resource, tombstones of deleted ones, stored API digests',
    up: (db) => {
      // A resource's `rev` is the revision of the last batch that changed what a state read shows of it
      // (its spec, owner, published revisions or credentials). Rows that predate the log keep 0: the
      // log starts at the current revision (`changes_floor`), and older revisions are answered in full.
      db.exec(`
        ALTER TABLE resources ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE resources ADD COLUMN digest TEXT;
        CREATE INDEX resources_by_rev ON resources (rev);
        CREATE TABLE tombstones (
          kind TEXT NOT NULL,
          id TEXT NOT NULL,
          rev INTEGER NOT NULL,
          PRIMARY KEY (kind, id)
        ) WITHOUT ROWID;
        CREATE INDEX tombstones_by_rev ON tombstones (rev);
        INSERT INTO counters (name, value) SELECT 'changes_floor', value FROM revision WHERE id = 1
          ON CONFLICT (name) DO UPDATE SET value = excluded.value;
      `);
      const setDigest = db.prepare("UPDATE resources SET digest = ? WHERE kind = 'api' AND id = ?");
      for (const row of db.prepare("SELECT id, spec FROM resources WHERE kind = 'api'").all() as { id: string; spec: string }[])
        setDigest.run(digestOf(row.spec), row.id);
    },
  },
  {
    version: 4,
    description: 'store identity: a random id, so a reader holding a state can tell this store from another at the same address',
    up: (db) => {
      db.exec(`CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
      db.prepare("INSERT INTO meta (name, value) VALUES ('store_id', ?)").run(randomBytes(16).toString('hex'));
    },
  },
  {
    version: 5,
    description: 'credential rotation with a grace period: the previous AppSecret and AppCode, valid until a time, and when the app was last rotated',
    up: (db) => {
      db.exec(`
        ALTER TABLE credentials ADD COLUMN previous_secret TEXT;
        ALTER TABLE credentials ADD COLUMN previous_code TEXT;
        ALTER TABLE credentials ADD COLUMN previous_until INTEGER;
        ALTER TABLE credentials ADD COLUMN rotated_at TEXT;
      `);
    },
  },
];

/** The schema version this runtime writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
