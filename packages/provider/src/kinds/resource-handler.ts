import type { Kind, KindSpecs } from '@apigw/schema';
import type { LiveResource, Operation } from '@apigw/runtime';

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
 */
export interface ResourceHandler<K extends Kind> {
  readonly kind: K;
  /** Identity within the kind. */
  id(spec: KindSpecs[K]): string;
  /** The live resource in document form (an API's stages are the stages it is published to). */
  toSpec(live: LiveResource<K>): KindSpecs[K];
  /** Field-level differences, desired against live; empty when nothing would change. */
  diff(desired: KindSpecs[K], live: LiveResource<K>): FieldChange[];
  /** Operations that create the resource (an API: create, then publish to each stage). */
  createOps(desired: KindSpecs[K]): Operation[];
  /** Operations that bring the live resource to the desired one in place. */
  updateOps(desired: KindSpecs[K], live: LiveResource<K>): Operation[];
  /** Operations that delete the resource (an API: unpublish, then delete). */
  deleteOps(live: LiveResource<K>): Operation[];
}
