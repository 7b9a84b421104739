/**
 * Runs the data plane in N worker processes that share one listening port
 * (node:cluster, round-robin accept in the primary), as nginx and Kong run
 * one worker per core. `apigw serve` runs its data plane this way whatever
 * N, one included: the primary applies batches in synchronous SQLite
 * transactions (seconds for tens of thousands of operations), and traffic
 * must not wait for them. A worker reads the store through WAL, which never
 * blocks the writer nor waits for it. A single worker binds the port itself
 * (`exclusive`), and so do several with `portSharing: 'kernel'` (SO_REUSEPORT,
 * what `apigw serve` uses on Linux), so the primary does not even accept
 * their connections; otherwise the primary accepts each connection and
 * hands it to the next worker in turn.
 *
 * The primary owns the store and the admin API. Each worker opens the store
 * read-only, serves `readView()`, and reloads when the primary announces a
 * new revision over IPC (it also reads the view after subscribing, so a
 * commit made while it starts is never missed). A worker that dies is
 * replaced; the others keep serving. One that fails while starting is
 * replaced too, after a pause: the start gives up only after
 * MAX_START_FAILURES failures in a row.
 *
 * Who creates which SQLite file, so that workers starting together never
 * race on a schema: the primary creates and migrates `gateway.db` (before
 * the workers exist) and creates `nonces.db` in WAL mode with its tables
 * before forking; workers only open both.
 *
 * The seam with `apigw serve` (the gateway's own data plane must then not
 * bind the public port):
 *
 *     const workers = await attachDataPlaneWorkers(gateway, { dataDir, port, host, workers: n });
 *     ...
 *     await workers.close();
 */
import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AggregatorRegistry, Registry, type PrometheusContentType } from 'prom-client';
import { COUNTER_FILE, createDataPlane, InventorySource, NONCE_FILE } from './dataplane';
import type { FunctionConfig } from './dataplane/backends/function/config';
import type { ExternalBucketConfig } from './dataplane/backends/oss/config';
import type { DataPlane, DataPlaneOptions } from './dataplane/data-plane';
import { FUNCTIONS_FILE, INVENTORY_FILE, OSS_DIR, OSS_FILE } from './data-dir';
import { RuntimeError } from './errors';
import { openAccessLog, type AccessLogTarget } from './access-log';
import { SharedRateCounter } from './dataplane/plugins/shared-rate-counter';
import { SharedNonceStore } from './dataplane/shared-nonce-store';
import { openStore, type StoreEngine } from './store';
import { openPostgresStore } from './store/postgres/postgres-store';

/** What every worker runs. Plain data: it travels to the workers in their environment. */
export interface DataPlaneWorkersOptions {
  /** Data directory of the primary's store (opened read-only) and of `inventory.json`. */
  readonly dataDir: string;
  /** The primary's PostgreSQL store, when it has one: each worker reads views over one connection of its own. */
  readonly store?: string;
  /** Shared data-plane HTTP port (0: one free port shared by all workers). */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Shared HTTPS port, when group domains carry certificates. */
  readonly tlsPort?: number;
  /** Number of worker processes. @default one per core (`os.availableParallelism()`) */
  readonly workers?: number;
  /**
   * How several workers share the port. `primary`: node:cluster's
   * round-robin, the primary accepts each connection and hands it to the
   * next worker (an even spread, on every platform), so a primary busy
   * applying a batch holds up new connections. `kernel`: each worker binds
   * the port itself with SO_REUSEPORT and the kernel spreads connections by
   * their addresses (Linux and some BSDs): the primary is on no
   * connection's path. A single worker always binds the port itself.
   * @default 'primary'
   */
  readonly portSharing?: 'primary' | 'kernel';
  /** VPC instance id -> address; wins over `<dataDir>/inventory.json`. */
  readonly inventory?: Readonly<Record<string, string>>;
  /** Function table; wins over `<dataDir>/functions.json`. */
  readonly functions?: Readonly<Record<string, FunctionConfig>>;
  /** External buckets; win over `<dataDir>/oss.json`. */
  readonly oss?: Readonly<Record<string, ExternalBucketConfig>>;
  /** Largest request body forwarded, in bytes. */
  readonly maxBodyBytes?: number;
  /** Proxies whose X-Forwarded-For is believed (CIDR blocks or addresses). @default none */
  readonly trustedProxies?: readonly string[];
  /**
   * The workers' JSON access log: `true` or `'stdout'` for standard output,
   * or a file every worker appends to (reopened by `reopenAccessLogs`).
   * @default false
   */
  readonly accessLog?: boolean | AccessLogTarget;
  /** Script the workers run: this module's compiled file. @default this file */
  readonly workerScript?: string;
}

/** What a worker is handed: the options, and how it binds its ports. */
type WorkerConfig = { -readonly [K in keyof DataPlaneWorkersOptions]: DataPlaneWorkersOptions[K] } & {
  -readonly [K in 'exclusivePorts' | 'reusePort']?: DataPlaneOptions[K];
};

/** Why the workers could not start. */
export class WorkersStartError extends RuntimeError {
  constructor(message: string) {
    super('APIGW_WORKERS_START', message);
  }
}

const CONFIG_ENV = 'APIGW_DATA_PLANE_WORKER';
const STOP_GRACE_MS = 15_000;
/** A worker that dies sooner than this after starting (or fails to start) is replaced after a pause, not at once. */
const RESPAWN_PAUSE_MS = 1_000;
/**
 * A worker that does not listen within this time after its fork is killed
 * and counts as a failed start (node:cluster can leave a worker's listen
 * unanswered when the shared port failed to bind for another worker).
 */
const START_TIMEOUT_MS = 20_000;
/** Start-up failures in a row (no worker listening in between) after which the first start gives up. */
export const MAX_START_FAILURES = 10;

type ToWorker = { readonly type: 'apigw:revision'; readonly revision: number } | { readonly type: 'apigw:stop' } | { readonly type: 'apigw:reopen-logs' };
type FromWorker =
  | { readonly type: 'apigw:listening'; readonly port: number; readonly tlsPort?: number; readonly revision: number }
  | { readonly type: 'apigw:served'; readonly revision: number }
  | { readonly type: 'apigw:failed'; readonly message: string };

interface WorkerState {
  readonly worker: Worker;
  readonly startedAt: number;
  /** Process id of the dead worker this one replaces. */
  readonly replaces: number | undefined;
  revision: number;
  listening: boolean;
  /** What the worker reported when it failed to start. */
  failure?: string;
}

/**
 * The running workers. Emits `served` (pid, revision) when a worker serves
 * a revision, `exit` (pid) when a serving worker died (connections it had
 * accepted are lost; new ones go to the others), `replaced` (oldPid,
 * newPid) when a dead worker's replacement listens, and `startFailed`
 * (pid, reason, failuresInARow) when a worker died before listening (it is
 * replaced after a pause), and `closing` when `close()` begins.
 */
export class DataPlaneWorkers extends EventEmitter {
  private readonly states = new Map<number, WorkerState>();
  private closing = false;
  /** Start-up failures since a worker last began listening. */
  private startFailures = 0;
  /** Settles the first start: set until `count` workers listen or the start gives up. */
  private starting: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private latest = 0;
  private aggregator: AggregatorRegistry<PrometheusContentType> | null = null;
  /** Whether each worker binds the ports itself (one worker, or `portSharing: 'kernel'`). */
  private readonly ownPorts: boolean;
  /** Workers still to fork once the first one has picked the ports. */
  private toFork = 0;
  /** Stops the commit subscription made by attachDataPlaneWorkers. */
  detach: (() => void) | null = null;
  /** Shared data-plane port. */
  port = 0;
  /** Shared HTTPS port, when served. */
  tlsPort: number | undefined;

  constructor(private readonly options: DataPlaneWorkersOptions, private readonly count: number) {
    super();
    this.ownPorts = count === 1 || options.portSharing === 'kernel';
  }

  /** Number of live workers. */
  get size(): number {
    return this.states.size;
  }

  /** Process ids of the live workers. */
  get pids(): number[] {
    return [...this.states.values()].map((s) => s.worker.process.pid!).filter((p) => p !== undefined);
  }

  /** Lowest revision any listening worker serves. */
  get revision(): number {
    let min = Infinity;
    for (const s of this.states.values()) if (s.listening && s.revision < min) min = s.revision;
    return min === Infinity ? 0 : min;
  }

  /** Tells every worker that `revision` is committed; each reloads if it serves an older one. */
  announce(revision: number): void {
    if (revision > this.latest) this.latest = revision;
    const msg: ToWorker = { type: 'apigw:revision', revision };
    for (const s of this.states.values()) if (s.worker.isConnected()) s.worker.send(msg);
  }

  /** Has every worker reopen its access-log file (after log rotation). */
  reopenAccessLogs(): void {
    const msg: ToWorker = { type: 'apigw:reopen-logs' };
    for (const s of this.states.values()) if (s.worker.isConnected()) s.worker.send(msg);
  }

  /**
   * The workers' request metrics (`apigw_requests_total`,
   * `apigw_request_duration_seconds`) summed over all workers, in the
   * Prometheus text format: what the admin API's `/metrics` appends.
   */
  metrics(): Promise<string> {
    this.aggregator ??= new AggregatorRegistry();
    return this.aggregator.clusterMetrics();
  }

  /** Resolves when every live worker serves `revision` or newer (rejects after `timeoutMs`, or when the workers stop). */
  whenServed(revision: number, timeoutMs = 10_000): Promise<void> {
    if (this.allServe(revision)) return Promise.resolve();
    if (this.closing) return Promise.reject(new Error(`workers are stopping and will not serve revision ${revision}`));
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!this.allServe(revision)) return;
        cleanup();
        resolve();
      };
      const fail = (message: string) => (): void => {
        cleanup();
        reject(new Error(message));
      };
      const timer = setTimeout(fail(`workers did not serve revision ${revision} within ${timeoutMs} ms`), timeoutMs);
      const stopping = fail(`workers are stopping and will not serve revision ${revision}`);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('served', check);
        this.off('replaced', check);
        this.off('closing', stopping);
      };
      this.on('served', check);
      this.on('replaced', check);
      this.once('closing', stopping);
    });
  }

  private allServe(revision: number): boolean {
    if (this.states.size < this.count) return false;
    for (const s of this.states.values()) if (!s.listening || s.revision < revision) return false;
    return true;
  }

  /**
   * Forks the workers; resolves when all listen. A worker that fails to
   * start is replaced after a pause; after MAX_START_FAILURES failures in a
   * row the start gives up with the last worker's reason.
   */
  async start(): Promise<this> {
    if (this.options.store === undefined) prepareSharedFiles(this.options.dataDir);
    cluster.setupPrimary({ exec: this.options.workerScript ?? __filename, execArgv: [], silent: false });
    cluster.on('exit', this.onExit);
    const started = new Promise<void>((resolve, reject) => {
      this.starting = { resolve, reject };
    });
    // Workers binding the ports themselves: the first one claims them (a port 0 would give each
    // another), the others join it once it listens.
    const firstPicks = this.ownPorts;
    this.toFork = firstPicks ? this.count - 1 : 0;
    for (let i = 0; i < (firstPicks ? 1 : this.count); i++) this.fork(undefined);
    try {
      await started;
    } catch (err) {
      await this.close();
      throw err;
    }
    return this;
  }

  private listeningCount(): number {
    let n = 0;
    for (const s of this.states.values()) if (s.listening) n++;
    return n;
  }

  private fork(replaces: number | undefined): void {
    const config: WorkerConfig = { ...this.options, workers: undefined, workerScript: undefined };
    if (this.ownPorts) {
      // The worker binds the ports itself: the primary stays off the path of every connection
      // (round-robin would have it accept each one, and wait while a batch applies). Later
      // workers bind the ports the first one got.
      config.exclusivePorts = true;
      // A worker starting while none listens claims the ports; later ones (and replacements) join.
      if (this.count > 1) config.reusePort = this.listeningCount() === 0 ? 'claim' : 'join';
      if (this.port !== 0) config.port = this.port;
      if (this.tlsPort !== undefined) config.tlsPort = this.tlsPort;
    }
    const worker = cluster.fork({ [CONFIG_ENV]: JSON.stringify(config) });
    const state: WorkerState = { worker, startedAt: Date.now(), replaces, revision: 0, listening: false };
    this.states.set(worker.id, state);
    const watchdog = setTimeout(() => {
      if (state.listening) return;
      state.failure = `it did not listen within ${START_TIMEOUT_MS / 1000} s`;
      worker.process.kill('SIGKILL');
    }, START_TIMEOUT_MS);
    watchdog.unref();
    worker.once('exit', () => clearTimeout(watchdog));
    worker.on('message', (msg: FromWorker) => {
      switch (msg.type) {
        case 'apigw:listening':
          clearTimeout(watchdog);
          state.listening = true;
          state.revision = msg.revision;
          this.startFailures = 0;
          this.port = msg.port;
          this.tlsPort = msg.tlsPort;
          for (; this.toFork > 0; this.toFork--) this.fork(undefined);
          if (msg.revision < this.latest) worker.send({ type: 'apigw:revision', revision: this.latest } satisfies ToWorker);
          if (state.replaces !== undefined) this.emit('replaced', state.replaces, worker.process.pid);
          this.emit('served', worker.process.pid, msg.revision);
          if (this.starting && this.listeningCount() >= this.count) {
            this.starting.resolve();
            this.starting = null;
          }
          break;
        case 'apigw:served':
          state.revision = msg.revision;
          this.emit('served', worker.process.pid, msg.revision);
          break;
        case 'apigw:failed':
          state.failure = msg.message;
          break;
      }
    });
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const state = this.states.get(worker.id);
    if (state === undefined) return;
    this.states.delete(worker.id);
    if (this.closing) return;
    const pid = worker.process.pid!;
    if (state.listening) this.emit('exit', pid);
    else {
      this.startFailures++;
      const reason = state.failure ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
      this.emit('startFailed', pid, reason, this.startFailures);
      if (this.starting && this.startFailures >= MAX_START_FAILURES) {
        const starting = this.starting;
        this.starting = null;
        starting.reject(new WorkersStartError(`data-plane workers failed to start ${this.startFailures} times in a row; the last, worker ${pid}: ${reason}`));
        return;
      }
    }
    const replace = (): void => {
      if (!this.closing) this.fork(pid);
    };
    if (!state.listening || Date.now() - state.startedAt < RESPAWN_PAUSE_MS) setTimeout(replace, RESPAWN_PAUSE_MS).unref();
    else replace();
  };

  /** Stops every worker (each finishes its in-flight requests). */
  async close(): Promise<void> {
    this.closing = true;
    this.emit('closing');
    this.detach?.();
    this.detach = null;
    cluster.off('exit', this.onExit);
    const exits = [...this.states.values()].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.worker.isDead()) return resolve();
          const timer = setTimeout(() => s.worker.process.kill('SIGKILL'), STOP_GRACE_MS);
          s.worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          // A worker still starting has no request to finish (and may not listen for messages yet).
          if (s.listening && s.worker.isConnected()) s.worker.send({ type: 'apigw:stop' } satisfies ToWorker);
          else s.worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    this.states.clear();
  }
}

/**
 * Forks the data-plane workers (in the primary, next to the store and the
 * admin API) and resolves when every worker listens. `observe` is handed
 * the workers before the first fork, to listen to their events (a worker
 * that fails while starting, say) from the start.
 */
export function startDataPlaneWorkers(options: DataPlaneWorkersOptions, observe?: (workers: DataPlaneWorkers) => void): Promise<DataPlaneWorkers> {
  if (!cluster.isPrimary) return Promise.reject(new WorkersStartError('data-plane workers are started from the primary process'));
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) return Promise.reject(new WorkersStartError(`workers must be a positive integer, not ${count}`));
  const workers = new DataPlaneWorkers(options, count);
  observe?.(workers);
  return workers.start();
}

/**
 * Creates the files the workers share on the SQLite store (the nonce
 * ledger and the call counters: WAL mode, tables) before any worker opens
 * them, so workers starting together only ever open prepared files.
 */
function prepareSharedFiles(dataDir: string): void {
  new SharedNonceStore(join(dataDir, NONCE_FILE)).close();
  new SharedRateCounter(join(dataDir, COUNTER_FILE)).close();
}

/** What attachDataPlaneWorkers needs of a gateway (createGateway's Gateway fits). */
export interface CommitSource {
  readonly revision: number;
  onCommit(listener: (revision: number) => void): () => void;
}

/**
 * Starts the workers and keeps them current: every commit of `gateway` is
 * announced to them. `close()` on the result also ends the subscription.
 */
export async function attachDataPlaneWorkers(gateway: CommitSource, options: DataPlaneWorkersOptions, observe?: (workers: DataPlaneWorkers) => void): Promise<DataPlaneWorkers> {
  const workers = await startDataPlaneWorkers(options, observe);
  workers.detach = gateway.onCommit((revision) => workers.announce(revision));
  // A commit made while the workers started is announced now.
  workers.announce(gateway.revision);
  return workers;
}

/** The worker side: serve the store's state, reload on announcements, stop on request. */
export async function runDataPlaneWorker(): Promise<void> {
  const send = (msg: FromWorker): void => {
    if (process.connected) process.send!(msg);
  };
  let store: StoreEngine | undefined;
  let plane: DataPlane | undefined;
  // What the worker was doing, for the reason it reports when it fails to start.
  let doing = 'opening the store';
  try {
    const options = JSON.parse(process.env[CONFIG_ENV] ?? '{}') as WorkerConfig;
    store = options.store === undefined ? openStore(options.dataDir, { readOnly: true }) : await openPostgresStore(options.store, { reader: true, poolSize: 1 });
    const opened = store;
    doing = 'opening the data plane';
    // The primary collects this registry from every worker (DataPlaneWorkers.metrics).
    const registry = new Registry();
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
    const inventory = new InventorySource(join(options.dataDir, INVENTORY_FILE), options.inventory);
    const accessLog = options.accessLog === undefined || options.accessLog === false ? undefined : openAccessLog(options.accessLog === true ? 'stdout' : options.accessLog);
    const dp = createDataPlane({
      port: options.port,
      host: options.host ?? '127.0.0.1',
      functionsFile: join(options.dataDir, FUNCTIONS_FILE),
      ossFile: join(options.dataDir, OSS_FILE),
      ossRoot: join(options.dataDir, OSS_DIR),
      nonceFile: join(options.dataDir, NONCE_FILE),
      ...(opened.rateCounter ? { rateCounter: opened.rateCounter() } : { counterFile: join(options.dataDir, COUNTER_FILE) }),
      ...(opened.nonceLedger ? { replayNonces: opened.nonceLedger() } : {}),
      metrics: registry,
      ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
      ...(options.tlsPort === undefined ? {} : { tlsPort: options.tlsPort }),
      ...(options.exclusivePorts ? { exclusivePorts: true } : {}),
      ...(options.reusePort === undefined ? {} : { reusePort: options.reusePort }),
      ...(options.functions === undefined ? {} : { functions: options.functions }),
      ...(options.oss === undefined ? {} : { oss: options.oss }),
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
      ...(accessLog ? { accessLog: accessLog.stream } : {}),
    });
    plane = dp;
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      dp.close().then(
        async () => {
          await opened.close();
          accessLog?.close();
          process.exit(0);
        },
        () => process.exit(1),
      );
    };
    // The primary is gone (crashed or killed): stop rather than serve a frozen state forever.
    process.on('disconnect', stop);
    // Ctrl-C and service managers signal the whole process group: finish in-flight requests first.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('message', async (msg: ToWorker) => {
      if (msg.type === 'apigw:revision') {
        if (msg.revision <= dp.revision || stopping) return;
        try {
          const view = await opened.readView();
          // Reading and compiling a large commit each hold this worker up: requests that arrived
          // during the read are answered before the compile starts.
          await new Promise<void>((resolve) => setImmediate(resolve));
          // A later announcement's view may have been taken meanwhile: never step back.
          if (stopping || view.revision <= dp.revision) return;
          dp.update(view, inventory.read());
          send({ type: 'apigw:served', revision: dp.revision });
        } catch (err) {
          process.stderr.write(`apigw worker ${process.pid}: cannot load revision ${msg.revision}: ${(err as Error).message}\n`);
        }
      } else if (msg.type === 'apigw:reopen-logs') {
        accessLog?.reopen();
      } else if (msg.type === 'apigw:stop') {
        stop();
      }
    });
    doing = 'reading the state';
    dp.update(await opened.readView(), inventory.read());
    doing = 'binding its ports';
    const bound = await dp.listen();
    send({ type: 'apigw:listening', port: bound.port, ...(bound.tlsPort === undefined ? {} : { tlsPort: bound.tlsPort }), revision: dp.revision });
  } catch (err) {
    send({ type: 'apigw:failed', message: `${doing}: ${(err as Error).message}` });
    await plane?.close().catch(() => undefined);
    await store?.close();
    process.exit(1);
  }
}

if (require.main === module && cluster.isWorker && process.env[CONFIG_ENV] !== undefined) {
  void runDataPlaneWorker();
}
