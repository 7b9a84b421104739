/**
 * `apigw serve`: runs the gateway in the foreground, prints where it
 * listens, and stops cleanly (in-flight requests finish, the store closes)
 * on SIGTERM or SIGINT. This process keeps the store and the admin API; the
 * data plane always runs in worker processes sharing the port (cluster.ts),
 * one of them too: a batch is applied in one synchronous SQLite transaction
 * (seconds for tens of thousands of operations) that must not hold up
 * traffic.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCidr } from '@apigw/schema';
import { TOKEN_FILE } from './admin/token';
import { openAccessLog, type AccessLogTarget } from './access-log';
import type { AdminTls } from './admin/server';
import { attachDataPlaneWorkers, MAX_START_FAILURES, type DataPlaneWorkers } from './cluster';
import { RuntimeError } from './errors';
import { createGateway, urlOf, type Gateway } from './gateway';
import { isPostgresUrl } from './store/open';

/** What `apigw serve` runs. */
export interface ServeOptions {
  /** @default `$APIGW_DATA_DIR`, else `./.apigw` */
  readonly dataDir: string;
  /** A `postgres://` URL: the state lives there, shared with every node pointed at it. @default `$APIGW_STORE`, else SQLite in dataDir */
  readonly store?: string;
  /** @default 8080 */
  readonly port: number;
  /** @default 9080 */
  readonly adminPort: number;
  /** Data-plane address. @default '127.0.0.1' */
  readonly host: string;
  /** Admin API address. @default '127.0.0.1' */
  readonly adminHost: string;
  /** PEM certificate chain and key files: the admin API then speaks HTTPS. @default plain HTTP */
  readonly adminTlsCert?: string;
  readonly adminTlsKey?: string;
  /** Allow plain HTTP on a non-loopback admin address. @default false */
  readonly adminInsecure?: boolean;
  /** Access log: `stdout`, `off`, or a file path (reopened on SIGHUP). @default 'stdout' */
  readonly accessLog: AccessLogTarget;
  /**
   * Data-plane worker processes sharing the port, as nginx and Kong run
   * them (never this process, which applies the admin API's changes).
   * @default one per core
   */
  readonly workers: number;
  /** Proxies whose X-Forwarded-For is believed for the client address (CIDR blocks or addresses). @default none */
  readonly trustedProxies?: readonly string[];
  /** Print the usage and exit 0. */
  readonly help?: boolean;
}

/** Where serve writes and which signals stop it (a test passes its own). */
export interface ServeIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly signals: Pick<NodeJS.Process, 'once' | 'on' | 'off'>;
}

/** Usage text of `apigw serve`. */
export const SERVE_USAGE = `usage: apigw serve [--data-dir DIR] [--store postgres://...] [--port 8080] [--admin-port 9080] [--host 127.0.0.1] [--workers N]
                   [--trusted-proxies CIDR,...]
                   [--admin-host 127.0.0.1] [--admin-tls-cert FILE --admin-tls-key FILE] [--admin-insecure] [--access-log stdout|off|FILE]

Runs the embedded gateway in the foreground until SIGTERM or SIGINT.
  --data-dir DIR     durable state, admin.token, inventory.json, functions.json, oss.json and
                     embedded OSS buckets (default $APIGW_DATA_DIR or ./.apigw)
  --store URL        keep the state in PostgreSQL (postgres://user:pass@host:5432/db), shared by
                     every node started with the same URL (default $APIGW_STORE; else SQLite in DIR)
  --port N           data-plane HTTP port (default $APIGW_PORT or 8080; 0: any free port)
  --admin-port N     admin API port (default $APIGW_ADMIN_PORT or 9080; 0: any free port)
  --admin-host ADDR  admin API address (default 127.0.0.1); an address other than loopback needs
                     --admin-tls-cert/--admin-tls-key, or --admin-insecure to allow plain HTTP
  --admin-tls-cert FILE, --admin-tls-key FILE
                     serve the admin API over HTTPS with this PEM certificate chain and key
  --access-log TO    one JSON line per request: stdout (default), off, or a file appended to and
                     reopened on SIGHUP (for log rotation)
  --host ADDR        data-plane address
  --workers N        data-plane worker processes sharing the port (default: one per core); this process
                     keeps the store and the admin API, so a batch applying does not hold up traffic
  --trusted-proxies  comma-separated CIDR blocks of proxies whose X-Forwarded-For names the client (IP_CONTROL, CaClientIp)
The admin token is APIGW_ADMIN_TOKEN, or DIR/admin.token (generated on first start).
`;

/** A command-line mistake of `apigw serve`. */
export class ServeUsageError extends RuntimeError {
  constructor(message: string) {
    super('APIGW_USAGE', message);
  }
}

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new ServeUsageError(`${flag} must be a port number (0-65535), not ${JSON.stringify(value)}`);
  return n;
}

/** Parses `apigw serve` arguments. Throws ServeUsageError. */
export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'data-dir': { type: 'string' },
        store: { type: 'string' },
        port: { type: 'string' },
        'admin-port': { type: 'string' },
        host: { type: 'string' },
        workers: { type: 'string' },
        'trusted-proxies': { type: 'string' },
        'admin-host': { type: 'string' },
        'admin-tls-cert': { type: 'string' },
        'admin-tls-key': { type: 'string' },
        'admin-insecure': { type: 'boolean' },
        'access-log': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ServeUsageError((error as Error).message);
  }
  const store = values.store ?? (env['APIGW_STORE'] || undefined);
  if (store !== undefined && !isPostgresUrl(store))
    throw new ServeUsageError(`${values.store !== undefined ? '--store' : 'APIGW_STORE'} must be a postgres:// URL (leave it unset for SQLite in the data directory)`);
  if ((values['admin-tls-cert'] === undefined) !== (values['admin-tls-key'] === undefined))
    throw new ServeUsageError('--admin-tls-cert and --admin-tls-key go together');
  if (values['access-log'] === '') throw new ServeUsageError('--access-log must be stdout, off or a file path');
  return {
    dataDir: values['data-dir'] ?? env['APIGW_DATA_DIR'] ?? '.apigw',
    ...(store === undefined ? {} : { store }),
    port: port(values.port ?? (env['APIGW_PORT'] || undefined), 8080, values.port !== undefined ? '--port' : 'APIGW_PORT'),
    adminPort: port(values['admin-port'] ?? (env['APIGW_ADMIN_PORT'] || undefined), 9080, values['admin-port'] !== undefined ? '--admin-port' : 'APIGW_ADMIN_PORT'),
    host: values.host ?? '127.0.0.1',
    workers: workerCount(values.workers),
    ...(values['trusted-proxies'] === undefined ? {} : { trustedProxies: cidrList(values['trusted-proxies']) }),
    adminHost: values['admin-host'] ?? '127.0.0.1',
    ...(values['admin-tls-cert'] === undefined ? {} : { adminTlsCert: values['admin-tls-cert'] }),
    ...(values['admin-tls-key'] === undefined ? {} : { adminTlsKey: values['admin-tls-key'] }),
    ...(values['admin-insecure'] ? { adminInsecure: true } : {}),
    accessLog: values['access-log'] ?? 'stdout',
    ...(values.help ? { help: true } : {}),
  };
}

function cidrList(value: string): string[] {
  const blocks = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const block of blocks) {
    const parsed = parseCidr(block);
    if (typeof parsed === 'string') throw new ServeUsageError(`--trusted-proxies: ${parsed}`);
  }
  return blocks;
}

function workerCount(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256) throw new ServeUsageError(`--workers must be a whole number from 1 to 256, not ${JSON.stringify(value)}`);
  return n;
}

/** Reports on `err` what happens to the worker processes: failed starts, deaths and replacements. */
function logWorkers(workers: DataPlaneWorkers, err: NodeJS.WritableStream): void {
  workers.on('startFailed', (pid: number, reason: string, inARow: number) => {
    err.write(`apigw serve: data-plane worker ${pid} failed to start: ${reason}; starting another in 1 s (${inARow} failed in a row; the first start gives up after ${MAX_START_FAILURES})\n`);
  });
  workers.on('exit', (pid: number) => err.write(`apigw serve: data-plane worker ${pid} died; the others keep serving while it is replaced\n`));
  workers.on('replaced', (old: number, pid: number) => err.write(`apigw serve: data-plane worker ${pid} replaces worker ${old}\n`));
}

/**
 * Runs `apigw serve` until a stop signal; resolves with the exit code
 * (0 after a clean stop, 1 when it cannot start, 2 for a usage mistake).
 */
export async function runServe(args: readonly string[] | ServeOptions, io: ServeIo = { out: process.stdout, err: process.stderr, signals: process }): Promise<number> {
  let options: ServeOptions;
  try {
    options = Array.isArray(args) ? parseServeArgs(args as readonly string[]) : (args as ServeOptions);
  } catch (error) {
    io.err.write(`apigw serve: ${(error as Error).message}\n\n${SERVE_USAGE}`);
    return 2;
  }
  if (options.help) {
    io.out.write(SERVE_USAGE);
    return 0;
  }
  let gateway: Gateway;
  let workers: DataPlaneWorkers;
  let adminTls: AdminTls | undefined;
  try {
    if (options.adminTlsCert !== undefined && options.adminTlsKey !== undefined)
      adminTls = { cert: readFileSync(options.adminTlsCert), key: readFileSync(options.adminTlsKey) };
  } catch (error) {
    io.err.write(`apigw serve: cannot read the admin certificate: ${(error as Error).message}\n`);
    return 1;
  }
  // The workers open the log themselves; a file none of them could open is said here, once.
  try {
    openAccessLog(options.accessLog)?.close();
  } catch (error) {
    io.err.write(`apigw serve: cannot open the access log ${options.accessLog}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    gateway = await createGateway({
      dataDir: options.dataDir,
      ...(options.store === undefined ? {} : { store: options.store }),
      port: options.port,
      adminPort: options.adminPort,
      host: options.host,
      processMetrics: true,
      adminHost: options.adminHost,
      ...(adminTls ? { adminTls } : {}),
      ...(options.adminInsecure ? { adminInsecure: true } : {}),
      dataPlane: false,
    });
  } catch (error) {
    io.err.write(`apigw serve: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    workers = await attachDataPlaneWorkers(
      gateway,
      {
        dataDir: options.dataDir,
        ...(options.store === undefined ? {} : { store: options.store }),
        port: options.port,
        host: options.host,
        workers: options.workers,
        // SO_REUSEPORT where the kernel has it: the primary, applying batches, accepts no connection.
        portSharing: process.platform === 'linux' ? 'kernel' : 'primary',
        ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
        ...(options.accessLog === 'off' ? {} : { accessLog: options.accessLog }),
      },
      (w) => logWorkers(w, io.err),
    );
  } catch (error) {
    io.err.write(`apigw serve: cannot start the data-plane workers: ${(error as Error).message}\n`);
    await gateway.close();
    return 1;
  }
  const running = workers;
  gateway.addMetricsSource(() => running.metrics());
  const dataUrl = urlOf(options.host, workers.port);
  gateway.setWorkersDataUrl(dataUrl);
  // A change made through the admin API is answered once the workers serve it, so a
  // client can call what it just published (bounded: a worker being replaced catches up later).
  gateway.awaitServed((revision) =>
    running.whenServed(revision).catch((error: unknown) => {
      io.err.write(`apigw serve: ${(error as Error).message}; the change is committed and the workers will serve it\n`);
    }),
  );
  // Handlers first, then the announcement: whoever reads it may signal at once
  // (stdout to a pipe is written synchronously), and must not meet the default action.
  // SIGHUP: log rotation moved the access-log file away; write to a new one at its path.
  const reopen = (): void => running.reopenAccessLogs();
  io.signals.on('SIGHUP', reopen);
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      io.signals.off('SIGTERM', stop);
      io.signals.off('SIGINT', stop);
      resolve(s);
    };
    io.signals.once('SIGTERM', stop);
    io.signals.once('SIGINT', stop);
  });
  const tokenSource = process.env['APIGW_ADMIN_TOKEN'] ? 'APIGW_ADMIN_TOKEN' : join(options.dataDir, TOKEN_FILE);
  io.out.write(
    `apigw data plane listening on ${dataUrl} (${options.workers} worker process${options.workers === 1 ? '' : 'es'})\n` +
      `apigw admin API listening on ${gateway.adminUrl} (token: ${tokenSource})\n` +
      `apigw state at revision ${gateway.revision} in ${gateway.store.location}\n`,
  );
  const signal = await stopped;
  io.out.write(`apigw stopping (${signal})\n`);
  io.signals.off('SIGHUP', reopen);
  await workers.close();
  await gateway.close();
  io.out.write('apigw stopped\n');
  return 0;
}
