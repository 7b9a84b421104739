/**
 * Runs the data plane in N worker processes that share one listening port
 * (node:cluster, round-robin accept in the primary), as nginx and Kong run
 * one worker per core.
 *
 * The primary owns the store and the admin API. Each worker opens the store
 * read-only, serves `readView()`, and reloads when the primary announces a
 * new revision over IPC (it also reads the view after subscribing, so a
 * commit made while it starts is never missed). A worker that dies is
 * replaced; the others keep serving.
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
import { createDataPlane, InventorySource, NONCE_FILE } from './dataplane';
import type { FunctionConfig } from './dataplane/backends/function/config';
import type { ExternalBucketConfig } from './dataplane/backends/oss/config';
import type { DataPlane } from './dataplane/data-plane';
import { FUNCTIONS_FILE, INVENTORY_FILE, OSS_DIR, OSS_FILE } from './data-dir';
import { RuntimeError } from './errors';
import { openStore, type GatewayStore } from './store';

/** What every worker runs. Plain data: it travels to the workers in their environment. */
export interface DataPlaneWorkersOptions {
  /** Data directory of the primary's store (opened read-only) and of `inventory.json`. */
  readonly dataDir: string;
  /** Shared data-plane HTTP port (0: one free port shared by all workers). */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Shared HTTPS port, when group domains carry certificates. */
  readonly tlsPort?: number;
  /** Number of worker processes. @default one per core (`os.availableParallelism()`) */
  readonly workers?: number;
  /** VPC instance id -> address; wins over `<dataDir>/inventory.json`. */
  readonly inventory?: Readonly<Record<string, string>>;
  /** Function table; wins over `<dataDir>/functions.json`. */
  readonly functions?: Readonly<Record<string, FunctionConfig>>;
  /** External buckets; win over `<dataDir>/oss.json`. */
  readonly oss?: Readonly<Record<string, ExternalBucketConfig>>;
  /** Largest request body forwarded, in bytes. */
  readonly maxBodyBytes?: number;
  /** Write the JSON access log of each worker to its stdout. @default false */
  readonly accessLog?: boolean;
  /** Script the workers run: this module's compiled file. @default this file */
  readonly workerScript?: string;
}

/** Why the workers could not start. */
export class WorkersStartError extends RuntimeError {
  constructor(message: string) {
    super('APIGW_WORKERS_START', message);
  }
}

const CONFIG_ENV = 'APIGW_DATA_PLANE_WORKER';
const STOP_GRACE_MS = 15_000;
/** A worker that dies sooner than this after starting is replaced after a pause, not at once. */
const RESPAWN_PAUSE_MS = 1_000;

type ToWorker = { readonly type: 'apigw:revision'; readonly revision: number } | { readonly type: 'apigw:stop' };
type FromWorker =
  | { readonly type: 'apigw:listening'; readonly port: number; readonly tlsPort?: number; readonly revision: number }
  | { readonly type: 'apigw:served'; readonly revision: number }
  | { readonly type: 'apigw:failed'; readonly message: string };

interface WorkerState {
  readonly worker: Worker;
  readonly startedAt: number;
  revision: number;
  listening: boolean;
}

/**
 * The running workers. Emits `served` (pid, revision) when a worker serves
 * a revision, `exit` (pid) when a worker died (connections it had accepted
 * are lost; new ones go to the others), `replaced` (oldPid, newPid) when a
 * dead worker was replaced, and `error` (Error) when a replacement fails to
 * start.
 */
export class DataPlaneWorkers extends EventEmitter {
  private readonly states = new Map<number, WorkerState>();
  private closing = false;
  private latest = 0;
  private aggregator: AggregatorRegistry<PrometheusContentType> | null = null;
  /** Stops the commit subscription made by attachDataPlaneWorkers. */
  detach: (() => void) | null = null;
  /** Shared data-plane port. */
  port = 0;
  /** Shared HTTPS port, when served. */
  tlsPort: number | undefined;

  constructor(private readonly options: DataPlaneWorkersOptions, private readonly count: number) {
    super();
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

  /**
   * The workers' request metrics (`apigw_requests_total`,
   * `apigw_request_duration_seconds`) summed over all workers, in the
   * Prometheus text format: what the admin API's `/metrics` appends.
   */
  metrics(): Promise<string> {
    this.aggregator ??= new AggregatorRegistry();
    return this.aggregator.clusterMetrics();
  }

  /** Resolves when every live worker serves `revision` or newer (rejects after `timeoutMs`). */
  whenServed(revision: number, timeoutMs = 10_000): Promise<void> {
    if (this.allServe(revision)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!this.allServe(revision)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`workers did not serve revision ${revision} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('served', check);
        this.off('replaced', check);
      };
      this.on('served', check);
      this.on('replaced', check);
    });
  }

  private allServe(revision: number): boolean {
    if (this.states.size < this.count) return false;
    for (const s of this.states.values()) if (!s.listening || s.revision < revision) return false;
    return true;
  }

  /** Forks the workers; resolves when all listen. */
  async start(): Promise<this> {
    cluster.setupPrimary({ exec: this.options.workerScript ?? __filename, execArgv: [], silent: false });
    cluster.on('exit', this.onExit);
    const started = Array.from({ length: this.count }, () => this.fork());
    try {
      await Promise.all(started);
    } catch (err) {
      await this.close();
      throw err;
    }
    return this;
  }

  private fork(): Promise<WorkerState> {
    const config = JSON.stringify({ ...this.options, workers: undefined, workerScript: undefined });
    const worker = cluster.fork({ [CONFIG_ENV]: config });
    const state: WorkerState = { worker, startedAt: Date.now(), revision: 0, listening: false };
    this.states.set(worker.id, state);
    return new Promise((resolve, reject) => {
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'apigw:listening':
            state.listening = true;
            state.revision = msg.revision;
            this.port = msg.port;
            this.tlsPort = msg.tlsPort;
            if (msg.revision < this.latest) worker.send({ type: 'apigw:revision', revision: this.latest } satisfies ToWorker);
            resolve(state);
            this.emit('served', worker.process.pid, msg.revision);
            break;
          case 'apigw:served':
            state.revision = msg.revision;
            this.emit('served', worker.process.pid, msg.revision);
            break;
          case 'apigw:failed':
            reject(new WorkersStartError(`data-plane worker ${worker.process.pid} failed: ${msg.message}`));
            break;
        }
      });
      worker.once('exit', (code) => reject(new WorkersStartError(`data-plane worker ${worker.process.pid} exited with code ${code} before listening`)));
    });
  }

  private readonly onExit = (worker: Worker): void => {
    const state = this.states.get(worker.id);
    if (state === undefined) return;
    this.states.delete(worker.id);
    if (this.closing) return;
    this.emit('exit', worker.process.pid);
    const replace = (): void => {
      if (this.closing) return;
      this.fork().then(
        (next) => this.emit('replaced', worker.process.pid, next.worker.process.pid),
        (err: Error) => this.emit('error', err),
      );
    };
    if (Date.now() - state.startedAt < RESPAWN_PAUSE_MS) setTimeout(replace, RESPAWN_PAUSE_MS).unref();
    else replace();
  };

  /** Stops every worker (each finishes its in-flight requests). */
  async close(): Promise<void> {
    this.closing = true;
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
          if (s.worker.isConnected()) s.worker.send({ type: 'apigw:stop' } satisfies ToWorker);
          else s.worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    this.states.clear();
  }
}

/**
 * Forks the data-plane workers (in the primary, next to the store and the
 * admin API) and resolves when every worker listens.
 */
export function startDataPlaneWorkers(options: DataPlaneWorkersOptions): Promise<DataPlaneWorkers> {
  if (!cluster.isPrimary) return Promise.reject(new WorkersStartError('data-plane workers are started from the primary process'));
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) return Promise.reject(new WorkersStartError(`workers must be a positive integer, not ${count}`));
  return new DataPlaneWorkers(options, count).start();
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
export async function attachDataPlaneWorkers(gateway: CommitSource, options: DataPlaneWorkersOptions): Promise<DataPlaneWorkers> {
  const workers = await startDataPlaneWorkers(options);
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
  let store: GatewayStore | undefined;
  let plane: DataPlane | undefined;
  try {
    const options = JSON.parse(process.env[CONFIG_ENV] ?? '{}') as DataPlaneWorkersOptions;
    store = openStore(options.dataDir, { readOnly: true });
    const opened = store;
    // The primary collects this registry from every worker (DataPlaneWorkers.metrics).
    const registry = new Registry();
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
    const inventory = new InventorySource(join(options.dataDir, INVENTORY_FILE), options.inventory);
    const dp = createDataPlane({
      port: options.port,
      host: options.host ?? '127.0.0.1',
      functionsFile: join(options.dataDir, FUNCTIONS_FILE),
      ossFile: join(options.dataDir, OSS_FILE),
      ossRoot: join(options.dataDir, OSS_DIR),
      nonceFile: join(options.dataDir, NONCE_FILE),
      metrics: registry,
      ...(options.tlsPort === undefined ? {} : { tlsPort: options.tlsPort }),
      ...(options.functions === undefined ? {} : { functions: options.functions }),
      ...(options.oss === undefined ? {} : { oss: options.oss }),
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
      ...(options.accessLog === true ? { accessLog: process.stdout } : {}),
    });
    plane = dp;
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      dp.close().then(
        () => {
          opened.close();
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
    process.on('message', (msg: ToWorker) => {
      if (msg.type === 'apigw:revision') {
        if (msg.revision <= dp.revision || stopping) return;
        try {
          dp.update(opened.readView(), inventory.read());
          send({ type: 'apigw:served', revision: dp.revision });
        } catch (err) {
          process.stderr.write(`apigw worker ${process.pid}: cannot load revision ${msg.revision}: ${(err as Error).message}\n`);
        }
      } else if (msg.type === 'apigw:stop') {
        stop();
      }
    });
    dp.update(opened.readView(), inventory.read());
    const bound = await dp.listen();
    send({ type: 'apigw:listening', port: bound.port, ...(bound.tlsPort === undefined ? {} : { tlsPort: bound.tlsPort }), revision: dp.revision });
  } catch (err) {
    send({ type: 'apigw:failed', message: (err as Error).message });
    await plane?.close().catch(() => undefined);
    store?.close();
    process.exit(1);
  }
}

if (require.main === module && cluster.isWorker && process.env[CONFIG_ENV] !== undefined) {
  void runDataPlaneWorker();
}
