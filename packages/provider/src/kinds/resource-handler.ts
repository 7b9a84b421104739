/**
 * The contract of a per-kind handler: what the reconciler, the Pulumi
 * resources and the Terraform plugin need to know about one kind of resource
 * (identity, normalization, field diff, the runtime operations that create,
 * update and delete it), so each of them stays generic.
 */
import type { Kind, KindSpecs, Stage } from '@apigw/schema';
import type { LiveApi, LiveResource, Operation } from '@apigw/runtime';
import type { ChangeContext, PlanEvent, PlanOp, PlanStep } from '../diff/plan';

/** What every live resource has apart from its spec (an IaC state keeps no timestamps: they are empty). */
export interface LiveBase<K extends Kind> {
  readonly kind: K;
  readonly id: string;
  readonly stack: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One field that differs between the desired and the live resource. */
export interface FieldChange {
  /** JSON pointer of the field within the resource (`/environments/RELEASE/url`). */
  readonly path: string;
  /** Live value (undefined when absent). Masked when `secret`. */
  readonly before: unknown;
  /** Desired value (undefined when removed). Masked when `secret`. */
  readonly after: unknown;
  /** The change cannot be made in place: the resource is deleted and created again. */
  readonly forcesReplacement: boolean;
  /** The value is a secret: renderers show it as (sensitive). */
  readonly secret?: boolean;
}

/**
 * Everything the tools know about one kind: identity, field-level diff and
 * the runtime operations that create, update and delete a resource. The
 * reconciler, the Pulumi resources and the Terraform plugin all go through
 * these handlers, so the semantics live in one place.
 *
 * Specs given to a handler may be raw (as a user wrote them) or validated:
 * the handler normalizes both sides (schema defaults, canonical ordering)
 * before comparing, so defaults and ordering never show as a change.
 */
export interface ResourceHandler<K extends Kind> {
  readonly kind: K;
  /** What people call the kind in messages (`backend service`). */
  readonly label: string;
  /** Identity within the kind. */
  id(spec: KindSpecs[K]): string;
  /**
   * The spec with schema defaults filled and sets in canonical order; throws
   * DocumentInvalidError when it does not match the schema.
   */
  normalize(spec: KindSpecs[K]): KindSpecs[K];
  /** The live resource in document form, normalized (an API's stages are the stages it is published to). */
  toSpec(live: LiveResource<K>): KindSpecs[K];
  /** A copy of the spec without its secret fields, for exports and messages. */
  redact(spec: KindSpecs[K]): KindSpecs[K];
  /** Field-level differences, desired against live; empty when nothing would change. Secrets are masked. */
  diff(desired: KindSpecs[K], live: LiveResource<K>): FieldChange[];
  /** True when one of the changes cannot be made in place. */
  requiresReplacement(changes: readonly FieldChange[]): boolean;
  /** Operations that create the resource (an API: create, then publish to each stage). */
  createOps(desired: KindSpecs[K]): Operation[];
  /** Operations that bring the live resource to the desired one in place. */
  updateOps(desired: KindSpecs[K], live: LiveResource<K>): Operation[];
  /** Operations that delete the resource (an API: unpublish, then delete). */
  deleteOps(live: LiveResource<K>): Operation[];
  /**
   * What the runtime records of a live resource beside its spec (an API's
   * definition digest and published revisions): IaC states keep it, so a
   * later diff sees the resource as the planner would.
   */
  liveRecord(live: LiveResource<K>): Record<string, unknown>;
  /** The live resource rebuilt from an IaC state: its identity and owner, its spec, and what liveRecord kept. */
  liveFromRecord(base: LiveBase<K>, spec: Record<string, unknown>, record: Readonly<Record<string, unknown>>): LiveResource<K>;

  // The planner's differ for this kind: everything kind-specific about a plan lives below.

  /** The plan's words for creating and deleting one (an authorization is authorized and revoked). */
  readonly verbs: { readonly create: PlanOp; readonly delete: PlanOp };
  /** True when the live resource already is the desired one (a cheap check first; false when unsure). */
  inSync(desired: KindSpecs[K], live: LiveResource<K>): boolean;
  /**
   * Steps that create the resource: the create itself first, then any it
   * entails (an API's publishing). `replaced` says the resource is created
   * again after a replacement.
   */
  planCreate(id: string, desired: KindSpecs[K], replaced: boolean): PlanStep[];
  /** Steps that bring a live resource (owned, or being adopted) to the desired one; empty when there is nothing to do. */
  planChange(desired: KindSpecs[K], live: LiveResource<K>, context: ChangeContext): PlanStep[];
  /** The step that deletes a live resource the document dropped. */
  planDelete(live: LiveResource<K>): PlanStep;
  /**
   * What a spec is apart from its identity, so a delete and a create that
   * agree on it are explained as a rename; undefined for a kind whose
   * identity is all it is (an authorization).
   */
  renameKey(spec: KindSpecs[K]): string | undefined;
  /** Why a deleted resource and a created one are a rename, for both events. */
  explainRename(deleted: PlanEvent, created: PlanEvent): { readonly deleted: string; readonly created: string };
  /**
   * True when the operation (of the event's step) only takes grants away,
   * so it runs early, with the revocations, before what it stops granting
   * is unpublished (an authorization's delete, or an update that only drops
   * stages).
   */
  withRevocations(operation: Operation, event: PlanEvent): boolean;
}

/** What publishing an API needs, stage by stage, to serve its desired definition. */
export interface StageChanges {
  /** Stages to publish to: new stages, every desired stage after a definition change, and stages serving an older revision. */
  readonly publish: readonly Stage[];
  /** Published stages the API leaves. */
  readonly unpublish: readonly Stage[];
  /** Of `publish`, the stages that serve an older revision although the definition is unchanged. */
  readonly stale: readonly Stage[];
}

/** The API handler: a ResourceHandler that also knows where an API is published. */
export interface ApiHandler extends ResourceHandler<'api'> {
  /** Stage-by-stage publishing the desired API needs, given whether its definition changes. */
  stageChanges(desired: KindSpecs['api'], live: LiveApi, definitionChanges: boolean): StageChanges;
}
