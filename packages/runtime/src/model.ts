/**
 * The runtime's state model and the operations that change it. This is the
 * contract between the control plane (store, admin API), the data plane
 * (which compiles a snapshot from a StateView) and every client (the
 * reconciler, Pulumi and Terraform providers).
 */
import type {
  Api,
  ApiGroup,
  App,
  Authorization,
  BackendService,
  Kind,
  KindSpecs,
  Plugin,
  PluginAttachment,
  Problem,
  Stage,
  VpcAccess,
} from '@apigw/schema';

/** An API's definition as the runtime stores it: where it is published is separate state. */
export type ApiDefinition = Omit<Api, 'stages'>;

/** What the runtime stores for each kind (an API without its stages). */
export interface StoredSpecs extends Omit<KindSpecs, 'api'> {
  api: ApiDefinition;
}

/** The stored spec of one kind. */
export type StoredSpec<K extends Kind> = StoredSpecs[K];

/** Bookkeeping the runtime keeps for every resource. */
export interface ResourceMeta {
  /** Stack that owns the resource; null when nobody does (made by hand). */
  readonly stack: string | null;
  /** ISO 8601 time of creation. */
  readonly createdAt: string;
  /** ISO 8601 time of the last change. */
  readonly updatedAt: string;
}

/** A live resource: its spec and its bookkeeping. */
export interface LiveResource<K extends Kind = Kind> extends ResourceMeta {
  readonly kind: K;
  /** Identity within the kind (name; `group/name` for APIs; `app:group/name` for authorizations). */
  readonly id: string;
  readonly spec: StoredSpec<K>;
}

/** The revision of an API that serves one stage. */
export interface PublishedRevision {
  /** Digest of the published definition (sha256 of its canonical JSON). */
  readonly digest: string;
  /** ISO 8601 time of publishing. */
  readonly publishedAt: string;
}

/** A live API: its current definition and what each stage serves. */
export interface LiveApi extends LiveResource<'api'> {
  /** Digest of the current definition; a stage whose digest differs serves an older revision. */
  readonly digest: string;
  /** The revision each stage serves; a stage not listed is unpublished. */
  readonly published: Partial<Record<Stage, PublishedRevision>>;
}

/** A live app: its AppKey is public; AppSecret and AppCode are read through the credentials call only. */
export interface LiveApp extends LiveResource<'app'> {
  readonly appKey: string;
  /** Numeric app id, what the `CaAppId` system parameter carries. */
  readonly appId?: number;
  /** ISO 8601 time its credentials were last rotated (never the credentials themselves). */
  readonly rotatedAt?: string;
}

/** The live state of the gateway (or of one stack of it) at one revision. */
export interface LiveState {
  /** Monotonically increasing; bumped by every committed change. */
  readonly revision: number;
  readonly vpcAccesses: LiveResource<'vpcAccess'>[];
  readonly backendServices: LiveResource<'backendService'>[];
  readonly groups: LiveResource<'group'>[];
  readonly apis: LiveApi[];
  readonly apps: LiveApp[];
  readonly authorizations: LiveResource<'authorization'>[];
  readonly plugins: LiveResource<'plugin'>[];
  readonly pluginAttachments: LiveResource<'pluginAttachment'>[];
}

/** The resource collections of a LiveState (everything but the revision). */
export type LiveCollections = Omit<LiveState, 'revision'>;

/**
 * What changed in the live state (or in one stack's share of it) between
 * two revisions: every resource created or changed since, whole (as a full
 * read shows it; an API whose published revisions changed counts as
 * changed), and the identity of every resource deleted since (or, for a
 * stack's share, no longer owned by the stack). Applying it to the state at
 * `since` (deletions first, then the changes, replacing by kind and id)
 * gives the state at `revision`.
 */
export interface LiveStateChanges {
  /** The revision the changes lead to. */
  readonly revision: number;
  /** The revision the changes start from. */
  readonly since: number;
  readonly changed: LiveCollections;
  readonly deleted: readonly { readonly kind: Kind; readonly id: string }[];
}

/** An app's credentials. Secret: never log, plan or export them. */
export interface AppCredentials {
  readonly app: string;
  readonly appKey: string;
  readonly appSecret: string;
  readonly appCode: string;
  /** Numeric app id (`CaAppId`). */
  readonly appId?: number;
  /** ISO 8601 time of the last rotation. */
  readonly rotatedAt?: string;
  /** Until when (ISO 8601) the AppSecret and AppCode replaced by the last rotation are still accepted. */
  readonly previousValidUntil?: string;
}

/**
 * One change. A batch applies a list of them in order, all or nothing.
 * `create` fails when the resource exists, `update` when it does not;
 * both refuse to touch a resource owned by another stack, which only
 * `adopt` may claim.
 */
export type Operation =
  | { readonly op: 'create'; readonly kind: Kind; readonly spec: StoredSpec<Kind> }
  | { readonly op: 'update'; readonly kind: Kind; readonly spec: StoredSpec<Kind> }
  | { readonly op: 'delete'; readonly kind: Kind; readonly id: string }
  | {
      readonly op: 'adopt';
      readonly kind: Kind;
      readonly id: string;
      /** Claim a resource another stack owns: must name that stack (null or absent: only an unowned one). */
      readonly fromStack?: string | null;
    }
  | { readonly op: 'publish'; readonly api: string; readonly stage: Stage }
  | { readonly op: 'unpublish'; readonly api: string; readonly stage: Stage }
  | {
      readonly op: 'rotateCredentials';
      readonly app: string;
      /** Keep accepting the replaced AppSecret and AppCode this many seconds (0 or absent: they stop at once). */
      readonly graceSeconds?: number;
    };

/** A list of operations applied atomically. */
export interface BatchRequest {
  /** Stack the batch acts for: what it creates is owned by it; it may change only what it owns. */
  readonly stack: string | null;
  /** Refuse the batch (409) unless the state is still at this revision. */
  readonly expectedRevision?: number;
  /** Check every operation and report every error, then roll back. */
  readonly dryRun?: boolean;
  readonly operations: readonly Operation[];
}

/** What one applied operation did. */
export interface OperationResult {
  readonly index: number;
  readonly op: Operation['op'];
  readonly kind: Kind;
  readonly id: string;
  /** APIs unpublished as a consequence (a backend service lost a stage's definition). */
  readonly unpublished?: readonly { readonly api: string; readonly stage: Stage }[];
}

/** The answer to a committed (or dry-run) batch. */
export interface BatchResult {
  /** Revision after the batch (unchanged for a dry run or an empty batch). */
  readonly revision: number;
  readonly dryRun: boolean;
  readonly results: readonly OperationResult[];
}

/** Why one operation of a batch failed. */
export interface OperationError {
  readonly index: number;
  /** Stable code (see the runtime's errors). */
  readonly code: string;
  readonly message: string;
  /** Schema problems of the operation's spec, pointers relative to the operation (`/operations/3/spec/...`). */
  readonly problems?: readonly Problem[];
}

/**
 * Everything the data plane needs, read in one transaction. The data plane
 * compiles it into an immutable routing snapshot.
 */
export interface StateView {
  readonly revision: number;
  readonly groups: readonly ApiGroup[];
  readonly backendServices: readonly BackendService[];
  readonly vpcAccesses: readonly VpcAccess[];
  /** Published revisions: the frozen definition each stage serves. */
  readonly published: readonly { readonly stage: Stage; readonly digest: string; readonly api: ApiDefinition }[];
  readonly apps: readonly (App & {
    readonly appKey: string;
    readonly appSecret: string;
    readonly appCode: string;
    readonly appId?: number;
    /** Credentials replaced by a rotation with a grace period, accepted until `until` (epoch ms). */
    readonly previous?: { readonly appSecret: string; readonly appCode: string; readonly until: number };
  })[];
  readonly authorizations: readonly Authorization[];
  readonly plugins: readonly Plugin[];
  readonly pluginAttachments: readonly PluginAttachment[];
}
