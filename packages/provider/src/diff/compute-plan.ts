/**
 * The planner: the pure diff of a validated document against the live state,
 * one pass per kind through the kind's handler, producing the plan's events
 * and the ordered operations that carry them out.
 */
import { KINDS, kindIndex, kindInfo, referencesOf, stageIndex, type AnySpec, type GatewayDocument, type Kind, type Plugin, type Stage } from '@apigw/schema';
import type { LiveApi, LiveResource, LiveState } from '@apigw/runtime';
import { ImportMissingError, OwnershipConflictError, type OwnershipConflict } from '../errors';
import { handlerFor, type ResourceHandler } from '../kinds';
import { orderOperations, type PlannedOperation } from './order';
import type { ChangeContext, Plan, PlanEvent, PlanOp, PlanStep, PlanSummary } from './plan';

/** Options of a plan. */
export interface PlanOptions {
  /** Take over resources the document names that another stack, or nobody, owns. */
  readonly adopt?: boolean;
}

/**
 * Computes the plan that makes the gateway match a validated document:
 * pure (no network), one pass over each kind with maps by identity, so its
 * cost grows linearly with the number of resources. What a kind does in a
 * plan is its handler's (ResourceHandler's planning members); this loop
 * knows no kind.
 *
 * `state` is the whole live state: resources of the document's stack are
 * reconciled; resources of other stacks are never touched, and naming one
 * in the document is an OwnershipConflictError unless `adopt` is set.
 */
export function computePlan(doc: GatewayDocument, state: LiveState, options: PlanOptions = {}): Plan {
  const steps: PlanStep[] = [];
  const conflicts: OwnershipConflict[] = [];
  const owned = new PlanContext(state, false);
  const adopting = new PlanContext(state, true);

  for (const { kind, collection } of KINDS) {
    const handler = handlerFor(kind) as ResourceHandler<Kind>;
    const live = (state[collection] ?? []) as LiveResource[];
    const liveById = new Map<string, LiveResource>();
    for (const l of live) liveById.set(l.id, l);
    const desiredIds = new Set<string>();
    const created: PlanStep[] = [];
    const deleted: PlanStep[] = [];

    for (const desired of (doc[collection] ?? []) as AnySpec[]) {
      const id = handler.id(desired);
      desiredIds.add(id);
      const l = liveById.get(id);
      if (!l) {
        const planned = handler.planCreate(id, desired, false);
        created.push(planned[0]!);
        steps.push(...planned);
      } else if (l.stack !== doc.stack) {
        if (options.adopt) steps.push(...handler.planChange(desired, l, adopting));
        else conflicts.push({ kind: kindInfo(kind).label, id, owner: l.stack });
      } else if (!handler.inSync(desired, l)) {
        steps.push(...handler.planChange(desired, l, owned));
      }
    }

    for (const l of live) {
      if (l.stack !== doc.stack || desiredIds.has(l.id)) continue;
      const step = handler.planDelete(l);
      deleted.push(step);
      steps.push(step);
    }

    if (created.length > 0 && deleted.length > 0) explainRenames(handler, created, deleted);
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
    const live = new Set(((state[collection] ?? []) as LiveResource[]).map((r) => r.id));
    for (const name of names) if (!live.has(name)) missing.push(`${kindInfo(kind).label} ${name} (/imports/${collection})`);
  }
  if (missing.length > 0) throw new ImportMissingError(missing);
}

function planned(step: PlanStep): PlannedOperation[] {
  const handler = handlerFor(step.event.kind);
  return step.operations.map((operation) => ({ operation, replacing: step.replacing === true, revoking: handler.withRevocations(operation, step.event) }));
}

/**
 * A resource that is replaced is deleted first, which the runtime refuses
 * while something uses it: what uses it (and, in turn, what uses that) is
 * replaced too, unless the plan deletes it anyway. A user that is replaced
 * is created again as its handler creates it, and its own stage steps are
 * superseded. Linear: each live resource is visited at most once.
 */
function cascadeReplacements(doc: GatewayDocument, state: LiveState, steps: PlanStep[]): PlanStep[] {
  const queue = steps.filter((s) => s.event.op === 'replace').map((s) => ({ kind: s.event.kind, id: s.event.id }));
  if (queue.length === 0) return steps;
  const byKey = new Map<string, PlanStep>();
  const stageSteps = new Map<string, PlanStep[]>();
  for (const s of steps) {
    const key = `${s.event.kind} ${s.event.id}`;
    if (s.event.stage === undefined) byKey.set(key, s);
    else {
      const list = stageSteps.get(key);
      if (list) list.push(s);
      else stageSteps.set(key, [s]);
    }
  }
  const users = usersIndex(state);
  const desiredByKey = new Map<string, AnySpec>();
  for (const { kind, collection } of KINDS) for (const spec of (doc[collection] ?? []) as AnySpec[]) desiredByKey.set(`${kind} ${handlerFor(kind).id(spec as never)}`, spec);
  const out = [...steps];
  const dropped = new Set<PlanStep>();
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
      const handler = handlerFor(user.kind) as ResourceHandler<Kind>;
      if (existing) dropped.add(existing);
      for (const s of stageSteps.get(key) ?? []) dropped.add(s);
      const [create, ...then] = handler.planCreate(user.id, desired, true);
      out.push(
        {
          event: {
            op: 'replace',
            kind: user.kind,
            id: user.id,
            desired: handler.redact(desired),
            live: handler.redact(handler.toSpec(user)),
            changes: existing?.event.changes ?? [],
            reason: `${kindInfo(cause.kind).label} ${cause.id} is replaced`,
          },
          operations: [...(existing?.operations.filter((o) => o.op === 'adopt') ?? []), ...handler.deleteOps(user), ...create!.operations],
          replacing: true,
        },
        ...then,
      );
      queue.push({ kind: user.kind, id: user.id });
    }
  }
  return dropped.size > 0 ? out.filter((s) => !dropped.has(s)) : out;
}

/** For each live resource (`kind id`), the live resources whose spec refers to it. */
function usersIndex(state: LiveState): Map<string, LiveResource[]> {
  const out = new Map<string, LiveResource[]>();
  for (const { kind, collection } of KINDS)
    for (const user of (state[collection] ?? []) as LiveResource[])
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
  const empty: GatewayDocument = { apiVersion: 'apigw/v1', stack, vpcAccesses: [], backendServices: [], groups: [], apis: [], apps: [], authorizations: [], plugins: [], pluginAttachments: [] };
  return computePlan(empty, state);
}

/** What handlers may ask of the live state while planning a change, its indexes built on first use. */
class PlanContext implements ChangeContext {
  private apisByService: Map<string, LiveApi[]> | undefined;

  constructor(
    private readonly state: LiveState,
    readonly adopting: boolean,
  ) {}

  publishedUsing(service: string, stage: Stage): string[] {
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

  actedOnBy(plugin: Pick<Plugin, 'name' | 'type'>, stage: Stage): string[] {
    const typeOf = new Map(this.state.plugins.map((p) => [p.id, p.spec.type] as const));
    typeOf.set(plugin.name, plugin.type);
    const attachments = this.state.pluginAttachments.map((a) => a.spec).filter((a) => a.stages.includes(stage));
    // APIs with an attachment of their own of this type in the stage: a group's plugin does not act on them.
    const ownOfType = new Set(attachments.filter((a) => a.api !== undefined && typeOf.get(a.plugin) === plugin.type).map((a) => a.api));
    const apis = new Set<string>();
    for (const a of attachments) {
      if (a.plugin !== plugin.name) continue;
      for (const api of this.state.apis) {
        if (api.published?.[stage] === undefined) continue;
        if (a.api !== undefined ? api.id === a.api : api.spec.group === a.group && !ownOfType.has(api.id)) apis.add(api.id);
      }
    }
    return [...apis].sort();
  }
}

/**
 * A delete and a create of the same kind whose specs agree on everything
 * but identity are a rename (or, for an API, a move to another group):
 * names are identities, so it stays a delete and a create, each saying why
 * (in the handler's words).
 */
function explainRenames(handler: ResourceHandler<Kind>, created: PlanStep[], deleted: PlanStep[]): void {
  const byKey = new Map<string, PlanStep[]>();
  for (const d of deleted) {
    const k = handler.renameKey(d.event.live!);
    if (k === undefined) return;
    const list = byKey.get(k);
    if (list) list.push(d);
    else byKey.set(k, [d]);
  }
  for (const c of created) {
    const k = handler.renameKey(c.event.desired!);
    const match = k === undefined ? undefined : byKey.get(k)?.shift();
    if (!match) continue;
    const why = handler.explainRename(match.event, c.event);
    match.event = { ...match.event, reason: why.deleted };
    c.event = { ...c.event, reason: why.created };
  }
}

const OP_ORDER: Record<PlanOp, number> = { revoke: 0, delete: 0, replace: 1, adopt: 2, create: 3, authorize: 3, update: 4, unpublish: 5, publish: 6 };

function compareSteps(a: PlanStep, b: PlanStep): number {
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
