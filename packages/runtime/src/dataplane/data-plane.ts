import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { StateView } from '../model';
import type { NonceLedger } from './nonce-store';
import type { RateCounter } from './plugins/rate-counter';
import type { FunctionConfig } from './backends/function/config';
import type { ExternalBucketConfig } from './backends/oss/config';
import type { Inventory } from './inventory';

/** Where and how the data plane serves traffic. */
export interface DataPlaneOptions {
  /** HTTP port (0 picks a free one). */
  readonly port: number;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** HTTPS port, served when some group domain has a certificate. */
  readonly tlsPort?: number;
  /**
   * In a node:cluster worker, bind the ports in this process instead of
   * sharing the primary's: with a shared port the primary accepts every
   * connection (round-robin) and hands it over, so while its event loop
   * is busy (an admin batch applying) no new connection is served.
   * @default false
   */
  readonly exclusivePorts?: boolean;
  /**
   * Bind with SO_REUSEPORT, so that several processes binding the same
   * ports each get a share of the connections from the kernel (Linux and
   * some BSDs; elsewhere listening fails). `claim`: the first process
   * first makes sure no other socket holds the ports (it binds them
   * without SO_REUSEPORT and closes them at once), so another gateway
   * already on the port makes it fail with EADDRINUSE rather than be
   * handed part of that gateway's connections; `join`: bind beside the
   * sockets of the processes that claimed them. Unset: no SO_REUSEPORT.
   */
  readonly reusePort?: 'claim' | 'join';
  /** VPC instance id -> address (`10.0.0.5` or `127.0.0.1`), the runtime's inventory. */
  readonly inventory?: Readonly<Record<string, string>>;
  /** Largest request body forwarded, in bytes (larger: 413). @default 8 MiB */
  readonly maxBodyBytes?: number;
  /**
   * JSON file with more inventory entries (`{ "i-web1": "10.0.0.5" }`), read
   * once when the data plane is created (an unusable file throws
   * InventoryError); `inventory` entries win over the file's. To follow a
   * file that changes, read it beside the state (`InventorySource`) and pass
   * the result to `update`, as the gateway does with `<dataDir>/inventory.json`.
   */
  readonly inventoryFile?: string;
  /**
   * Function table: `service/function[@qualifier]` -> local handler code or
   * an invoke URL (see `FunctionConfig`); entries win over the file's.
   */
  readonly functions?: Readonly<Record<string, FunctionConfig>>;
  /**
   * functions.json with more function entries, read at every `update` and
   * whenever it changes; relative code directories are relative to its
   * directory. The gateway passes `<dataDir>/functions.json`.
   */
  readonly functionsFile?: string;
  /**
   * Directory embedded OSS buckets are kept under; buckets the bucket table
   * does not name live there. The gateway passes `<dataDir>/oss`.
   * @default none: only external buckets are served
   */
  readonly ossRoot?: string;
  /** External buckets: bucket -> S3/OSS-compatible endpoint; entries win over the file's. */
  readonly oss?: Readonly<Record<string, ExternalBucketConfig>>;
  /** oss.json with more external buckets, read at every `update` and whenever it changes. The gateway passes `<dataDir>/oss.json`. */
  readonly ossFile?: string;
  /** Largest backend response body relayed, in bytes; a larger answer is cut off. @default unlimited */
  readonly maxResponseBytes?: number;
  /** Largest request head (request line and headers), in bytes (larger: 431). @default 16384 */
  readonly maxHeaderBytes?: number;
  /** Access log: a pino logger or a destination stream for one JSON line per request. @default silent */
  readonly accessLog?: false | Logger | NodeJS.WritableStream;
  /** Registry the request metrics are registered in (`apigw_requests_total`, `apigw_request_duration_seconds`). @default none */
  readonly metrics?: Registry;
  /**
   * Tell clients why a backend could not be reached (service names, VPC
   * instance ids, backend addresses) in X-Ca-Error-Message, besides the
   * access log. For development: it shows clients the gateway's insides.
   * @default false
   */
  readonly revealErrorDetail?: boolean;
  /** Value of the CaInstanceId system parameter. @default the host name */
  readonly instanceId?: string;
  /** Most X-Ca-Nonce values of one app remembered per generation (the memory one app may occupy). @default 100000 */
  readonly nonceCapacity?: number;
  /**
   * A SQLite file where the nonces of APIs that demand anti-replay are
   * remembered, shared by every process serving the gateway (worker
   * processes), so such a nonce is accepted once across all of them.
   * Other nonces stay in this process's memory (a shared check costs about
   * 25 µs, a memory one well under 1 µs). @default in memory
   */
  readonly nonceFile?: string;
  /**
   * Where the nonces of APIs that demand anti-replay are remembered when
   * several nodes serve the gateway (a store they share provides one):
   * overrides `nonceFile`. The caller closes it. @default `nonceFile`
   */
  readonly replayNonces?: NonceLedger;
  /**
   * Where TRAFFIC_CONTROL counts live. Overrides `counterFile`; a store
   * several nodes share provides one. @default in memory, or `counterFile`
   */
  readonly rateCounter?: RateCounter;
  /**
   * A SQLite file where TRAFFIC_CONTROL counts live, shared by every
   * process serving the gateway (worker processes), so a limit holds across
   * all of them exactly (about 20 µs per counted call; a memory count costs
   * well under 1 µs). @default in memory
   */
  readonly counterFile?: string;
  /**
   * Proxies (CIDR blocks or addresses) whose X-Forwarded-For is believed:
   * behind them, the client address that IP_CONTROL checks, CaClientIp and
   * the access log report is the one they forwarded. @default none
   */
  readonly trustedProxies?: readonly string[];
  /** The clock of TRAFFIC_CONTROL windows and JWT time checks, epoch ms (tests move it). @default Date.now */
  readonly clock?: () => number;
}

/**
 * The request path of the gateway. It serves from an immutable snapshot
 * compiled from a StateView; `update` swaps in a new one atomically.
 */
export interface DataPlane {
  /** Revision of the snapshot now serving. */
  readonly revision: number;
  /**
   * Compiles and atomically swaps in a new snapshot. Pure: it reads no file.
   * `inventory` (VPC instance id -> address) replaces the inventory targets
   * compile against; without it the previous one is kept.
   */
  update(view: StateView, inventory?: Inventory): void;
  /** Starts listening; resolves with the bound ports. */
  listen(): Promise<{ port: number; tlsPort?: number }>;
  /** Stops accepting, lets in-flight requests finish, closes backend pools. */
  close(): Promise<void>;
}
