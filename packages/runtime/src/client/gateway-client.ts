import type { Kind } from '@apigw/schema';
import type { AppCredentials, BatchRequest, BatchResult, LiveResource, LiveState } from '../model';

/** Options of a credentials rotation. */
export interface RotateCredentialsOptions {
  /** Keep accepting the replaced AppSecret and AppCode this many seconds (at most 30 days). Default 0: they stop at once. */
  readonly graceSeconds?: number;
}

/** Options of a state read. */
export interface GetStateOptions {
  /** Only the resources this stack owns (the revision is still the gateway's). */
  readonly stack?: string;
}

/**
 * The admin interface of a gateway runtime, one shape for every way of
 * reaching it: over HTTP (HttpGatewayClient) or in the same process
 * (the client a Gateway exposes). The reconciler, the Pulumi resources and
 * the Terraform plugin use nothing else.
 *
 * Failures reject with AdminApiError (stable `code`, HTTP `status`, and the
 * per-operation errors of a refused batch).
 */
export interface GatewayClient {
  /**
   * The live state (or one stack's share of it) and its revision. Both
   * clients keep the last state read and afterwards fetch only what
   * changed since (unless built with `cacheState: false`): the collections
   * returned are the caller's own arrays, but the resource objects in them
   * may be shared with later reads, so treat them as immutable.
   */
  getState(options?: GetStateOptions): Promise<LiveState>;
  /** One live resource, or undefined when it does not exist. */
  getResource<K extends Kind>(kind: K, id: string): Promise<LiveResource<K> | undefined>;
  /** Applies operations atomically (or checks them, with dryRun). */
  batch(request: BatchRequest): Promise<BatchResult>;
  /** An app's AppKey, AppSecret and AppCode. */
  getCredentials(app: string): Promise<AppCredentials>;
  /** Replaces an app's AppSecret and AppCode (the AppKey stays); with a grace period the replaced pair keeps working for it. */
  rotateCredentials(app: string, options?: RotateCredentialsOptions): Promise<AppCredentials>;
}
