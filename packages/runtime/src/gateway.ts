/**
 * `createGateway`: the whole runtime in one process — the durable store,
 * the admin API and the data plane. After every commit the data plane is
 * handed a fresh StateView, so a change is live as soon as its batch
 * returns.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AdminCore } from './admin/core';
import { createMetrics } from './admin/metrics';
import { consoleRoutes } from './admin/console';
import { AdminServer, type AdminTls } from './admin/server';
import { resolveAdminToken } from './admin/token';
import type { GatewayClient } from './client/gateway-client';
import { InProcessGatewayClient } from './client/in-process-client';
import { createDataPlane, InventorySource, NONCE_FILE } from './dataplane';
import type { FunctionConfig } from './dataplane/backends/function/config';
import type { ExternalBucketConfig } from './dataplane/backends/oss/config';
import type { DataPlane, DataPlaneOptions } from './dataplane/data-plane';
import { FUNCTIONS_FILE, INVENTORY_FILE, OSS_DIR, OSS_FILE } from './data-dir';
import { DataDirLock } from './data-dir-lock';
import { RuntimeError } from './errors';
import type { StateView } from './model';
import type { CommitListener, NodeStatus, StoreEngine } from './store/engine';
import { openStoreEngine } from './store/open';

export { INVENTORY_FILE, FUNCTIONS_FILE, OSS_FILE, OSS_DIR };

/** How to run a gateway. */
export interface GatewayOptions {
  /** Directory of the durable state (`gateway.db`, unless `store` names a database), the admin token and the inventory file. */
  readonly dataDir: string;
  /**
   * Where the state lives: a `postgres://` URL puts it in PostgreSQL, shared
   * by every gateway node pointed at the same database.
   * @default APIGW_STORE, else SQLite in `dataDir`
   */
  readonly store?: string;
  /** Data-plane HTTP port (0: any free port). @default 8080 */
  readonly port?: number;
  /** Admin API port (0: any free port). @default 9080 */
  readonly adminPort?: number;
  /** Address the data plane listens on. @default '127.0.0.1' */
  readonly host?: string;
  /** Address the admin API listens on. @default '127.0.0.1' */
  readonly adminHost?: string;
  /** Serve the admin API over HTTPS with this certificate and key (PEM). @default plain HTTP */
  readonly adminTls?: AdminTls;
  /**
   * Allow plain HTTP on an admin address other than loopback (the token
   * then crosses the network in clear). Without it, such a gateway does not start.
   * @default false
   */
  readonly adminInsecure?: boolean;
  /** Admin token. @default APIGW_ADMIN_TOKEN, else `<dataDir>/admin.token` (generated once) */
  readonly adminToken?: string;
  /** VPC instance id -> address; wins over `<dataDir>/inventory.json`. */
  readonly inventory?: Readonly<Record<string, string>>;
  /**
   * Function table: `service/function[@qualifier]` -> `{ codeDir, handler, timeoutSeconds, memoryMB }`
   * or `{ invokeUrl }`; wins over `<dataDir>/functions.json`.
   */
  readonly functions?: Readonly<Record<string, FunctionConfig>>;
  /**
   * External buckets: bucket -> `{ endpoint, region, bucket }` of an
   * S3/OSS-compatible endpoint; wins over `<dataDir>/oss.json`. Other buckets
   * live in `<dataDir>/oss`.
   */
  readonly oss?: Readonly<Record<string, ExternalBucketConfig>>;
  /** Data-plane HTTPS port, served for group domains with certificates. */
  readonly tlsPort?: number;
  /** How often a node on a shared store writes its heartbeat (what the console's node list shows), in ms. @default 5000 */
  readonly heartbeatMs?: number;
  /** Largest admin request body, in bytes. @default 16 MiB */
  readonly adminMaxBodyBytes?: number;
  /** Prometheus registry for the admin and data-plane metrics. @default a new one */
  readonly metrics?: Registry;
  /** Also collect Node.js process metrics into the registry. @default false */
  readonly processMetrics?: boolean;
  /**
   * Where the gateway logs what it does (startup, failed snapshot updates).
   * @default none: a failed snapshot update is then a process warning
   */
  readonly logger?: Logger;
  /**
   * More data-plane options (access log, limits, instance id...), or
   * `false` to run no data plane in this process (when worker processes
   * serve traffic: they read the store and follow `onCommit`).
   */
  readonly dataPlane?: false | Partial<Omit<DataPlaneOptions, 'port' | 'host' | 'tlsPort' | 'inventory' | 'functions' | 'oss' | 'metrics'>>;
}

/** A running gateway. */
export interface Gateway {
  /** The in-process admin client (same interface as HttpGatewayClient). */
  readonly client: GatewayClient;
  /** Base URL of the admin API (`http://127.0.0.1:9080`). */
  readonly adminUrl: string;
  /** Base URL of the data plane (`http://127.0.0.1:8080`); empty when this process runs none. */
  readonly dataUrl: string;
  /** Bound data-plane HTTPS port, when one is served. */
  readonly tlsPort?: number;
  /** The admin token. */
  readonly adminToken: string;
  /** Revision of the committed state. */
  readonly revision: number;
  /** The Prometheus registry behind `/metrics`. */
  readonly metrics: Registry;
  /** The store (for embedding: read views, commits). */
  readonly store: StoreEngine;
  /** Appends metric text from elsewhere (data-plane worker processes) to `/metrics`. */
  addMetricsSource(source: () => Promise<string>): void;
  /**
   * Tells the gateway where worker processes serve its data plane when this
   * process runs none, so the console's Debug page can call it.
   */
  setWorkersDataUrl(url: string): void;
  /**
   * Has every change made through the admin API (or `client`) answered
   * only once `served(revision)` settles: when worker processes serve the
   * data plane, a client can then call what it just changed, as it can
   * when this process serves it (its snapshot is swapped within the commit).
   */
  awaitServed(served: (revision: number) => Promise<void>): void;
  /** Subscribes to commits (after the data plane has the new state); returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void;
  /** Stops the admin API and the data plane (in-flight requests finish), then closes the store. */
  close(): Promise<void>;
}

/** `http://host:port`, with an IPv6 host in brackets. */
export function urlOf(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Whether an address only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * Locks the data directory (DataDirLockedError when another running
 * gateway holds it), opens the store, starts the admin API and the data plane.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  const adminHost = options.adminHost ?? '127.0.0.1';
  if (!options.adminTls && !options.adminInsecure && !isLoopback(adminHost))
    throw new RuntimeError(
      'APIGW_ADMIN_INSECURE',
      `the admin API would listen on ${adminHost} over plain HTTP, where the admin token crosses the network in clear: give it a certificate (--admin-tls-cert/--admin-tls-key), or allow it explicitly (--admin-insecure)`,
    );
  const lock = DataDirLock.acquire(options.dataDir);
  let store: StoreEngine;
  let adminToken: string;
  try {
    adminToken = resolveAdminToken(options.dataDir, options.adminToken);
    store = await openStoreEngine({ dataDir: options.dataDir, ...(options.store === undefined ? {} : { store: options.store }), ...(options.logger ? { logger: options.logger } : {}) });
  } catch (error) {
    lock.release();
    throw error;
  }
  const metrics = createMetrics({ ...(options.metrics ? { registry: options.metrics } : {}), defaultMetrics: options.processMetrics ?? false });
  /** What a committed change waits for before it is answered (see Gateway.awaitServed). */
  let whenServed: ((revision: number) => Promise<void>) | undefined;
  const core = new AdminCore(store, (revision) => whenServed?.(revision));
  // Read beside the store at every commit; an unusable file keeps the data plane on its snapshot and /readyz says why.
  const inventory = new InventorySource(join(options.dataDir, INVENTORY_FILE), options.inventory);
  let ready = false;
  let closing = false;
  let dataUrl = '';
  let adminUrl = '';
  /** The revision the in-process data plane serves (the store's, when worker processes serve). */
  let served: number | undefined;
  const notReadyBecause = (): string | null => {
    const health = store.health();
    return health.ready ? (inventory.problem?.message ?? null) : (health.reason ?? 'the store is not ready');
  };
  const nodeId = randomUUID();
  const startedAt = new Date().toISOString();
  const node = (): NodeStatus => {
    const problem = ready ? notReadyBecause() : closing ? 'stopping' : 'starting';
    return {
      id: nodeId,
      hostname: hostname(),
      pid: process.pid,
      adminUrl,
      startedAt,
      revision: served ?? store.revision,
      ready: problem === null,
      ...(problem === null ? {} : { reason: problem }),
    };
  };
  const consoleHost = { dataUrl: () => dataUrl, node, ...(options.logger ? { audit: options.logger } : {}) };
  const admin = new AdminServer({
    core,
    token: adminToken,
    metrics,
    ready: () => ready,
    notReadyBecause,
    routes: consoleRoutes(consoleHost),
    ...(options.adminMaxBodyBytes ? { maxBodyBytes: options.adminMaxBodyBytes } : {}),
    ...(options.adminTls ? { tls: options.adminTls } : {}),
  });
  let dataPlane: DataPlane | undefined;
  try {
    let bound: { port: number; tlsPort?: number } | undefined;
    if (options.dataPlane !== false) {
      const plane = createDataPlane({
        ...options.dataPlane,
        port: options.port ?? 8080,
        host,
        functionsFile: join(options.dataDir, FUNCTIONS_FILE),
        // A store several nodes share counts traffic-control calls for all of them.
        ...(store.rateCounter && options.dataPlane?.rateCounter === undefined ? { rateCounter: store.rateCounter() } : {}),
        ossFile: join(options.dataDir, OSS_FILE),
        ossRoot: join(options.dataDir, OSS_DIR),
        // Anti-replay nonces outlive the process: a captured request stays refused after a restart or a crash.
        nonceFile: join(options.dataDir, NONCE_FILE),
        ...(store.nonceLedger && options.dataPlane?.replayNonces === undefined ? { replayNonces: store.nonceLedger() } : {}),
        metrics: metrics.registry,
        ...(options.tlsPort === undefined ? {} : { tlsPort: options.tlsPort }),
        ...(options.functions ? { functions: options.functions } : {}),
        ...(options.oss ? { oss: options.oss } : {}),
      });
      dataPlane = plane;
      const first = await store.readView();
      plane.update(first, inventory.read());
      served = first.revision;
      const follow = followCommits((revision) => {
        const started = process.hrtime.bigint();
        const failed = (error: unknown): void => {
          // The data plane keeps serving its previous snapshot; the state is committed regardless.
          if (options.logger) options.logger.error({ err: error, revision }, 'data plane could not compile the new state');
          else process.emitWarning(`apigw data plane could not take revision ${revision}: ${(error as Error).message}`, 'ApigwWarning');
        };
        const take = (view: StateView): void => {
          try {
            plane.update(view, inventory.read());
            served = view.revision;
            metrics.dataPlaneUpdate.observe(Number(process.hrtime.bigint() - started) / 1e9);
          } catch (error) {
            failed(error);
          }
        };
        try {
          const view = store.readView();
          if (!(view instanceof Promise)) return take(view);
          return view.then(take, failed);
        } catch (error) {
          return failed(error);
        }
      });
      store.onCommit(follow);
      bound = await plane.listen();
      dataUrl = urlOf(host, bound.port);
    } else {
      // Worker processes read the file themselves; this process reports it by /readyz.
      const check = (): void => {
        try {
          inventory.read();
        } catch {
          // Kept in inventory.problem.
        }
      };
      check();
      store.onCommit(check);
    }
    const adminPort = await admin.listen(options.adminPort ?? 9080, adminHost);
    adminUrl = urlOf(adminHost, adminPort, options.adminTls ? 'https' : 'http');
    ready = true;
    store.startHeartbeat?.(node, options.heartbeatMs);
    const gateway: Gateway = {
      client: new InProcessGatewayClient(core),
      adminUrl,
      dataUrl: bound ? urlOf(host, bound.port) : '',
      ...(bound?.tlsPort === undefined ? {} : { tlsPort: bound.tlsPort }),
      adminToken,
      get revision() {
        return store.revision;
      },
      metrics: metrics.registry,
      store,
      setWorkersDataUrl: (url) => {
        if (!bound) dataUrl = url;
      },
      awaitServed: (served) => {
        whenServed = served;
      },
      addMetricsSource: (source) => {
        metrics.external.push(source);
      },
      onCommit: (listener) => store.onCommit(listener),
      close: async () => {
        ready = false;
        closing = true;
        await Promise.all([admin.close(), dataPlane?.close()]);
        await store.close();
        lock.release();
      },
    };
    options.logger?.info({ adminUrl: gateway.adminUrl, dataUrl: gateway.dataUrl, revision: store.revision }, 'gateway started');
    return gateway;
  } catch (error) {
    await Promise.allSettled([admin.close(), dataPlane?.close()]);
    await store.close();
    lock.release();
    throw error;
  }
}

/**
 * A commit listener that runs `update` for the latest revision heard, one
 * update at a time; it returns what an asynchronous store waits for (the
 * update that covers the revision). Commits heard while an update runs are
 * taken together by the next one. With a synchronous store the update
 * completes within the commit (the data plane serves the change when the
 * batch returns).
 */
function followCommits(update: (revision: number) => void | Promise<void>): CommitListener {
  let running: Promise<void> | undefined;
  let queued: { revision: number; done: Promise<void> } | undefined;
  const start = (revision: number): void | Promise<void> => {
    const done = update(revision);
    if (!(done instanceof Promise)) return;
    const finished = done.finally(() => {
      running = undefined;
    });
    running = finished;
    return finished;
  };
  return (revision) => {
    if (!running) return start(revision);
    if (queued) {
      queued.revision = Math.max(queued.revision, revision);
      return queued.done;
    }
    const next: { revision: number; done: Promise<void> } = { revision, done: Promise.resolve() };
    next.done = running.then(() => {
      queued = undefined;
      return start(next.revision);
    });
    queued = next;
    return next.done;
  };
}
