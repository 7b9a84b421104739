/**
 * The plan's types: events (what happens to each resource, and why),
 * consequences for published APIs, and the summary counted as Terraform
 * counts it.
 */
import type { AnySpec, Kind, Plugin, Stage } from '@apigw/schema';
import type { Operation } from '@apigw/runtime';
import type { FieldChange } from '../kinds';

/**
 * What a plan event does:
 * - `create`, `update`, `replace`, `delete`: a resource (an authorization's
 *   create and delete are `authorize` and `revoke`);
 * - `adopt`: the stack takes over a resource it did not own (and updates it
 *   if the document differs);
 * - `publish`, `unpublish`: an API and one stage.
 */
export type PlanOp = 'create' | 'update' | 'replace' | 'delete' | 'adopt' | 'publish' | 'unpublish' | 'authorize' | 'revoke';

/** An effect on APIs that the event causes without any operation on them. */
export interface Consequence {
  /**
   * `repoint`: the backend service's definition for the stage changes, so
   * every API published there that uses it follows at once (no republish);
   * `unpublish`: the definition is removed, so those APIs stop being served
   * in that stage; `policy`: a plugin's configuration changes, so the
   * traffic policy of the APIs it acts on in that stage changes at once.
   */
  readonly effect: 'repoint' | 'unpublish' | 'policy';
  readonly stage: Stage;
  /** The APIs affected (`group/name`), sorted. */
  readonly apis: readonly string[];
}

/** One change the plan makes, with everything needed to explain it. */
export interface PlanEvent {
  readonly op: PlanOp;
  readonly kind: Kind;
  readonly id: string;
  /** The stage, for `publish` and `unpublish`. */
  readonly stage?: Stage;
  /** Desired spec (secrets removed); absent for deletes and stage events. */
  readonly desired?: AnySpec;
  /** Live spec (secrets removed); absent for creates and stage events. */
  readonly live?: AnySpec;
  /** Field-level changes (updates, replaces, adopts); secrets masked. */
  readonly changes: readonly FieldChange[];
  /** Why: the field forcing a replacement, a rename, why a stage is (re)published. */
  readonly reason?: string;
  readonly consequences?: readonly Consequence[];
}

/** An event with the operations that carry it out (kept apart: operations hold secrets and are never rendered). */
export interface PlanStep {
  event: PlanEvent;
  readonly operations: readonly Operation[];
  /** The step deletes the resource to create it again under the same identity. */
  readonly replacing?: boolean;
}

/** What a handler may ask of the planner while it plans a change to one live resource. */
export interface ChangeContext {
  /** The stack takes the resource over (an `adopt` operation comes first). */
  readonly adopting: boolean;
  /** The APIs published to `stage` whose backend service is `service` (`group/name`, sorted). */
  publishedUsing(service: string, stage: Stage): readonly string[];
  /**
   * The APIs published to `stage` that `plugin` acts on there as the live
   * attachments bind it: those it is attached to, and the APIs of the groups
   * it is attached to that have no plugin of its type of their own (sorted).
   */
  actedOnBy(plugin: Pick<Plugin, 'name' | 'type'>, stage: Stage): readonly string[];
}

/** Resources added, changed and destroyed, counted as Terraform does (a replace is one add and one destroy). */
export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

/**
 * The difference between a stack's document and the live gateway, and the
 * operations that close it. `operations` is applied as one batch guarded by
 * `revision`: it holds secrets and is never rendered.
 */
export interface Plan {
  readonly stack: string;
  /** The live revision the plan was computed against. */
  readonly revision: number;
  readonly events: readonly PlanEvent[];
  readonly summary: PlanSummary;
  /** Runtime operations in apply order. */
  readonly operations: readonly Operation[];
}

/** True when applying the plan would change nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.operations.length === 0;
}
