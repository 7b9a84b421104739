/**
 * What the admin API does, independent of HTTP: the HTTP handlers and the
 * in-process client both call this, so they cannot disagree. Inputs are
 * parsed JSON of unknown shape; every refusal is a RuntimeError.
 */
import { pointerToken, type Kind, type Problem, type Stage } from '@apigw/schema';
import type { GetStateOptions, RotateCredentialsOptions } from '../client/gateway-client';
import { BatchRejectedError, RuntimeError } from '../errors';
import type { AppCredentials, BatchResult, LiveResource, LiveState, Operation } from '../model';
import { isStackName } from '../store/batch-request';
import type { StoreEngine } from '../store/engine';

/** Options of a single-resource change made through the per-resource endpoints. */
export interface ChangeOptions {
  /** Stack the change acts for (see BatchRequest.stack). @default null */
  readonly stack?: string | null;
  /** Refuse unless the state is at this revision. */
  readonly expectedRevision?: number;
  /** Check only. */
  readonly dryRun?: boolean;
}

/** The answer to a create or update: the batch result and the resource as stored. */
export interface ChangeResult extends BatchResult {
  readonly resource?: LiveResource;
}

/** A state read as JSON text: the whole state, what changed since a revision, or nothing when `since` is current. */
export type StateRead = { readonly revision: number; /** The store's id (see StoreEngine.id). */ readonly store: string } & (
  | { readonly kind: 'state' | 'changes'; readonly text: string }
  | { readonly kind: 'unchanged' }
);

/** The admin operations over one store. */
export class AdminCore {
  /** Full-state texts of the current revision, by stack ('' for the whole state): the state changes only on commit. */
  private stateTexts = new Map<string, string>();
  private stateTextsRevision = -1;

  /**
   * @param served settles once the data plane serves a revision: a committed
   *   change is answered after it (worker processes reload after a commit).
   */
  constructor(
    readonly store: StoreEngine,
    private readonly served: (revision: number) => Promise<void> | void = () => undefined,
  ) {}

  /** Applies a batch; a committed one is answered once the data plane serves it. */
  private async apply(request: unknown): Promise<BatchResult> {
    const result = await this.store.applyBatch(request);
    if (!result.dryRun) await this.served(result.revision);
    return result;
  }

  /** See GatewayClient.getState. */
  async getState(options: GetStateOptions = {}): Promise<LiveState> {
    return JSON.parse((await this.stateText(options)).text) as LiveState;
  }

  /**
   * The state as JSON text, what `GET /v1/state` sends. Built once per
   * revision and stack, then served from memory until the next commit.
   */
  async stateText(options: GetStateOptions = {}): Promise<{ revision: number; text: string }> {
    if (options.stack !== undefined && !isStackName(options.stack)) throw badRequest('/stack', 'must be a stack name');
    const revision = await this.store.readRevision();
    if (revision !== this.stateTextsRevision) {
      this.stateTexts = new Map();
      this.stateTextsRevision = revision;
    }
    const key = options.stack ?? '';
    let text = this.stateTexts.get(key);
    if (text === undefined) {
      text = await this.store.getStateText(options);
      // Another node may have committed meanwhile: keep only a text of the revision read.
      if (revisionOf(text) === revision) this.stateTexts.set(key, text);
      else return { revision: revisionOf(text), text };
    }
    return { revision, text };
  }

  /**
   * A state read for a reader that already has the state at revision
   * `since` of the store `store` (see LiveStateChanges; without `store`,
   * this one): nothing when that is still current,
   * else what changed since, or the whole state when the change log does
   * not reach back that far. Without `since`, the whole state.
   */
  async readState(options: GetStateOptions & { readonly since?: number; readonly store?: string } = {}): Promise<StateRead> {
    const { since, store, ...rest } = options;
    const id = this.store.id;
    // Revisions of another store (a gateway replaced at the same address) say nothing about this one.
    if (since !== undefined && (store === undefined || store === id)) {
      if (!Number.isSafeInteger(since) || since < 0) throw badRequest('/since', 'must be a revision (a non-negative integer)');
      if (rest.stack !== undefined && !isStackName(rest.stack)) throw badRequest('/stack', 'must be a stack name');
      const revision = await this.store.readRevision();
      if (since === revision) return { revision, store: id, kind: 'unchanged' };
      const text = await this.store.getChangesText(since, rest);
      if (text !== undefined) return { revision: revisionOf(text), store: id, kind: 'changes', text };
    }
    return { kind: 'state', store: id, ...(await this.stateText(rest)) };
  }

  /** See GatewayClient.getResource. */
  async getResource<K extends Kind>(kind: K, id: string): Promise<LiveResource<K> | undefined> {
    return this.store.getResource(kind, id);
  }

  /** See GatewayClient.batch. */
  async batch(request: unknown): Promise<BatchResult> {
    return this.apply(request);
  }

  /** See GatewayClient.getCredentials. */
  async getCredentials(app: string): Promise<AppCredentials> {
    return this.store.getCredentials(app);
  }

  /**
   * Replaces an app's AppSecret and AppCode. An operational action on the
   * app's secrets, so it acts for the app's owning stack; inside a batch,
   * `rotateCredentials` follows the batch's ownership like any operation.
   * With `graceSeconds`, the replaced AppSecret and AppCode keep working
   * that long, so clients can move to the new pair without an outage.
   */
  async rotateCredentials(app: string, options: RotateCredentialsOptions = {}): Promise<AppCredentials> {
    const live = await this.store.getResource('app', app);
    if (!live) throw new RuntimeError('APIGW_NOT_FOUND', `app ${app} does not exist`);
    const grace = options.graceSeconds;
    await this.apply({ stack: live.stack, operations: [{ op: 'rotateCredentials', app, ...(grace ? { graceSeconds: grace } : {}) }] });
    return this.store.getCredentials(app);
  }

  /**
   * Creates a resource from a request body. `identity` holds the id fields
   * the path fixes (absent for a POST to the collection); a body that
   * contradicts them is refused.
   */
  create(kind: Kind, body: unknown, options: ChangeOptions, identity: Readonly<Record<string, string>> = {}): Promise<ChangeResult> {
    const spec = withIdentity(body, identity);
    return this.change({ op: 'create', kind, spec } as unknown as Operation, options, kind);
  }

  /** Replaces a resource's spec (the path fixes its identity). */
  update(kind: Kind, body: unknown, options: ChangeOptions, identity: Readonly<Record<string, string>>): Promise<ChangeResult> {
    const spec = withIdentity(body, identity);
    return this.change({ op: 'update', kind, spec } as unknown as Operation, options, kind);
  }

  /** Deletes a resource. */
  delete(kind: Kind, id: string, options: ChangeOptions): Promise<BatchResult> {
    return this.run([{ op: 'delete', kind, id }], options);
  }

  /** Publishes an API's current definition to a stage. */
  publish(api: string, stage: Stage, options: ChangeOptions): Promise<BatchResult> {
    return this.run([{ op: 'publish', api, stage }], options);
  }

  /** Unpublishes an API from a stage. */
  unpublish(api: string, stage: Stage, options: ChangeOptions): Promise<BatchResult> {
    return this.run([{ op: 'unpublish', api, stage }], options);
  }

  private async change(op: Operation, options: ChangeOptions, kind: Kind): Promise<ChangeResult> {
    const result = await this.run([op], options);
    const id = result.results[0]?.id;
    const resource = id === undefined || result.dryRun ? undefined : await this.store.getResource(kind, id);
    return resource ? { ...result, resource } : result;
  }

  private async run(operations: readonly Operation[], options: ChangeOptions): Promise<BatchResult> {
    try {
      return await this.apply({
        stack: options.stack ?? null,
        ...(options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision }),
        dryRun: options.dryRun ?? false,
        operations,
      });
    } catch (error) {
      throw atBody(error);
    }
  }
}

/** The revision a state or changes text was read at (its first field). */
function revisionOf(text: string): number {
  return Number(/^\{"revision":(\d+)/.exec(text)?.[1] ?? -1);
}

function badRequest(pointer: string, message: string): RuntimeError {
  return new RuntimeError('APIGW_BAD_REQUEST', `${pointer}: ${message}`, { problems: [{ code: 'SCHEMA_VIOLATION', pointer, message }] });
}

/** Merges the path's identity into a body, refusing a contradiction. */
function withIdentity(body: unknown, identity: Readonly<Record<string, string>>): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('', 'the body is a JSON object: the resource spec');
  const spec = { ...(body as Record<string, unknown>) };
  for (const [field, value] of Object.entries(identity)) {
    if (spec[field] === undefined) spec[field] = value;
    else if (spec[field] !== value) throw badRequest(`/${pointerToken(field)}`, `is ${JSON.stringify(spec[field])} but the path names ${JSON.stringify(value)}`);
  }
  return spec;
}

/**
 * A per-resource endpoint's body is the spec itself: operation pointers
 * (`/operations/0/spec/x`) become body pointers (`/x`).
 */
function atBody(error: unknown): unknown {
  if (!(error instanceof BatchRejectedError)) return error;
  const strip = (text: string) => text.replace(/\/operations\/0(\/spec)?/g, '');
  const problems: Problem[] = (error.problems ?? []).map((p) => ({ ...p, pointer: strip(p.pointer) }));
  const message = strip(error.errors[0]?.message ?? error.message) || error.message;
  return new RuntimeError(error.code, message, { problems, cause: error });
}
