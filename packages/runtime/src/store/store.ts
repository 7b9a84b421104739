/**
 * The durable state of a gateway: one SQLite database (`gateway.db`) in the
 * data directory, in WAL mode with full fsync on commit. Every change is one
 * transaction that bumps the revision, so a crash at any instant leaves the
 * state as it was before or after a batch, never between.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { KINDS, STAGES, type Kind, type Stage } from '@apigw/schema';
import { RuntimeError, StoreCorruptError, StoreVersionError } from '../errors';
import type { ApiDefinition, AppCredentials, BatchResult, LiveResource, LiveState, LiveStateChanges, StateView } from '../model';
import type { GetStateOptions } from '../client/gateway-client';
import { applyBatch } from './apply';
import { digestOf } from './digest';
import { newAppCode, newAppKey, newAppSecret } from './credentials';
import { publicSpecText } from './secrets';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { sqlite } from './sqlite';
import { ViewCache } from './view';

export { digestOf } from './digest';

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

/** Called after every committed change with the new revision. */
export type CommitListener = (revision: number) => void;

/** One row of the resources table. */
export interface ResourceRow {
  kind: Kind;
  id: string;
  stack: string | null;
  spec: string;
  created_at: string;
  updated_at: string;
  /** Digest of an API's spec (see digestOf); null for other kinds. */
  digest: string | null;
}

/** One row of the published table. */
export interface PublishedRow {
  api: string;
  stage: Stage;
  route: string;
  backend: string;
  digest: string;
  definition: string;
  published_at: string;
}

/** One row of the credentials table. */
export interface CredentialsRow {
  app: string;
  app_id: number;
  app_key: string;
  app_secret: string;
  app_code: string;
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
 * The store of one gateway. Reads and writes are synchronous (SQLite in
 * process); a write blocks the event loop for the length of its
 * transaction, which also serializes concurrent batches.
 */
export class GatewayStore {
  /** Path of the database file. */
  readonly file: string;
  readonly readOnly: boolean;
  /** @internal */
  readonly db: DatabaseSync;
  /** @internal */
  readonly sql: StoreSql;
  /** @internal */
  readonly now: () => string;
  /** @internal See OpenStoreOptions.retainedRevisions. */
  readonly retainedRevisions: number;
  private readonly listeners = new Set<CommitListener>();
  private closed = false;
  /** The last view read, brought up to date from the change log by the next read. */
  private view: ViewCache | undefined;
  /** Definitions the last batch published, parsed, by digest: the next view takes them instead of parsing them again. */
  private published = new Map<string, ApiDefinition>();
  private storeId: string | undefined;

  constructor(dataDir: string, options: OpenStoreOptions = {}) {
    this.readOnly = options.readOnly ?? false;
    this.retainedRevisions = Math.max(1, options.retainedRevisions ?? 1000);
    this.file = join(dataDir, STORE_FILE);
    const clock = options.clock ?? (() => new Date());
    this.now = () => clock().toISOString();
    if (this.readOnly) {
      if (!existsSync(this.file)) throw new StoreCorruptError(this.file, 'the file does not exist');
    } else {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    }
    const fresh = !this.readOnly && !existsSync(this.file);
    const { DatabaseSync } = sqlite();
    try {
      this.db = new DatabaseSync(this.file, { readOnly: this.readOnly });
      // The store holds app secrets: owner-only. The WAL and shared-memory files inherit this mode.
      if (fresh) chmodSync(this.file, 0o600);
    } catch (error) {
      throw new StoreCorruptError(this.file, (error as Error).message, error);
    }
    try {
      this.db.exec('PRAGMA busy_timeout = 10000');
      this.prepare();
    } catch (error) {
      this.db.close();
      if (error instanceof RuntimeError) throw error;
      throw new StoreCorruptError(this.file, (error as Error).message, error);
    }
    this.sql = new StoreSql(this.db);
  }

  /** Checks identity and version, migrates, sets durability pragmas. */
  private prepare(): void {
    const appId = this.pragma('application_id');
    const version = this.pragma('user_version');
    if (appId === 0 && version === 0) {
      const objects = (this.db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
      if (objects > 0) throw new StoreCorruptError(this.file, 'it is an SQLite database of some other program');
      if (this.readOnly) throw new StoreCorruptError(this.file, 'the store has not been initialized');
    } else if (appId !== APPLICATION_ID) {
      throw new StoreCorruptError(this.file, `it is an SQLite database of some other program (application_id ${appId})`);
    }
    if (version > SCHEMA_VERSION) throw new StoreVersionError(this.file, version, SCHEMA_VERSION);
    if (this.readOnly) {
      if (version < SCHEMA_VERSION) throw new StoreCorruptError(this.file, `schema version ${version} needs migrating by a writable open first`);
      return;
    }
    // WAL: readers (data-plane workers) never block the writer. FULL: each
    // commit is fsynced before it is acknowledged, so a power loss keeps it too.
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = FULL');
    if (version > 0) {
      const check = this.db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
      if (check.length !== 1 || check[0]!.quick_check !== 'ok')
        throw new StoreCorruptError(this.file, `integrity check failed: ${check.map((r) => r.quick_check).slice(0, 3).join('; ')}`);
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= version) continue;
      this.db.exec('BEGIN IMMEDIATE');
      try {
        migration.up(this.db);
        this.db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
        this.db.exec(`PRAGMA user_version = ${migration.version}`);
        this.db.exec('COMMIT');
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    }
  }

  private pragma(name: string): number {
    const row = this.db.prepare(`PRAGMA ${name}`).get() as Record<string, number>;
    return Number(row[name]);
  }

  private assertOpen(): void {
    if (this.closed) throw new RuntimeError('APIGW_STORE_CLOSED', 'the store is closed');
  }

  /** Runs `read` in one read transaction: it sees a single revision. */
  private read<T>(read: () => T): T {
    this.assertOpen();
    this.db.exec('BEGIN');
    try {
      return read();
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
    return (this.storeId ??= this.sql.storeId());
  }

  /** The current revision. */
  get revision(): number {
    this.assertOpen();
    return this.sql.revision();
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
    const result = applyBatch(this, request);
    if (!result.dryRun && result.results.length > 0) this.emitCommit(result.revision);
    return result;
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
    return this.read(() => {
      const rows = options.stack === undefined ? this.sql.allResources() : this.sql.resourcesOfStack(options.stack);
      const published = groupPublished(this.sql.allPublished());
      const credentials = new Map(this.sql.allCredentials().map((c) => [c.app, c]));
      const collections = new StateCollections();
      for (const row of rows) collections.add(row.kind, liveJson(row, published.get(row.id), credentials.get(row.id)));
      return `{"revision":${this.sql.revision()},${collections.json()}}`;
    });
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
    return this.read(() => {
      const revision = this.sql.revision();
      if (!Number.isSafeInteger(since) || since > revision || since < this.sql.changesFloor()) return undefined;
      const collections = new StateCollections();
      const deleted: string[] = [];
      const gone = (kind: Kind, id: string) => deleted.push(`{"kind":${JSON.stringify(kind)},"id":${JSON.stringify(id)}}`);
      for (const t of this.sql.tombstonesSince(since)) gone(t.kind, t.id);
      for (const row of this.sql.changedResources(since)) {
        // A resource that left the stack is gone from the stack's share.
        if (options.stack !== undefined && row.stack !== options.stack) gone(row.kind, row.id);
        else
          collections.add(
            row.kind,
            liveJson(row, row.kind === 'api' ? this.sql.publishedOf(row.id) : undefined, row.kind === 'app' ? this.sql.credentials(row.id) : undefined),
          );
      }
      return `{"revision":${revision},"since":${since},"changed":{${collections.json()}},"deleted":[${deleted.join(',')}]}`;
    });
  }

  /** One live resource, or undefined. */
  getResource<K extends Kind>(kind: K, id: string): LiveResource<K> | undefined {
    return this.read(() => {
      const row = this.sql.resource(kind, id);
      if (!row) return undefined;
      const text = liveJson(row, kind === 'api' ? this.sql.publishedOf(id) : undefined, kind === 'app' ? this.sql.credentials(id) : undefined);
      return JSON.parse(text) as LiveResource<K>;
    });
  }

  /** An app's credentials; throws RuntimeError(APIGW_NOT_FOUND) when the app does not exist. */
  getCredentials(app: string): AppCredentials {
    return this.read(() => {
      const row = this.sql.credentials(app);
      if (!row) throw new RuntimeError('APIGW_NOT_FOUND', `app ${app} does not exist`);
      return credentialsOf(row);
    });
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
    return this.read(() => {
      this.view = ViewCache.read(this.view, this.sql, this.published);
      this.published = new Map();
      return this.view.current;
    });
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.db.close();
  }

  /**
   * @internal Definitions a committed batch published, parsed (equal to
   * their stored JSON), offered to the next view read.
   */
  offerPublished(definitions: ReadonlyMap<string, ApiDefinition>): void {
    this.published = new Map(definitions);
  }

  /** @internal Fresh credentials for an app, unique AppKey. */
  newCredentials(app: string): CredentialsRow {
    for (;;) {
      const appKey = newAppKey();
      if (this.sql.credentialsByKey(appKey)) continue;
      return { app, app_id: this.sql.nextCounter('app_id', 100_000_000), app_key: appKey, app_secret: newAppSecret(), app_code: newAppCode() };
    }
  }
}

function groupPublished(rows: readonly PublishedRow[]): Map<string, PublishedRow[]> {
  const map = new Map<string, PublishedRow[]>();
  for (const row of rows) {
    const list = map.get(row.api);
    if (list) list.push(row);
    else map.set(row.api, [row]);
  }
  return map;
}

function credentialsOf(row: CredentialsRow): AppCredentials {
  return { app: row.app, appKey: row.app_key, appSecret: row.app_secret, appCode: row.app_code, appId: row.app_id };
}

const COLLECTION_OF = new Map<Kind, string>(KINDS.map((k) => [k.kind, k.collection]));

/** LiveState collections as JSON text, filled one resource at a time, written in KINDS order. */
class StateCollections {
  private readonly lists = new Map<Kind, string[]>(KINDS.map((k) => [k.kind, []]));

  add(kind: Kind, json: string): void {
    this.lists.get(kind)?.push(json);
  }

  /** `"vpcAccesses":[...],...,"authorizations":[...]`. */
  json(): string {
    return [...this.lists].map(([kind, list]) => `"${COLLECTION_OF.get(kind)!}":[${list.join(',')}]`).join(',');
  }
}

/**
 * One LiveResource (LiveApi, LiveApp) as JSON text. The spec column holds
 * canonical JSON, so it is spliced in as is; the text parses to the object
 * a state read returns.
 */
function liveJson(row: ResourceRow, published: readonly PublishedRow[] | undefined, credentials: CredentialsRow | undefined): string {
  const q = JSON.stringify;
  const head = `{"kind":${q(row.kind)},"id":${q(row.id)},"stack":${q(row.stack)},"createdAt":${q(row.created_at)},"updatedAt":${q(row.updated_at)},"spec":${publicSpecText(row.kind, row.spec)}`;
  if (row.kind === 'api') {
    let stages = '';
    for (const stage of STAGES) {
      const p = published?.find((r) => r.stage === stage);
      if (p) stages += `${stages === '' ? '' : ','}"${stage}":{"digest":${q(p.digest)},"publishedAt":${q(p.published_at)}}`;
    }
    return `${head},"digest":${q(row.digest ?? digestOf(row.spec))},"published":{${stages}}}`;
  }
  if (row.kind === 'app') return `${head},"appKey":${q(credentials?.app_key ?? '')}${credentials ? `,"appId":${credentials.app_id}` : ''}}`;
  return `${head}}`;
}

/** A reference from one resource's spec to another resource. */
export interface Ref {
  readonly kind: Kind;
  readonly id: string;
}

/**
 * The store's prepared statements. Internal to the store: the batch engine
 * uses it inside the batch's transaction.
 * @internal
 */
export class StoreSql {
  private readonly s: Record<string, StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      revision: p('SELECT value FROM revision WHERE id = 1'),
      setRevision: p('UPDATE revision SET value = ? WHERE id = 1'),
      counter: p('SELECT value FROM counters WHERE name = ?'),
      setCounter: p('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
      resource: p('SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources WHERE kind = ? AND id = ?'),
      allResources: p('SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources ORDER BY kind, id'),
      resourcesExceptApis: p("SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources WHERE kind <> 'api' ORDER BY kind, id"),
      resourcesOfKind: p('SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources WHERE kind = ? ORDER BY id'),
      resourcesOfStack: p('SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources WHERE stack = ? ORDER BY kind, id'),
      sharedApiRoutes: p("SELECT route FROM resources WHERE route IS NOT NULL AND kind = 'api' GROUP BY route HAVING count(*) > 1"),
      apisByRoute: p("SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources WHERE route = ? AND kind = 'api' ORDER BY id"),
      changedResources: p('SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources WHERE rev > ? ORDER BY kind, id'),
      changedExceptApis: p("SELECT kind, id, stack, spec, created_at, updated_at, digest FROM resources WHERE rev > ? AND kind <> 'api' ORDER BY kind, id"),
      changedApiIds: p("SELECT id FROM resources WHERE rev > ? AND kind = 'api' ORDER BY id"),
      publishedOfChanged: p(
        "SELECT p.api, p.stage, p.route, p.backend, p.digest, p.definition, p.published_at FROM published p JOIN resources r ON r.kind = 'api' AND r.id = p.api WHERE r.rev > ? ORDER BY p.api, p.stage",
      ),
      insertResource: p('INSERT INTO resources (kind, id, stack, spec, created_at, updated_at, route, digest, rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      updateResource: p('UPDATE resources SET spec = ?, updated_at = ?, route = ?, digest = ?, rev = ? WHERE kind = ? AND id = ?'),
      setOwner: p('UPDATE resources SET stack = ?, updated_at = ?, rev = ? WHERE kind = ? AND id = ?'),
      touch: p('UPDATE resources SET rev = ? WHERE kind = ? AND id = ?'),
      deleteResource: p('DELETE FROM resources WHERE kind = ? AND id = ?'),
      insertTombstone: p('INSERT INTO tombstones (kind, id, rev) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET rev = excluded.rev'),
      tombstonesSince: p('SELECT kind, id FROM tombstones WHERE rev > ? ORDER BY kind, id'),
      pruneTombstones: p('DELETE FROM tombstones WHERE rev <= ?'),
      deleteRefs: p('DELETE FROM refs WHERE from_kind = ? AND from_id = ?'),
      insertRef: p('INSERT OR IGNORE INTO refs (from_kind, from_id, to_kind, to_id) VALUES (?, ?, ?, ?)'),
      usersOf: p('SELECT from_kind AS kind, from_id AS id FROM refs WHERE to_kind = ? AND to_id = ? ORDER BY from_kind, from_id'),
      published: p('SELECT api, stage, route, backend, digest, definition, published_at FROM published WHERE api = ? AND stage = ?'),
      publishedOf: p('SELECT api, stage, route, backend, digest, definition, published_at FROM published WHERE api = ?'),
      allPublished: p('SELECT api, stage, route, backend, digest, definition, published_at FROM published ORDER BY api, stage'),
      sharedPublishedRoutes: p('SELECT route, stage FROM published GROUP BY route, stage HAVING count(*) > 1'),
      countPublishedByRoute: p('SELECT count(*) AS n FROM published WHERE route = ? AND stage = ?'),
      publishedByRoute: p('SELECT api, stage, route, backend, digest, definition, published_at FROM published WHERE route = ? AND stage = ? ORDER BY api'),
      publishedByBackend: p('SELECT api, stage, route, backend, digest, definition, published_at FROM published WHERE backend = ? ORDER BY api, stage'),
      publishedByBackendStage: p('SELECT api, stage, route, backend, digest, definition, published_at FROM published WHERE backend = ? AND stage = ? ORDER BY api'),
      upsertPublished: p(
        'INSERT INTO published (api, stage, route, backend, digest, definition, published_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (api, stage) DO UPDATE SET route = excluded.route, backend = excluded.backend, digest = excluded.digest, definition = excluded.definition, published_at = excluded.published_at',
      ),
      deletePublished: p('DELETE FROM published WHERE api = ? AND stage = ?'),
      deletePublishedOf: p('DELETE FROM published WHERE api = ?'),
      credentials: p('SELECT app, app_id, app_key, app_secret, app_code FROM credentials WHERE app = ?'),
      credentialsByKey: p('SELECT app FROM credentials WHERE app_key = ?'),
      allCredentials: p('SELECT app, app_id, app_key, app_secret, app_code FROM credentials'),
      insertCredentials: p('INSERT INTO credentials (app, app_id, app_key, app_secret, app_code) VALUES (?, ?, ?, ?, ?)'),
      rotateCredentials: p('UPDATE credentials SET app_secret = ?, app_code = ? WHERE app = ?'),
      deleteCredentials: p('DELETE FROM credentials WHERE app = ?'),
    };
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  revision(): number {
    return Number((this.s['revision']!.get() as { value: number }).value);
  }
  setRevision(value: number): void {
    this.s['setRevision']!.run(value);
  }
  /** Next value of a named counter (first value: start + 1). */
  nextCounter(name: string, start: number): number {
    const row = this.s['counter']!.get(name) as { value: number } | undefined;
    const value = (row ? Number(row.value) : start) + 1;
    this.s['setCounter']!.run(name, value);
    return value;
  }

  resource(kind: Kind, id: string): ResourceRow | undefined {
    return this.s['resource']!.get(kind, id) as ResourceRow | undefined;
  }
  allResources(): ResourceRow[] {
    return this.s['allResources']!.all() as unknown as ResourceRow[];
  }
  resourcesExceptApis(): ResourceRow[] {
    return this.s['resourcesExceptApis']!.all() as unknown as ResourceRow[];
  }
  resourcesOfKind(kind: Kind): ResourceRow[] {
    return this.s['resourcesOfKind']!.all(kind) as unknown as ResourceRow[];
  }
  resourcesOfStack(stack: string): ResourceRow[] {
    return this.s['resourcesOfStack']!.all(stack) as unknown as ResourceRow[];
  }
  /** Route keys more than one API has. */
  sharedApiRoutes(): string[] {
    return (this.s['sharedApiRoutes']!.all() as { route: string }[]).map((r) => r.route);
  }
  /** APIs with one route key (see routeKey). */
  apisByRoute(route: string): ResourceRow[] {
    return this.s['apisByRoute']!.all(route) as unknown as ResourceRow[];
  }
  /** Resources whose state-read form changed after revision `since`, in kind and id order. */
  changedResources(since: number): ResourceRow[] {
    return this.s['changedResources']!.all(since) as unknown as ResourceRow[];
  }
  /** Resources but APIs changed after revision `since` (see changedResources). */
  changedExceptApis(since: number): ResourceRow[] {
    return this.s['changedExceptApis']!.all(since) as unknown as ResourceRow[];
  }
  /** Ids of the APIs changed after revision `since`. */
  changedApiIds(since: number): string[] {
    return (this.s['changedApiIds']!.all(since) as { id: string }[]).map((r) => r.id);
  }
  /** The published revisions of the APIs changed after revision `since`. */
  publishedOfChanged(since: number): PublishedRow[] {
    return this.s['publishedOfChanged']!.all(since) as unknown as PublishedRow[];
  }
  /** Resources deleted after revision `since`. */
  tombstonesSince(since: number): { kind: Kind; id: string }[] {
    return this.s['tombstonesSince']!.all(since) as unknown as { kind: Kind; id: string }[];
  }
  /** The random id the store was given when it was made (see GatewayStore.id). */
  storeId(): string {
    return (this.db.prepare("SELECT value FROM meta WHERE name = 'store_id'").get() as { value: string }).value;
  }
  /** The oldest revision the change log answers from (see GatewayStore.getChanges). */
  changesFloor(): number {
    const row = this.s['counter']!.get('changes_floor') as { value: number } | undefined;
    return row ? Number(row.value) : 0;
  }
  /** Forgets deletions up to revision `upTo`; the change log then answers from `upTo` on. */
  pruneChanges(upTo: number): void {
    this.s['pruneTombstones']!.run(upTo);
    this.s['setCounter']!.run('changes_floor', upTo);
  }
  /**
   * Inserts a resource written at revision `rev`; `route` is an API's route
   * key and `digest` its digest, null for other kinds.
   */
  insertResource(kind: Kind, id: string, stack: string | null, spec: string, now: string, route: string | null, digest: string | null, rev: number): void {
    // A tombstone of an earlier resource with this identity may stay: readers apply deletions before changes.
    this.s['insertResource']!.run(kind, id, stack, spec, now, now, route, digest, rev);
  }
  updateResource(kind: Kind, id: string, spec: string, now: string, route: string | null, digest: string | null, rev: number): void {
    this.s['updateResource']!.run(spec, now, route, digest, rev, kind, id);
  }
  setOwner(kind: Kind, id: string, stack: string | null, now: string, rev: number): void {
    this.s['setOwner']!.run(stack, now, rev, kind, id);
  }
  /** Marks a resource changed at revision `rev` (its published revisions or credentials changed). */
  touch(kind: Kind, id: string, rev: number): void {
    this.s['touch']!.run(rev, kind, id);
  }
  /** Deletes a resource at revision `rev`, leaving a tombstone for the change log. */
  deleteResource(kind: Kind, id: string, rev: number): void {
    this.s['deleteResource']!.run(kind, id);
    this.s['deleteRefs']!.run(kind, id);
    this.s['insertTombstone']!.run(kind, id, rev);
  }
  /** Records what a resource refers to, replacing what it referred to before (`fresh`: a new resource, nothing to replace). */
  setRefs(kind: Kind, id: string, refs: readonly Ref[], fresh = false): void {
    if (!fresh) this.s['deleteRefs']!.run(kind, id);
    for (const ref of refs) this.s['insertRef']!.run(kind, id, ref.kind, ref.id);
  }
  usersOf(kind: Kind, id: string): Ref[] {
    return this.s['usersOf']!.all(kind, id) as unknown as Ref[];
  }

  published(api: string, stage: Stage): PublishedRow | undefined {
    return this.s['published']!.get(api, stage) as PublishedRow | undefined;
  }
  publishedOf(api: string): PublishedRow[] {
    return this.s['publishedOf']!.all(api) as unknown as PublishedRow[];
  }
  allPublished(): PublishedRow[] {
    return this.s['allPublished']!.all() as unknown as PublishedRow[];
  }
  /** Published revisions with one route key in one stage. */
  publishedByRoute(route: string, stage: Stage): PublishedRow[] {
    return this.s['publishedByRoute']!.all(route, stage) as unknown as PublishedRow[];
  }
  /** Route keys and stages more than one published revision has, as `route NUL stage`. */
  sharedPublishedRoutes(): string[] {
    return (this.s['sharedPublishedRoutes']!.all() as { route: string; stage: string }[]).map((r) => `${r.route}\u0000${r.stage}`);
  }
  countPublishedByRoute(route: string, stage: Stage): number {
    return Number((this.s['countPublishedByRoute']!.get(route, stage) as { n: number }).n);
  }
  publishedByBackend(backend: string): PublishedRow[] {
    return this.s['publishedByBackend']!.all(backend) as unknown as PublishedRow[];
  }
  publishedByBackendStage(backend: string, stage: Stage): PublishedRow[] {
    return this.s['publishedByBackendStage']!.all(backend, stage) as unknown as PublishedRow[];
  }
  upsertPublished(row: PublishedRow): void {
    this.s['upsertPublished']!.run(row.api, row.stage, row.route, row.backend, row.digest, row.definition, row.published_at);
  }
  deletePublished(api: string, stage: Stage): void {
    this.s['deletePublished']!.run(api, stage);
  }
  deletePublishedOf(api: string): void {
    this.s['deletePublishedOf']!.run(api);
  }

  credentials(app: string): CredentialsRow | undefined {
    return this.s['credentials']!.get(app) as CredentialsRow | undefined;
  }
  credentialsByKey(appKey: string): boolean {
    return this.s['credentialsByKey']!.get(appKey) !== undefined;
  }
  allCredentials(): CredentialsRow[] {
    return this.s['allCredentials']!.all() as unknown as CredentialsRow[];
  }
  insertCredentials(row: CredentialsRow): void {
    this.s['insertCredentials']!.run(row.app, row.app_id, row.app_key, row.app_secret, row.app_code);
  }
  rotateCredentials(app: string, secret: string, code: string): void {
    this.s['rotateCredentials']!.run(secret, code, app);
  }
  deleteCredentials(app: string): void {
    this.s['deleteCredentials']!.run(app);
  }
}
