/**
 * The embedded store engine: one SQLite database (`gateway.db`) in the
 * data directory, in WAL mode with full fsync on commit. Every change is one
 * transaction that bumps the revision, so a crash at any instant leaves the
 * state as it was before or after a batch, never between.
 */
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Kind } from '@apigw/schema';
import { RuntimeError } from '../errors';
import type { ApiDefinition, AppCredentials, BatchResult, LiveResource, LiveState, LiveStateChanges, StateView } from '../model';
import type { GetStateOptions } from '../client/gateway-client';
import { runBatch } from './apply';
import { parseBatchRequest } from './batch-request';
import type { CommitListener, StoreEngine, StoreHealth } from './engine';
import { sql } from './sql';
import { openSqliteDatabase, SqliteExecutor } from './sqlite-database';
import { appCredentials, changesText, resourceText, stateText } from './state-json';
import { runSync, type Step } from './statements';
import { ViewCache } from './view';

export { digestOf } from './digest';
export type { CommitListener } from './engine';

/** Name of the database file inside the data directory. */
export const STORE_FILE = 'gateway.db';

/** How to open a store. */
export interface OpenStoreOptions {
  /**
   * Open for reading only (another process owns the writes): no migration,
   * no file creation. What data-plane worker processes use.
   * @default false
   */
  readonly readOnly?: boolean;
  /** Source of timestamps. @default () => new Date() */
  readonly clock?: () => Date;
  /**
   * How many revisions back the change log answers (see getChanges):
   * deletions older than that are forgotten (pruned every that many
   * commits, so the log spans one to two times this).
   * @default 1000
   */
  readonly retainedRevisions?: number;
}

/**
 * Opens (creating and migrating when needed) the store of a data
 * directory. Throws StoreCorruptError for a file that is not an apigw
 * store or is damaged, StoreVersionError for one written by a newer apigw.
 */
export function openStore(dataDir: string, options: OpenStoreOptions = {}): GatewayStore {
  return new GatewayStore(dataDir, options);
}

/**
 * The store of one gateway in a SQLite file. Reads and writes are
 * synchronous (SQLite in process); a write blocks the event loop for the
 * length of its transaction, which also serializes concurrent batches.
 */
export class GatewayStore implements StoreEngine {
  readonly engine = 'sqlite';
  /** Path of the database file. */
  readonly file: string;
  readonly readOnly: boolean;
  private readonly db: DatabaseSync;
  private readonly execute: SqliteExecutor['execute'];
  private readonly clock: () => Date;
  private readonly retainedRevisions: number;
  private readonly listeners = new Set<CommitListener>();
  private closed = false;
  /** The last view read, brought up to date from the change log by the next read. */
  private view: ViewCache | undefined;
  /** Definitions the last batch published, parsed, by digest: the next view takes them instead of parsing them again. */
  private published: ReadonlyMap<string, ApiDefinition> = new Map();
  private storeId: string | undefined;

  constructor(dataDir: string, options: OpenStoreOptions = {}) {
    this.readOnly = options.readOnly ?? false;
    this.retainedRevisions = Math.max(1, options.retainedRevisions ?? 1000);
    this.file = join(dataDir, STORE_FILE);
    this.clock = options.clock ?? (() => new Date());
    this.db = openSqliteDatabase(dataDir, this.file, this.readOnly);
    this.execute = new SqliteExecutor(this.db).execute;
  }

  get location(): string {
    return this.file;
  }

  private assertOpen(): void {
    if (this.closed) throw new RuntimeError('APIGW_STORE_CLOSED', 'the store is closed');
  }

  /** Runs a step in one read transaction: it sees a single revision. */
  private read<T>(step: Step<T>): T {
    this.assertOpen();
    this.db.exec('BEGIN');
    try {
      return runSync(step, this.execute);
    } finally {
      this.db.exec('COMMIT');
    }
  }

  /**
   * A random id given to the store when it was made: revisions of two
   * stores are unrelated, so changes are only asked of the store a state
   * was read from.
   */
  get id(): string {
    this.assertOpen();
    return (this.storeId ??= runSync(sql.storeId(), this.execute));
  }

  /** The current revision. */
  get revision(): number {
    this.assertOpen();
    return runSync(sql.revision(), this.execute);
  }

  readRevision(): number {
    return this.revision;
  }

  /**
   * Applies a batch request (parsed JSON, checked here) atomically. Throws
   * RuntimeError for a bad envelope or a revision conflict, and
   * BatchRejectedError listing every failing operation; nothing changes
   * then. Listeners hear about every commit.
   */
  applyBatch(request: unknown): BatchResult {
    this.assertOpen();
    if (this.readOnly) throw new RuntimeError('APIGW_BAD_REQUEST', 'the store is open read-only');
    const batch = parseBatchRequest(request);
    this.db.exec('BEGIN IMMEDIATE');
    let committed = false;
    try {
      const outcome = runSync(runBatch(batch, { now: this.clock().toISOString(), retainedRevisions: this.retainedRevisions, readAhead: false }), this.execute);
      if (!outcome.commit) return outcome.result;
      this.db.exec('COMMIT');
      committed = true;
      this.published = outcome.published;
      this.emitCommit(outcome.result.revision);
      return outcome.result;
    } finally {
      if (!committed) this.db.exec('ROLLBACK');
    }
  }

  /** Subscribes to commits; returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emitCommit(revision: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(revision);
      } catch (error) {
        // A listener's failure must not turn a committed batch into an error.
        process.emitWarning(`apigw commit listener failed: ${(error as Error).message}`, 'ApigwWarning');
      }
    }
  }

  /** The live state (or one stack's share of it) at one revision. */
  getState(options: GetStateOptions = {}): LiveState {
    return JSON.parse(this.getStateText(options)) as LiveState;
  }

  /**
   * The live state as JSON text (what `GET /v1/state` sends), built from
   * the stored canonical JSON without parsing it.
   */
  getStateText(options: GetStateOptions = {}): string {
    return this.read(stateText(options));
  }

  /**
   * What changed since revision `since` (see LiveStateChanges), or
   * undefined when the change log does not reach back that far (or `since`
   * is ahead of the store): read the whole state then.
   */
  getChanges(since: number, options: GetStateOptions = {}): LiveStateChanges | undefined {
    const text = this.getChangesText(since, options);
    return text === undefined ? undefined : (JSON.parse(text) as LiveStateChanges);
  }

  /** getChanges as JSON text (what `GET /v1/state?since=` sends). */
  getChangesText(since: number, options: GetStateOptions = {}): string | undefined {
    return this.read(changesText(since, options));
  }

  /** One live resource, or undefined. */
  getResource<K extends Kind>(kind: K, id: string): LiveResource<K> | undefined {
    const text = this.read(resourceText(kind, id));
    return text === undefined ? undefined : (JSON.parse(text) as LiveResource<K>);
  }

  /** An app's credentials; throws RuntimeError(APIGW_NOT_FOUND) when the app does not exist. */
  getCredentials(app: string): AppCredentials {
    return this.read(appCredentials(app));
  }

  /**
   * Everything the data plane needs, read in one transaction: groups,
   * backend services, VPC accesses, the published revision of each API in
   * each stage, apps with their credentials, and authorizations. Views are
   * kept between reads and brought up to date from the change log, so a
   * view after a small commit costs little; what did not change is shared
   * between successive views (same object): treat a view as immutable.
   */
  readView(): StateView {
    this.view = this.read(ViewCache.read(this.view, this.published));
    this.published = new Map();
    return this.view.current;
  }

  /** A SQLite file in this process is always reachable. */
  health(): StoreHealth {
    return this.closed ? { ready: false, reason: 'the store is closed' } : { ready: true };
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.db.close();
  }
}
