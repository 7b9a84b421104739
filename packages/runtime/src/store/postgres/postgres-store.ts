/**
 * The PostgreSQL store engine: the state of several gateway nodes in one
 * database. It runs the same batch engine, view builder and state writer
 * as the SQLite store (see statements.ts), each query awaited.
 *
 * - A write is one transaction that first locks the revision row: batches
 *   from every node queue there, so each sees the state the previous one
 *   left, and revisions stay gap-free and monotonic across nodes. The
 *   commit notifies `apigw_commit` with the new revision (nothing else:
 *   no names, no secrets).
 * - Every node listens on that channel and also polls the revision, so a
 *   notification lost to a reconnect is caught up from the change log.
 *   Views are read in one repeatable-read transaction: never half a batch.
 * - While the database cannot be reached, writes and reads fail with
 *   APIGW_STORE_UNAVAILABLE, health() says so (what `/readyz` reports),
 *   and the data plane keeps serving the view it has.
 */
import type { Kind } from '@apigw/schema';
import pg from 'pg';
import type { Logger } from 'pino';
import type { GetStateOptions } from '../../client/gateway-client';
import { RuntimeError } from '../../errors';
import type { ApiDefinition, AppCredentials, BatchResult, LiveResource, LiveState, StateView } from '../../model';
import { runBatch } from '../apply';
import { parseBatchRequest } from '../batch-request';
import type { CommitListener, NodeRecord, NodeStatus, StoreEngine, StoreHealth } from '../engine';
import { sql } from '../sql';
import { appCredentials, changesText, resourceText, stateText } from '../state-json';
import { runAsync, type Step } from '../statements';
import { ViewCache } from '../view';
import { isConnectionError, storeFailure, unavailable } from './failures';
import { listNodes, NodeHeartbeat } from './nodes';
import { PipelinedQueries, readColumnTypes, type ColumnTypes } from './pipelined-queries';
import { migrate, PG_SCHEMA } from './schema';
import { PostgresNonceLedger, PostgresRateCounter } from './shared-state';

/** The channel commits are announced on; the payload is the revision. */
export const COMMIT_CHANNEL = 'apigw_commit';

/** How to open a PostgreSQL store. */
export interface PostgresStoreOptions {
  /** Source of timestamps. @default () => new Date() */
  readonly clock?: () => Date;
  /** How many revisions back the change log answers (see OpenStoreOptions.retainedRevisions). @default 1000 */
  readonly retainedRevisions?: number;
  /** Connections this process holds at most. @default 4 */
  readonly poolSize?: number;
  /**
   * Only read views and follow announcements made to it (a data-plane
   * worker of a node): no migration, no LISTEN, no polling.
   * @default false
   */
  readonly reader?: boolean;
  /** How often the revision is polled (a missed notification, a database that came back), in ms. @default 1000 */
  readonly pollMs?: number;
  /** Where losing and regaining the database is logged (never the URL's password). */
  readonly logger?: Logger;
}

/** Integers come back as numbers (revisions and ids stay far below 2^53). */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * Opens the store in the database at `url` (creating or migrating its
 * schema unless `reader`). Throws RuntimeError(APIGW_STORE_UNAVAILABLE)
 * when the database cannot be reached.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const store = new PostgresStore(url, options);
  try {
    await store.start();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** A store in PostgreSQL, shared by every node pointed at the same database. */
export class PostgresStore implements StoreEngine {
  readonly engine = 'postgres';
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly clock: () => Date;
  private readonly retainedRevisions: number;
  private readonly reader: boolean;
  private readonly pollMs: number;
  private readonly logger: Logger | undefined;
  private readonly listeners = new Set<CommitListener>();
  private storeId = '';
  /** The latest committed revision this process knows of. */
  private known = 0;
  /** Revision of the last view read (undefined: no view read yet). */
  private viewed: number | undefined;
  private reachable = true;
  private closed = false;
  private listener: pg.Client | undefined;
  private listening = false;
  private poller: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private view: ViewCache | undefined;
  /** View reads run one at a time: each brings the cached view forward. */
  private viewing: Promise<unknown> = Promise.resolve();
  private published: ReadonlyMap<string, ApiDefinition> = new Map();
  private heartbeat: NodeHeartbeat | undefined;
  /** Column types of the store's tables: how a batch's inserts are sent many rows at a time (a writer's only). */
  private columnTypes: ColumnTypes | undefined;

  constructor(
    private readonly url: string,
    options: PostgresStoreOptions = {},
  ) {
    this.location = redactUrl(url);
    this.clock = options.clock ?? (() => new Date());
    this.retainedRevisions = Math.max(1, options.retainedRevisions ?? 1000);
    this.reader = options.reader ?? false;
    this.pollMs = options.pollMs ?? 1000;
    this.logger = options.logger;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 4,
      options: `-c search_path=${PG_SCHEMA}`,
      types: TYPES,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      application_name: 'apigw',
      // A batch's writes are sent without waiting for each answer (see PipelinedQueries).
      pipeline: true,
    });
    // An idle connection the server dropped: the next use opens another; the poll reports the outage.
    this.pool.on('error', () => this.lost());
  }

  /** Migrates (unless a reader), reads the store's identity and revision, starts following commits. */
  async start(): Promise<void> {
    if (!this.reader) {
      const client = await this.connect();
      try {
        await migrate(client, this.location);
        this.columnTypes = await readColumnTypes(client, PG_SCHEMA);
      } finally {
        this.release(client);
      }
    }
    this.storeId = await this.read(sql.storeId());
    this.known = await this.readRevision();
    if (this.reader) return;
    await this.listen();
    this.poller = setInterval(() => void this.poll(), this.pollMs);
    this.poller.unref();
  }

  get id(): string {
    return this.storeId;
  }

  /** The latest revision this node knows of (its own commits, and others' once heard). */
  get revision(): number {
    return this.known;
  }

  async readRevision(): Promise<number> {
    const revision = await this.read(sql.revision());
    this.heard(revision);
    return revision;
  }

  private assertOpen(): void {
    if (this.closed) throw new RuntimeError('APIGW_STORE_CLOSED', 'the store is closed');
  }

  /**
   * A connection of the pool for one transaction, given back with
   * release(). While a connection is checked out the pool does not listen
   * for its errors, and pg reports the server ending the session between
   * two statements (a shutdown's 57P01 arriving in the same read as the
   * previous answer, a reset) as an 'error' event: unheard, that event
   * would end the process. It is heard here until release; the connection
   * is then no longer queryable, so its next statement fails as an outage
   * and the pool discards it.
   */
  private async connect(): Promise<pg.PoolClient> {
    this.assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.lost();
      throw unavailable(error);
    }
    client.on('error', this.checkedOutError);
    this.regained();
    return client;
  }

  /** Gives a connection from connect() back to the pool (a broken one is discarded). */
  private release(client: pg.PoolClient, broken?: Error): void {
    client.removeListener('error', this.checkedOutError);
    client.release(broken);
  }

  private readonly checkedOutError = (): void => this.lost();

  /** Runs a step in one repeatable-read transaction: it sees a single revision. */
  private async read<T>(step: Step<T>): Promise<T> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await runAsync(step, new PipelinedQueries(client, this.columnTypes).execute);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = await this.failed(client, error);
      throw broken ? unavailable(error) : storeFailure(error, 'a statement');
    } finally {
      this.release(client, broken);
    }
  }

  /** After a failed statement: rolls back; the connection's error when the connection itself failed. */
  private async failed(client: pg.PoolClient, error: unknown): Promise<Error | undefined> {
    if (isConnectionError(error)) {
      this.lost();
      return error as Error;
    }
    try {
      await client.query('ROLLBACK');
      return undefined;
    } catch (rollback) {
      this.lost();
      return rollback as Error;
    }
  }

  /**
   * Applies a batch request atomically in one transaction (see
   * StoreEngine.applyBatch); resolves once this node's commit listeners
   * have taken the new revision.
   */
  async applyBatch(request: unknown): Promise<BatchResult> {
    this.assertOpen();
    if (this.reader) throw new RuntimeError('APIGW_BAD_REQUEST', 'the store is open for reading only');
    const batch = parseBatchRequest(request);
    const client = await this.connect();
    let broken: Error | undefined;
    let result: BatchResult;
    try {
      await client.query('BEGIN');
      const queries = new PipelinedQueries(client, this.columnTypes);
      const outcome = await runAsync(runBatch(batch, { now: this.clock().toISOString(), retainedRevisions: this.retainedRevisions, readAhead: true }), queries.execute);
      await queries.settle();
      if (!outcome.commit) {
        await client.query('ROLLBACK');
        return outcome.result;
      }
      await client.query('SELECT pg_notify($1, $2)', [COMMIT_CHANNEL, String(outcome.result.revision)]);
      await client.query('COMMIT');
      this.published = outcome.published;
      result = outcome.result;
    } catch (error) {
      broken = await this.failed(client, error);
      throw broken ? unavailable(error) : storeFailure(error, 'a statement');
    } finally {
      this.release(client, broken);
    }
    await this.heardAndTaken(result.revision);
    return result;
  }

  /** Subscribes to commits (this node's and, once heard, every other node's). */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A revision learnt of; listeners hear every new one. */
  private heard(revision: number): void {
    if (revision <= this.known) return;
    this.known = revision;
    void this.emit(revision);
  }

  /** This node's own commit: resolves when the listeners have taken it (even if a poll heard it first). */
  private async heardAndTaken(revision: number): Promise<void> {
    if (revision > this.known) this.known = revision;
    await this.emit(revision);
  }

  private async emit(revision: number): Promise<void> {
    await Promise.all(
      [...this.listeners].map(async (listener) => {
        try {
          await listener(revision);
        } catch (error) {
          // A listener's failure must not turn a committed batch into an error.
          process.emitWarning(`apigw commit listener failed: ${(error as Error).message}`, 'ApigwWarning');
        }
      }),
    );
  }

  async getState(options: GetStateOptions = {}): Promise<LiveState> {
    return JSON.parse(await this.getStateText(options)) as LiveState;
  }

  getStateText(options: GetStateOptions = {}): Promise<string> {
    return this.read(stateText(options));
  }

  getChangesText(since: number, options: GetStateOptions = {}): Promise<string | undefined> {
    return this.read(changesText(since, options));
  }

  async getResource<K extends Kind>(kind: K, id: string): Promise<LiveResource<K> | undefined> {
    const text = await this.read(resourceText(kind, id));
    return text === undefined ? undefined : (JSON.parse(text) as LiveResource<K>);
  }

  async getCredentials(app: string): Promise<AppCredentials> {
    return await this.read(appCredentials(app));
  }

  /** The data plane's view at the latest revision (see GatewayStore.readView). */
  readView(): Promise<StateView> {
    const next = this.viewing.then(async () => {
      const known = this.published;
      this.view = await this.read(ViewCache.read(this.view, known));
      if (this.published === known) this.published = new Map();
      this.viewed = this.view.at;
      this.heard(this.view.at);
      return this.view.current;
    });
    this.viewing = next.catch(() => undefined);
    return next;
  }

  /** Anti-replay nonces shared with every node of this store, over this store's connections. */
  nonceLedger(windowMs?: number): PostgresNonceLedger {
    return new PostgresNonceLedger(this.pool, windowMs);
  }

  /** Traffic-control counts shared with every node of this store, over this store's connections. */
  rateCounter(): PostgresRateCounter {
    return new PostgresRateCounter(this.pool);
  }

  /** Writes this node's row every `intervalMs` (default 5 s) until the store closes. */
  startHeartbeat(status: () => NodeStatus, intervalMs?: number): void {
    this.assertOpen();
    if (this.heartbeat) return;
    this.heartbeat = new NodeHeartbeat(this.pool, status, intervalMs);
    this.heartbeat.start();
  }

  /** Every node that wrote a heartbeat into this store in the last hour (stale ones flagged). */
  async listNodes(): Promise<readonly NodeRecord[]> {
    this.assertOpen();
    try {
      return await listNodes(this.pool);
    } catch (error) {
      if (isConnectionError(error)) this.lost();
      throw storeFailure(error, 'the node list');
    }
  }

  health(): StoreHealth {
    if (this.closed) return { ready: false, reason: 'the store is closed' };
    if (!this.reachable) return { ready: false, reason: `the store database cannot be reached (${this.location})` };
    if (this.viewed !== undefined && this.viewed < this.known)
      return { ready: false, reason: `catching up with the store: serving revision ${this.viewed} of ${this.known}` };
    return { ready: true };
  }

  /** Listens for commits on a connection of its own; reconnects (and catches up) when it drops. */
  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, types: TYPES, connectionTimeoutMillis: 5000, keepAlive: true, application_name: 'apigw-listen' });
    this.listener = client;
    client.on('notification', (message) => {
      const revision = Number(message.payload);
      if (message.channel === COMMIT_CHANNEL && Number.isSafeInteger(revision)) this.heard(revision);
    });
    const dropped = (): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.listening = false;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.lost();
      this.scheduleListen();
    };
    client.on('error', dropped);
    client.on('end', dropped);
    try {
      await client.connect();
      await client.query(`LISTEN ${COMMIT_CHANNEL}`);
      this.listening = true;
    } catch (error) {
      dropped();
      throw unavailable(error);
    }
    // Commits made before LISTEN took effect are caught up here.
    await this.poll();
  }

  private scheduleListen(): void {
    if (this.closed || this.reconnect) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      if (this.closed || this.listening) return;
      this.listen().catch(() => undefined);
    }, Math.min(this.pollMs, 500));
    this.reconnect.unref();
  }

  /** Reads the revision: catches up a missed notification, and tells whether the database answers. */
  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      await this.readRevision();
      if (!this.listening) this.scheduleListen();
    } catch {
      // connect() or read() recorded the outage.
    }
  }

  private lost(): void {
    if (!this.reachable || this.closed) return;
    this.reachable = false;
    this.logger?.warn({ store: this.location }, 'store database unreachable; serving the last state read');
  }

  private regained(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.logger?.info({ store: this.location }, 'store database reachable again');
  }

  /** Stops following commits and closes every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.heartbeat?.stop();
    this.closed = true;
    this.listeners.clear();
    if (this.poller) clearInterval(this.poller);
    if (this.reconnect) clearTimeout(this.reconnect);
    const listener = this.listener;
    this.listener = undefined;
    await Promise.allSettled([listener?.end(), this.pool.end()]);
  }
}
