/**
 * Opening the SQLite engine's database: identity and version checks,
 * migrations, durability settings, and the executor that answers the
 * statement layer's queries with prepared statements.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { RuntimeError, StoreCorruptError, StoreVersionError } from '../errors';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { sqlite, whileBusy } from './sqlite';
import { STATEMENTS, type Query, type StatementName } from './statements';

/** How long a statement waits for another process's lock before failing, in ms. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating and migrating when needed, unless `readOnly`) the
 * database file of a store in `dataDir`. Throws StoreCorruptError for a
 * file that is not an apigw store or is damaged, StoreVersionError for one
 * written by a newer apigw.
 */
export function openSqliteDatabase(dataDir: string, file: string, readOnly: boolean): DatabaseSync {
  if (readOnly) {
    if (!existsSync(file)) throw new StoreCorruptError(file, 'the file does not exist');
  } else {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  }
  const fresh = !readOnly && !existsSync(file);
  const { DatabaseSync } = sqlite();
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly });
    // The store holds app secrets: owner-only. The WAL and shared-memory files inherit this mode.
    if (fresh) chmodSync(file, 0o600);
  } catch (error) {
    throw new StoreCorruptError(file, (error as Error).message, error);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Workers open the file while the primary may be writing it: a lock SQLite does not wait for is not damage.
    whileBusy(Date.now() + BUSY_TIMEOUT_MS, () => prepare(db, file, readOnly));
  } catch (error) {
    db.close();
    if (error instanceof RuntimeError) throw error;
    throw new StoreCorruptError(file, (error as Error).message, error);
  }
  return db;
}

/** Checks identity and version, migrates, sets durability pragmas. */
function prepare(db: DatabaseSync, file: string, readOnly: boolean): void {
  const appId = pragma(db, 'application_id');
  const version = pragma(db, 'user_version');
  if (appId === 0 && version === 0) {
    const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
    if (objects > 0) throw new StoreCorruptError(file, 'it is an SQLite database of some other program');
    if (readOnly) throw new StoreCorruptError(file, 'the store has not been initialized');
  } else if (appId !== APPLICATION_ID) {
    throw new StoreCorruptError(file, `it is an SQLite database of some other program (application_id ${appId})`);
  }
  if (version > SCHEMA_VERSION) throw new StoreVersionError(file, version, SCHEMA_VERSION);
  if (readOnly) {
    if (version < SCHEMA_VERSION) throw new StoreCorruptError(file, `schema version ${version} needs migrating by a writable open first`);
    return;
  }
  // WAL: readers (data-plane workers) never block the writer. FULL: each
  // commit is fsynced before it is acknowledged, so a power loss keeps it too.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  if (version > 0) {
    const check = db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    if (check.length !== 1 || check[0]!.quick_check !== 'ok')
      throw new StoreCorruptError(file, `integrity check failed: ${check.map((r) => r.quick_check).slice(0, 3).join('; ')}`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= version) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      migration.up(db);
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.exec(`PRAGMA user_version = ${migration.version}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
}

function pragma(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, number>;
  return Number(row[name]);
}

/** Answers queries with the database's prepared statements (each prepared on first use). */
export class SqliteExecutor {
  private readonly prepared = new Map<StatementName, StatementSync>();

  constructor(private readonly db: DatabaseSync) {}

  /** Runs one query; its rows (none for a write). */
  readonly execute = (query: Query): unknown[] => {
    let statement = this.prepared.get(query.name);
    if (statement === undefined) {
      statement = this.db.prepare(STATEMENTS[query.name].sql);
      this.prepared.set(query.name, statement);
    }
    return statement.all(...query.params);
  };
}
