/**
 * The data plane: HTTP (and, when asked, HTTPS) servers that answer every
 * request from the current routing snapshot. `update` compiles a StateView
 * and swaps the snapshot by replacing one reference; requests already under
 * way keep the snapshot they started with.
 */
import { createHash } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import { createServer as createNetServer, type BlockList, type ListenOptions, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Pool } from 'undici';
import type { StateView } from '../model';
import { emptySnapshot, SnapshotCompiler, type Snapshot } from '../snapshot/snapshot';
import { poolKey } from './backends/proxy';
import { createUpstreamPool } from './backends/upstream-pool';
import { FunctionHost } from './backends/function/host';
import { ObjectStorage } from './backends/oss/oss-backend';
import { compileTarget, createBackendRegistry, type BackendRegistry } from './backends/registry';
import type { DataPlane, DataPlaneOptions } from './data-plane';
import { ErrorAnswer, nextRequestId, type Exchange } from './exchange';
import { loadInventoryFile, type Inventory } from './inventory';
import { requestClass } from './incoming';
import { handleRequest, refuseRequest } from './pipeline';
import { GATEWAY_ERRORS } from './gateway-errors';
import { NonceStore, type NonceLedger } from './nonce-store';
import { blockListOf } from './plugins/ip-control';
import { MemoryRateCounter, type RateCounter } from './plugins/rate-counter';
import { SharedRateCounter } from './plugins/shared-rate-counter';
import { SharedNonceStore } from './shared-nonce-store';
import { accessLineSink, accessLogger, DataPlaneMetrics, ExchangeObserver } from './observability';
import type { GatewayRuntime } from './exchange';

/** Default largest request body: 8 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
const CLOSE_GRACE_MS = 10_000;
const EXPECTATION_FAILED = new ErrorAnswer('EXPECTATION_FAILED');

function rawError(status: number, code: string, message: string): string {
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
    `X-Ca-Request-Id: ${nextRequestId()}\r\n` +
    `X-Ca-Error-Code: ${code}\r\nX-Ca-Error-Message: ${message}\r\n` +
    'Content-Length: 0\r\nConnection: close\r\n\r\n'
  );
}

/** The data plane. Create it with `createDataPlane`. */
export class GatewayDataPlane implements DataPlane, GatewayRuntime {
  snapshot: Snapshot = emptySnapshot();
  readonly nonces: NonceLedger;
  readonly replayNonces: NonceLedger;
  readonly maxBodyBytes: number;
  readonly maxResponseBytes: number;
  readonly instanceId: string;
  readonly revealErrorDetail: boolean;
  readonly rateCounter: RateCounter;
  readonly trustedProxies: BlockList | null;
  readonly now: () => number;
  private readonly pools = new Map<string, Pool>();
  /** TLS contexts by sha256 of certificate and key, kept from one snapshot to the next. */
  private readonly secureContexts = new Map<string, SecureContext>();
  /** Compiles each view against what it compiled from the previous one. */
  private readonly compiler: SnapshotCompiler;
  private readonly logger: Logger | null;
  private readonly observer: ExchangeObserver;
  /** The inventory targets compile against (`options.inventory` entries win). */
  private inventory: Inventory;
  private readonly httpServer: Server;
  private httpsServer: HttpsServer | null = null;
  private readonly registry: BackendRegistry;
  private listening = false;
  private closed = false;

  /** Runs the event functions of FUNCTION backends. */
  private readonly functions: FunctionHost;
  /** Embedded and external buckets of OSS backends. */
  private readonly objects: ObjectStorage;

  constructor(private readonly options: DataPlaneOptions, registry?: BackendRegistry) {
    this.functions = new FunctionHost({
      ...(options.functions === undefined ? {} : { functions: options.functions }),
      ...(options.functionsFile === undefined ? {} : { functionsFile: options.functionsFile }),
      onReloadError: (err) => this.reportConfigError(err),
    });
    this.objects = new ObjectStorage({
      ...(options.ossRoot === undefined ? {} : { root: options.ossRoot }),
      ...(options.oss === undefined ? {} : { oss: options.oss }),
      ...(options.ossFile === undefined ? {} : { ossFile: options.ossFile }),
      onReloadError: (err) => this.reportConfigError(err),
    });
    registry ??= createBackendRegistry({ functions: this.functions, objects: this.objects });
    this.registry = registry;
    this.compiler = new SnapshotCompiler(
      (service, env, ctx) => compileTarget(registry, service, env, ctx),
      (cert, key) => {
        const id = createHash('sha256').update(cert).update('\0').update(key).digest('hex');
        let ctx = this.secureContexts.get(id);
        if (ctx === undefined) this.secureContexts.set(id, (ctx = createSecureContext({ cert, key })));
        return ctx;
      },
    );
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxResponseBytes = options.maxResponseBytes ?? Infinity;
    this.instanceId = options.instanceId ?? hostname();
    this.revealErrorDetail = options.revealErrorDetail === true;
    this.nonces = new NonceStore({ maxEntries: options.nonceCapacity ?? 100_000 });
    this.replayNonces = options.replayNonces ?? (options.nonceFile === undefined ? this.nonces : new SharedNonceStore(options.nonceFile, { maxEntriesPerApp: options.nonceCapacity ?? 100_000 }));
    this.rateCounter = options.rateCounter ?? (options.counterFile === undefined ? new MemoryRateCounter() : new SharedRateCounter(options.counterFile));
    this.trustedProxies = options.trustedProxies === undefined || options.trustedProxies.length === 0 ? null : blockListOf(options.trustedProxies);
    this.now = options.clock ?? Date.now;
    this.logger = accessLogger(options.accessLog);
    this.observer = new ExchangeObserver(this.logger, accessLineSink(options.accessLog), options.metrics === undefined ? null : new DataPlaneMetrics(options.metrics));
    this.inventory = { ...(options.inventoryFile === undefined ? {} : loadInventoryFile(options.inventoryFile)), ...options.inventory };
    // A request without Host is answered by the pipeline, with the gateway's error contract.
    const serverOptions = { maxHeaderSize: options.maxHeaderBytes ?? 16_384, requestTimeout: 60_000, requireHostHeader: false, IncomingMessage: requestClass() };
    this.httpServer = createServer(serverOptions, this.onHttpRequest);
    this.httpServer.on('clientError', onClientError);
    this.httpServer.on('checkContinue', this.onHttpContinue);
    this.httpServer.on('checkExpectation', this.onHttpExpectation);
    this.httpServer.on('connect', refuseConnect);
    if (options.tlsPort !== undefined) {
      this.httpsServer = createHttpsServer({ ...serverOptions, SNICallback: this.sni }, this.onHttpsRequest);
      this.httpsServer.on('clientError', onClientError);
      this.httpsServer.on('checkContinue', this.onHttpsContinue);
      this.httpsServer.on('checkExpectation', this.onHttpsExpectation);
      this.httpsServer.on('connect', refuseConnect);
      this.httpsServer.on('tlsClientError', noop);
    }
  }

  get revision(): number {
    return this.snapshot.revision;
  }

  private readonly onHttpRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handleRequest(this, req, res, false);
  };

  private readonly onHttpsRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handleRequest(this, req, res, true);
  };

  /** `Expect: 100-continue`: the pipeline sends the 100 once the request passed its checks. */
  private readonly onHttpContinue = (req: IncomingMessage, res: ServerResponse): void => {
    handleRequest(this, req, res, false, true);
  };

  private readonly onHttpsContinue = (req: IncomingMessage, res: ServerResponse): void => {
    handleRequest(this, req, res, true, true);
  };

  /** An Expect the gateway cannot meet: 417 with the error contract (Node's own answer has none). */
  private readonly onHttpExpectation = (req: IncomingMessage, res: ServerResponse): void => {
    refuseRequest(this, req, res, false, EXPECTATION_FAILED);
  };

  private readonly onHttpsExpectation = (req: IncomingMessage, res: ServerResponse): void => {
    refuseRequest(this, req, res, true, EXPECTATION_FAILED);
  };

  /** Picks the certificate of the SNI name; a name without one (or no SNI at all) fails the handshake. */
  private readonly sni = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    const ctx = this.snapshot.certificates.get(servername.toLowerCase());
    if (ctx === undefined) cb(new Error(`no certificate for ${servername}`));
    else cb(null, ctx);
  };

  /**
   * Compiles the view and swaps it in; pools of origins no longer used are
   * closed once idle. The compiler reuses what it made of every object the
   * view shares with the previous one, so a commit costs what it changed.
   * Reads no file: a new `inventory` replaces the one targets compile
   * against (`options.inventory` entries still win), none keeps it.
   */
  update(view: StateView, inventory?: Inventory): void {
    if (inventory !== undefined) this.inventory = this.options.inventory === undefined ? inventory : { ...inventory, ...this.options.inventory };
    this.functions.refresh();
    this.objects.refresh();
    const previous = this.snapshot;
    const next = this.compiler.compile(view, this.inventory);
    this.snapshot = next;
    if (next.certificates !== previous.certificates) {
      // TLS contexts are reused across commits; those no longer served are dropped.
      const served = new Set(next.certificates.values());
      for (const [id, ctx] of this.secureContexts) if (!served.has(ctx)) this.secureContexts.delete(id);
    }
    if (next.backends !== previous.backends) {
      const registry = this.registry;
      const used = new Set<string>();
      for (const backend of next.backends.values()) {
        const module = registry[backend.service.type];
        for (const t of backend.targets) {
          if (t !== null && t.value !== null && module?.origins !== undefined) for (const o of module.origins(t.value)) used.add(o);
        }
      }
      for (const [key, pool] of this.pools) {
        if (!used.has(key)) {
          this.pools.delete(key);
          pool.close().catch(noop);
        }
      }
    }
    if (next.warnings.length > 0 && this.logger !== null) this.logger.warn({ revision: next.revision, warnings: next.warnings }, 'snapshot compiled with warnings');
  }

  pool(origin: string, servername: string | null): Pool {
    const key = poolKey(origin, servername);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = createUpstreamPool(origin, servername);
      this.pools.set(key, pool);
    }
    return pool;
  }

  observe(ex: Exchange): void {
    this.observer.observe(ex);
  }

  /** A runtime configuration file changed into something unusable; the previous configuration stays. */
  private reportConfigError(err: Error): void {
    if (this.logger !== null) this.logger.warn({ err }, 'runtime configuration not reloaded');
    else process.emitWarning(`apigw: ${err.message}`, 'ApigwWarning');
  }

  logError(ex: Exchange, err: unknown): void {
    this.observer.logError(ex, err);
  }

  async listen(): Promise<{ port: number; tlsPort?: number }> {
    if (this.listening) throw new Error('data plane is already listening');
    this.listening = true;
    const host = this.options.host ?? '127.0.0.1';
    const how = { exclusive: this.options.exclusivePorts ?? false, reusePort: this.options.reusePort };
    const port = await listenOn(this.httpServer, this.options.port, host, how);
    if (this.httpsServer === null) return { port };
    const tlsPort = await listenOn(this.httpsServer, this.options.tlsPort!, host, how);
    return { port, tlsPort };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const servers: (Server | HttpsServer)[] = [this.httpServer];
    if (this.httpsServer !== null) servers.push(this.httpsServer);
    await Promise.all(servers.map((s) => closeServer(s, this.listening)));
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(noop)));
    await Promise.all([this.functions.close(), this.objects.close()]);
    this.pools.clear();
    if (this.options.replayNonces === undefined) this.replayNonces.close?.();
    // A counter handed in by the caller is the caller's to close.
    if (this.options.rateCounter === undefined) await this.rateCounter.close?.();
    this.observer.flush();
  }
}

function noop(): void {}

/** CONNECT (a tunnel request) is never proxied: 405 with the error contract, then the connection closes. */
function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  const info = GATEWAY_ERRORS.UNSUPPORTED_METHOD;
  socket.on('error', noop);
  socket.end(rawError(info.status, info.code, info.message));
}

function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const info =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? GATEWAY_ERRORS.HEADERS_TOO_LARGE
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? GATEWAY_ERRORS.REQUEST_TIMEOUT
        : GATEWAY_ERRORS.INVALID_HEADER;
  socket.end(rawError(info.status, info.code, info.message));
}

/** How a data-plane server binds its port: see DataPlaneOptions' exclusivePorts and reusePort. */
interface Binding {
  readonly exclusive: boolean;
  readonly reusePort: 'claim' | 'join' | undefined;
}

async function listenOn(server: Server | HttpsServer, port: number, host: string, how: Binding): Promise<number> {
  // SO_REUSEPORT lets any socket of this user that asks for it share the port: first show that none holds it.
  const free = how.reusePort === 'claim' ? await bindFree(port, host) : port;
  return bind(server, { port: free, host, exclusive: how.exclusive, reusePort: how.reusePort !== undefined });
}

/** Binds `port` (0: any) without SO_REUSEPORT and lets it go; the port, which no socket held. */
async function bindFree(port: number, host: string): Promise<number> {
  const probe = createNetServer();
  const free = await bind(probe, { port, host, exclusive: true });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

function bind(server: NetServer, options: ListenOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options, () => {
      server.removeListener('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : options.port!);
    });
  });
}

function closeServer(server: Server | HttpsServer, listening: boolean): Promise<void> {
  if (!listening || !server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
