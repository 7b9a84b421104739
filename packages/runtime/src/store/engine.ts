/**
 * The store engine interface: what the admin API, the gateway and the data
 * plane need of the durable state, whichever database holds it. SQLite
 * (GatewayStore, the embedded default) answers synchronously; PostgreSQL
 * (PostgresStore, shared by several nodes) answers with promises, so every
 * caller awaits. Both run the same batch engine, view builder and state
 * writer over the same statement table (see statements.ts).
 */
import type { Kind } from '@apigw/schema';
import type { GetStateOptions } from '../client/gateway-client';
import type { NonceLedger } from '../dataplane/nonce-store';
import type { RateCounter } from '../dataplane/plugins/rate-counter';
import type { AppCredentials, BatchResult, LiveResource, LiveState, StateView } from '../model';

/** A value, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * Called after every commit the store learns of (its own, or another
 * node's) with the new revision. When a listener returns a promise, an
 * asynchronous store waits for it before its own write resolves (so this
 * node serves what it just committed); any other return is ignored.
 */
export type CommitListener = (revision: number) => unknown;

/** Whether a store can serve its readers now. */
export interface StoreHealth {
  /** The store answers and this process follows its latest commit. */
  readonly ready: boolean;
  /** Why not, when not ready. */
  readonly reason?: string;
}

/**
 * What a gateway node says of itself: written to a shared store by its
 * heartbeat, so every node (and the console) can list them. Nothing secret.
 */
export interface NodeStatus {
  /** A random id the node takes when it starts. */
  readonly id: string;
  readonly hostname: string;
  readonly pid: number;
  /** Base URL of the node's admin API. */
  readonly adminUrl: string;
  /** When the node started (ISO 8601). */
  readonly startedAt: string;
  /** The revision its data plane serves. */
  readonly revision: number;
  readonly ready: boolean;
  /** Why not, when not ready. */
  readonly reason?: string;
}

/** A node as a shared store lists it. */
export interface NodeRecord extends NodeStatus {
  /** When its last heartbeat reached the store (ISO 8601, the database's clock). */
  readonly lastSeen: string;
  /** No heartbeat for three of its intervals: stopped, or cut off from the store. */
  readonly stale: boolean;
}

/** A store of a gateway's state. */
export interface StoreEngine {
  /** `sqlite` or `postgres`. */
  readonly engine: 'sqlite' | 'postgres';
  /** Where the state lives: a file path, or a PostgreSQL URL without its password. */
  readonly location: string;
  /**
   * A random id given to the store when it was made: revisions of two
   * stores are unrelated, so changes are only asked of the store a state
   * was read from.
   */
  readonly id: string;
  /** The latest revision this process knows of (what it serves; a commit elsewhere raises it once heard). */
  readonly revision: number;
  /** The committed revision, read from the database. */
  readRevision(): Awaitable<number>;
  /**
   * Applies a batch request (parsed JSON, checked here) atomically. Throws
   * RuntimeError for a bad envelope or a revision conflict, and
   * BatchRejectedError listing every failing operation; nothing changes
   * then. Commit listeners hear about every commit.
   */
  applyBatch(request: unknown): Awaitable<BatchResult>;
  /** The live state (or one stack's share of it) at one revision. */
  getState(options?: GetStateOptions): Awaitable<LiveState>;
  /** The live state as JSON text (what `GET /v1/state` sends). */
  getStateText(options?: GetStateOptions): Awaitable<string>;
  /**
   * What changed since revision `since` as JSON text (see
   * LiveStateChanges), or undefined when the change log does not reach
   * back that far (or `since` is ahead of the store).
   */
  getChangesText(since: number, options?: GetStateOptions): Awaitable<string | undefined>;
  /** One live resource, or undefined. */
  getResource<K extends Kind>(kind: K, id: string): Awaitable<LiveResource<K> | undefined>;
  /** An app's credentials; throws RuntimeError(APIGW_NOT_FOUND) when the app does not exist. */
  getCredentials(app: string): Awaitable<AppCredentials>;
  /** Everything the data plane needs, at one revision (see GatewayStore.readView). */
  readView(): Awaitable<StateView>;
  /** Subscribes to commits; returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void;
  /**
   * Traffic-control counts shared with every node of this store (absent
   * for a store only this node uses: the data plane counts locally then).
   */
  rateCounter?(): RateCounter;
  /** Anti-replay nonces shared with every node of this store (absent for a store only this node uses). */
  nonceLedger?(): NonceLedger;
  /**
   * Writes `status()` into the store every `intervalMs` (a store several
   * nodes share; absent otherwise), so listNodes() shows this node.
   */
  startHeartbeat?(status: () => NodeStatus, intervalMs?: number): void;
  /** The nodes that wrote a heartbeat lately, stale ones included, oldest first. */
  listNodes?(): Promise<readonly NodeRecord[]>;
  /** Whether the store can serve now (what `/readyz` reports). */
  health(): StoreHealth;
  /** Closes the store. Idempotent. */
  close(): Awaitable<void>;
}
