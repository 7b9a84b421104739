/**
 * What a request sees of the data plane that serves it: the current
 * snapshot, shared services (pools, nonce memory) and the sinks for its
 * outcome.
 */
import type { Pool } from 'undici';
import type { BackendService } from '@apigw/schema';
import type { Snapshot } from '../snapshot/snapshot';
import type { Exchange } from './exchange';
import type { NonceLedger } from './nonce-store';

export interface GatewayRuntime {
  /** The snapshot new requests are served from. */
  readonly snapshot: Snapshot;
  /** Nonces of APIs that do not demand anti-replay: remembered by this process. */
  readonly nonces: NonceLedger;
  /** Nonces of APIs that demand anti-replay: shared by every process serving the gateway. */
  readonly replayNonces: NonceLedger;
  readonly maxBodyBytes: number;
  /** Largest backend response body relayed; larger answers are cut off. */
  readonly maxResponseBytes: number;
  /** Value of the CaInstanceId system parameter. */
  readonly instanceId: string;
  /** The keep-alive pool for an origin (and TLS server name), created on first use and reused. */
  pool(origin: string, servername: string | null): Pool;
  /** Hands the exchange to the module of a backend type. */
  invoke(type: BackendService['type'], ex: Exchange, target: unknown): void;
  /** Records a finished exchange (access log, metrics). */
  observe(ex: Exchange): void;
  /** Records an unexpected failure while serving an exchange. */
  logError(ex: Exchange, err: unknown): void;
}
