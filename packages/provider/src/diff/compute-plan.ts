/**
 * The planner: the pure diff of a validated document against the live state,
 * one pass per kind through the kind's handler, producing the plan's events
 * and the ordered operations that carry them out.
 */
import {
  KINDS,
  STAGES,
  canonicalJson,
  canonicalSpec,
  kindIndex,
  kindInfo,
  referencesOf,
  stageIndex,
  type AnySpec,
  type Api,
  type Authorization,
  type BackendService,
  type GatewayDocument,
  type Kind,
  type KindSpecs,
  type Stage,
} from '@apigw/schema';
import type { LiveApi, LiveResource, LiveState, Operation } from '@apigw/runtime';
import { ImportMissingError, OwnershipConflictError, type OwnershipConflict } from '../errors';
import { HANDLERS, handlerFor, jsonEqual, type ApiResourceHandler, type FieldChange, type ResourceHandler } from '../kinds';
import { orderOperations, type PlannedOperation } from './order';
import type { Consequence, Plan, PlanEvent, PlanOp, PlanSummary } from './plan';

/** Options of a plan. */
export interface PlanOptions {
  /** Take over resources the document names that another stack, or nobody, owns. */
  readonly adopt?: boolean;
}

/** An event with the operations that carry it out (kept apart: operations hold secrets). */
interface Step {
  event: PlanEvent;
  operations: Operation[];
  /** The step deletes the resource to create it again under the same identity. */
  replacing?: boolean;
}

const apiHandler = HANDLERS.api as ApiResourceHandler;

/**
 * Computes the plan that makes the gateway match a validated document:
 * pure (no network), one pass over each kind with maps by identity, so its
 * cost grows linearly with the number of resources.
 *
 * `state` is the whole live state: resources of the document's stack are
 * reconciled; resources of other stacks are never touched, and naming one
 * in the document is an OwnershipConflictError unless `adopt` is set.
 */
export function computePlan(doc: GatewayDocument, state: LiveState, options: PlanOptions = {}): Plan {
  const steps: Step[] = [];
  const conflicts: OwnershipConflict[] = [];
  const context = new PlanContext(state);

  for (const { kind, collection } of KINDS) {
    const handler = handlerFor(kind);
    const live = state[collection] as LiveResource[];
    const liveById = new Map<string, LiveResource>();
    for (const l of live) liveById.set(l.id, l);
    const desiredIds = new Set<string>();
    const created: Step[] = [];
    const deleted: Step[] = [];

    for (const desired of doc[collection] as AnySpec[]) {
      const id = handler.id(desired as never);
      desiredIds.add(id);
      const l = liveById.get(id);
      if (!l) {
        const step = createStep(kind, handler, id, desired);
        created.push(step);
        steps.push(step, ...publishSteps(kind, id, desired, 'published with the new API'));
      } else if (l.stack !== doc.stack) {
        if (options.adopt) steps.push(...reconcile(kind, handler, id, desired, l, context, true));
        else conflicts.push({ kind: kindInfo(kind).label, id, owner: l.stack });
      } else {
        const changed = reconcile(kind, handler, id, desired, l, context, false);
        if (changed.length > 0) steps.push(...changed);
      }
    }

    for (const l of live) {
      if (l.stack !== doc.stack || desiredIds.has(l.id)) continue;
      const step: Step = {
        event: { op: kind === 'authorization' ? 'revoke' : 'delete', kind, id: l.id, live: handler.redact(handler.toSpec(l as never)), changes: [], reason: 'not in the document' },
        operations: handler.deleteOps(l as never),
      };
      deleted.push(step);
      steps.push(step);
    }

    if (kind !== 'authorization' && created.length > 0 && deleted.length > 0) explainRenames(kind, created, deleted);
  }

  if (conflicts.length > 0) throw new OwnershipConflictError(doc.stack, conflicts);
  checkImports(doc, state);

  const all = cascadeReplacements(doc, state, steps);
  all.sort(compareSteps);
  const events = all.map((s) => s.event);
  return {
    stack: doc.stack,
    revision: state.revision,
    events,
    summary: summarize(events),
    operations: orderOperations(all.flatMap(planned)),
  };
}

/** Every resource the document imports must exist (owned by anyone). */
function checkImports(doc: GatewayDocument, state: LiveState): void {
  if (!doc.imports) return;
  const missing: string[] = [];
  for (const { kind, collection } of KINDS) {
    const names = (doc.imports as Record<string, string[] | undefined>)[collection];
    if (!names || names.length === 0) continue;
    const live = new Set((state[collection] as LiveResource[]).map((r) => r.id));
    for (const name of names) if (!live.has(name)) missing.push(`${kindInfo(kind).label} ${name} (/imports/${collection})`);
  }
  if (missing.length > 0) throw new ImportMissingError(missing);
}

function planned(step: Step): PlannedOperation[] {
  const e = step.event;
  const narrowing =
    e.kind === 'authorization' && e.op === 'update' && (e.desired as Authorization).stages.every((s) => (e.live as Authorization).stages.includes(s));
  return step.operations.map((operation) => ({ operation, replacing: step.replacing === true, narrowing }));
}

/**
 * A resource that is replaced is deleted first, which the runtime refuses
 * while something uses it: what uses it (and, in turn, what uses that) is
 * replaced too, unless the plan deletes it anyway. Linear: each live
 * resource is visited at most once.
 */
function cascadeReplacements(doc: GatewayDocument, state: LiveState, steps: Step[]): Step[] {
  const queue = steps.filter((s) => s.event.op === 'replace').map((s) => ({ kind: s.event.kind, id: s.event.id }));
  if (queue.length === 0) return steps;
  const byKey = new Map<string, Step>();
  const stageSteps = new Map<string, Step[]>();
  for (const s of steps) {
    if (s.event.stage === undefined) byKey.set(`${s.event.kind} ${s.event.id}`, s);
    else {
      const list = stageSteps.get(s.event.id);
      if (list) list.push(s);
      else stageSteps.set(s.event.id, [s]);
    }
  }
  const users = usersIndex(state);
  const desiredByKey = new Map<string, AnySpec>();
  for (const { kind, collection } of KINDS) for (const spec of doc[collection] as AnySpec[]) desiredByKey.set(`${kind} ${handlerFor(kind).id(spec as never)}`, spec);
  const out = [...steps];
  const dropped = new Set<Step>();
  const done = new Set<string>(queue.map((q) => `${q.kind} ${q.id}`));
  for (let next = 0; next < queue.length; next++) {
    const cause = queue[next]!;
    for (const user of users.get(`${cause.kind} ${cause.id}`) ?? []) {
      const key = `${user.kind} ${user.id}`;
      if (done.has(key)) continue;
      done.add(key);
      const existing = byKey.get(key);
      if (existing && (existing.event.op === 'delete' || existing.event.op === 'revoke')) continue;
      const desired = desiredByKey.get(key);
      if (!desired || user.stack !== doc.stack) continue; // the runtime reports what the stack cannot change
      const handler = handlerFor(user.kind);
      if (existing) dropped.add(existing);
      // A replaced API is published again to its desired stages: its own stage steps are superseded.
      if (user.kind === 'api') for (const s of stageSteps.get(user.id) ?? []) dropped.add(s);
      const step: Step = {
        event: {
          op: 'replace',
          kind: user.kind,
          id: user.id,
          desired: handler.redact(desired),
          live: handler.redact(handler.toSpec(user as never)),
          changes: existing?.event.changes ?? [],
          reason: `${kindInfo(cause.kind).label} ${cause.id} is replaced`,
        },
        operations: [
          ...(existing?.operations.filter((o) => o.op === 'adopt') ?? []),
          ...handler.deleteOps(user as never),
          ...(user.kind === 'api' ? apiHandler.createOps(desired as Api).filter((o) => o.op !== 'publish') : handler.createOps(desired)),
        ],
        replacing: true,
      };
      out.push(step);
      if (user.kind === 'api') out.push(...publishSteps('api', user.id, desired, 'published with the replaced API'));
      queue.push({ kind: user.kind, id: user.id });
    }
  }
  return dropped.size > 0 ? out.filter((s) => !dropped.has(s)) : out;
}

/** For each live resource (`kind id`), the live resources whose spec refers to it. */
function usersIndex(state: LiveState): Map<string, LiveResource[]> {
  const out = new Map<string, LiveResource[]>();
  for (const { kind, collection } of KINDS)
    for (const user of state[collection] as LiveResource[])
      for (const ref of referencesOf(kind, user.spec as never)) {
        const key = `${ref.kind} ${ref.id}`;
        const list = out.get(key);
        if (list) list.push(user);
        else out.set(key, [user]);
      }
  return out;
}

/** The plan that removes everything a stack owns. */
export function computeDestroyPlan(stack: string, state: LiveState): Plan {
  const empty: GatewayDocument = { apiVersion: 'apigw/v1', stack, vpcAccesses: [], backendServices: [], groups: [], apis: [], apps: [], authorizations: [] };
  return computePlan(empty, state);
}

function createStep(kind: Kind, handler: ResourceHandler<Kind>, id: string, desired: AnySpec): Step {
  return {
    event: { op: kind === 'authorization' ? 'authorize' : 'create', kind, id, desired: handler.redact(desired), changes: [] },
    operations: kind === 'api' ? apiHandler.createOps(desired as Api).filter((o) => o.op !== 'publish') : handler.createOps(desired),
  };
}

function publishSteps(kind: Kind, id: string, desired: AnySpec, reason: string): Step[] {
  if (kind !== 'api') return [];
  return (desired as Api).stages.map((stage) => stageStep('publish', id, stage, reason));
}

function stageStep(op: 'publish' | 'unpublish', api: string, stage: Stage, reason: string): Step {
  return { event: { op, kind: 'api', id: api, stage, changes: [], reason }, operations: [{ op, api, stage }] };
}

/** Steps for a desired resource that exists live (owned, or being adopted). */
function reconcile(kind: Kind, handler: ResourceHandler<Kind>, id: string, desired: AnySpec, live: LiveResource, context: PlanContext, adopting: boolean): Step[] {
  if (!adopting && sameAsLive(kind, desired, live)) {
    if (kind !== 'api' || stagesInSync(desired as Api, live as LiveApi)) return [];
    const stages = apiHandler.stageChanges(desired as Api, live as LiveApi, false);
    if (stages.publish.length === 0 && stages.unpublish.length === 0) return [];
  }
  const liveSpec = handler.toSpec(live as never);
  const redactedLive = handler.redact(liveSpec);
  const redactedDesired = handler.redact(desired);
  const adoptOps: Operation[] = adopting ? [{ op: 'adopt', kind, id, fromStack: live.stack }] : [];

  if (kind === 'api') return reconcileApi(id, desired as Api, live as LiveApi, liveSpec as Api, adoptOps, redactedDesired, redactedLive);

  const changes = (handler as unknown as { compare(d: AnySpec, l: AnySpec): FieldChange[] }).compare(desired, liveSpec);
  if (changes.length === 0) {
    return adopting ? [{ event: { op: 'adopt', kind, id, desired: redactedDesired, live: redactedLive, changes: [] }, operations: adoptOps }] : [];
  }
  if (handler.requiresReplacement(changes)) {
    const forcing = changes.filter((c) => c.forcesReplacement).map((c) => c.path.slice(1).replace(/\//g, '.'));
    return [
      {
        event: { op: 'replace', kind, id, desired: redactedDesired, live: redactedLive, changes, reason: `${forcing.join(', ')} cannot change in place` },
        operations: [...adoptOps, ...handler.deleteOps(live as never), ...handler.createOps(desired)],
        replacing: true,
      },
    ];
  }
  const consequences = kind === 'backendService' ? context.backendConsequences(desired as BackendService, liveSpec as BackendService) : [];
  return [
    {
      event: {
        op: adopting ? 'adopt' : 'update',
        kind,
        id,
        desired: redactedDesired,
        live: redactedLive,
        changes,
        ...(consequences.length > 0 ? { consequences } : {}),
      },
      operations: [...adoptOps, ...handler.updateOps(desired, live as never)],
    },
  ];
}

/**
 * The common case, cheaply: the live spec, put in canonical order, already
 * equals the desired one (the runtime stores specs with their defaults
 * filled). Anything else goes through full normalization and a field diff.
 */
function sameAsLive(kind: Kind, desired: AnySpec, live: LiveResource): boolean {
  if (kind === 'api' ? definitionEqual(desired as Api, live.spec) : jsonEqual(desired, live.spec)) return true;
  const spec = kind === 'api' ? { ...(live.spec as object), stages: (desired as Api).stages } : live.spec;
  try {
    return jsonEqual(desired, canonicalSpec(kind, spec as AnySpec));
  } catch {
    return false;
  }
}

/**
 * The common case of stageChanges, without allocating: every desired stage
 * serves the current definition and no other stage is published.
 */
function stagesInSync(desired: Api, live: LiveApi): boolean {
  const published = live.published ?? {};
  let count = 0;
  for (const stage of STAGES) {
    const revision = published[stage];
    if (revision === undefined) continue;
    count++;
    if (revision.digest !== live.digest || !desired.stages.includes(stage)) return false;
  }
  return count === new Set(desired.stages).size;
}

/** An API's definition (everything but its stages) equals a stored one, compared without copying. */
function definitionEqual(desired: Api, stored: unknown): boolean {
  if (typeof stored !== 'object' || stored === null || 'stages' in stored) return false;
  const live = stored as Record<string, unknown>;
  const wanted = desired as unknown as Record<string, unknown>;
  let count = 0;
  for (const key in wanted) {
    if (key === 'stages' || wanted[key] === undefined) continue;
    count++;
    if (!jsonEqual(wanted[key], live[key])) return false;
  }
  for (const key in live) if (live[key] !== undefined) count--;
  return count === 0;
}

function reconcileApi(id: string, desired: Api, live: LiveApi, liveSpec: Api, adoptOps: Operation[], redactedDesired: AnySpec, redactedLive: AnySpec): Step[] {
  const changes = apiHandler.compare(desired, liveSpec).filter((c) => c.path !== '/stages');
  const steps: Step[] = [];
  const definitionChanges = changes.length > 0;
  if (definitionChanges || adoptOps.length > 0) {
    steps.push({
      event: { op: adoptOps.length > 0 ? 'adopt' : 'update', kind: 'api', id, desired: redactedDesired, live: redactedLive, changes },
      operations: [...adoptOps, ...(definitionChanges ? [apiHandler.definitionUpdateOp(desired)] : [])],
    });
  }
  const stages = apiHandler.stageChanges(desired, live, definitionChanges);
  for (const stage of stages.unpublish) steps.push(stageStep('unpublish', id, stage, `${stage} is no longer in the API's stages`));
  for (const stage of stages.publish) {
    const reason = stages.stale.includes(stage)
      ? `${stage} serves an older revision`
      : live.published?.[stage]
        ? 'the definition changed'
        : `${stage} was added to the API's stages`;
    steps.push(stageStep('publish', id, stage, reason));
  }
  return steps;
}

/** Lazily built indexes of the live state that consequences need. */
class PlanContext {
  private apisByService: Map<string, LiveApi[]> | undefined;

  constructor(private readonly state: LiveState) {}

  /** APIs a backend service change repoints or unpublishes, stage by stage. */
  backendConsequences(desired: BackendService, live: BackendService): Consequence[] {
    const out: Consequence[] = [];
    for (const stage of STAGES) {
      const before = live.environments[stage];
      if (!before || jsonEqual(before, desired.environments[stage])) continue;
      const apis = this.publishedUsing(desired.name, stage);
      if (apis.length > 0) out.push({ effect: desired.environments[stage] ? 'repoint' : 'unpublish', stage, apis });
    }
    return out;
  }

  private publishedUsing(service: string, stage: Stage): string[] {
    if (!this.apisByService) {
      this.apisByService = new Map();
      for (const api of this.state.apis) {
        const name = api.spec.backend.service;
        const list = this.apisByService.get(name);
        if (list) list.push(api);
        else this.apisByService.set(name, [api]);
      }
    }
    return (this.apisByService.get(service) ?? [])
      .filter((a) => a.published?.[stage] !== undefined)
      .map((a) => a.id)
      .sort();
  }
}

/**
 * A delete and a create of the same kind whose specs agree on everything
 * but identity are a rename (or, for an API, a move to another group):
 * names are identities, so it stays a delete and a create, each saying why.
 */
function explainRenames(kind: Kind, created: Step[], deleted: Step[]): void {
  const key = (spec: AnySpec | undefined): string => {
    const { name: _name, group: _group, stages: _stages, ...rest } = spec as unknown as Record<string, unknown>;
    return canonicalJson(rest);
  };
  const byKey = new Map<string, Step[]>();
  for (const d of deleted) {
    const k = key(d.event.live);
    const list = byKey.get(k);
    if (list) list.push(d);
    else byKey.set(k, [d]);
  }
  for (const c of created) {
    const match = byKey.get(key(c.event.desired))?.shift();
    if (!match) continue;
    const from = match.event.live as KindSpecs['api'];
    const to = c.event.desired as KindSpecs['api'];
    if (kind === 'api' && from.name === to.name && from.group !== to.group) {
      match.event = { ...match.event, reason: `moves to group ${to.group} as ${c.event.id}; the group of an API cannot change in place` };
      c.event = { ...c.event, reason: `replaces ${match.event.id}; the group of an API cannot change in place` };
    } else {
      match.event = { ...match.event, reason: `renamed to ${c.event.id}; a name is an identity` };
      c.event = { ...c.event, reason: `renamed from ${match.event.id}; a name is an identity` };
    }
  }
}

const OP_ORDER: Record<PlanOp, number> = { revoke: 0, delete: 0, replace: 1, adopt: 2, create: 3, authorize: 3, update: 4, unpublish: 5, publish: 6 };

function compareSteps(a: Step, b: Step): number {
  const x = a.event;
  const y = b.event;
  return (
    kindIndex(x.kind) - kindIndex(y.kind) ||
    (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) ||
    OP_ORDER[x.op] - OP_ORDER[y.op] ||
    (x.stage ? stageIndex(x.stage)! : -1) - (y.stage ? stageIndex(y.stage)! : -1)
  );
}

/** Counts as Terraform does; an API touched only by publishing counts as one change. */
export function summarize(events: readonly PlanEvent[]): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  const touched = new Set<string>();
  const stageOnly = new Set<string>();
  for (const e of events) {
    const key = `${e.kind}\u0000${e.id}`;
    switch (e.op) {
      case 'create':
      case 'authorize':
        add++;
        break;
      case 'update':
      case 'adopt':
        change++;
        break;
      case 'replace':
        add++;
        destroy++;
        break;
      case 'delete':
      case 'revoke':
        destroy++;
        break;
      case 'publish':
      case 'unpublish':
        stageOnly.add(key);
        continue;
    }
    touched.add(key);
  }
  for (const key of stageOnly) if (!touched.has(key)) change++;
  return { add, change, destroy };
}
