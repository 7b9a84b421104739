/**
 * The API handler: an API's definition is a resource like any other, and
 * where it is published is separate state, so this handler adds publishing
 * to the base behaviour (stage changes, republishing after a definition
 * change, unpublishing before a delete).
 */
import { STAGES, canonicalJson, canonicalSpec, sortStages, type Api, type Stage } from '@apigw/schema';
import type { ApiDefinition, LiveApi, LiveResource, Operation, StoredSpec } from '@apigw/runtime';
import type { ChangeContext, PlanEvent, PlanStep } from '../diff/plan';
import { jsonEqual } from './field-diff';
import { BaseHandler } from './handler-base';
import type { ApiHandler, FieldChange, LiveBase, StageChanges } from './resource-handler';

/**
 * APIs: the definition is a resource like any other, and publishing is
 * separate state. An API's document `stages` are the stages it is published
 * to; editing the definition changes nothing live until the API is
 * published again, so an update republishes every desired stage, and a
 * stage serving an older revision than the current definition is
 * republished too. Everything the planner does with APIs is here: its
 * steps publish and unpublish stage by stage, and updateOps is the same
 * plan flattened.
 */
export class ApiResourceHandler extends BaseHandler<'api'> implements ApiHandler {
  constructor() {
    super('api');
  }

  override toSpec(live: LiveResource<'api'>): Api {
    const published = (live as LiveApi).published ?? {};
    const stages = STAGES.filter((s) => published[s] !== undefined);
    return this.normalize({ ...(live.spec as ApiDefinition), stages } as Api);
  }

  /** The definition's digest and the revision each stage serves. */
  override liveRecord(live: LiveResource<'api'>): Record<string, unknown> {
    const api = live as LiveApi;
    return { digest: api.digest, published: api.published };
  }

  /** A recorded API: its document `stages` are where it is published, so the definition is the spec without them. */
  override liveFromRecord(base: LiveBase<'api'>, spec: Record<string, unknown>, record: Readonly<Record<string, unknown>>): LiveResource<'api'> {
    const { stages: _stages, ...definition } = spec;
    const api: LiveApi = {
      ...base,
      spec: definition as unknown as StoredSpec<'api'>,
      digest: typeof record['digest'] === 'string' ? record['digest'] : '',
      published: (record['published'] ?? {}) as LiveApi['published'],
    };
    return api as unknown as LiveResource<'api'>;
  }

  /** Definition changes, then `/stages` when the published set differs, then one `/published/STAGE` per stage serving an older revision. */
  override diff(desired: Api, live: LiveResource<'api'>): FieldChange[] {
    return this.compareLive(this.normalize(desired), live as LiveApi, this.toSpec(live));
  }

  /** The diff of a normalized desired API against a live one whose spec is already normalized (`liveSpec = toSpec(live)`). */
  compareLive(desired: Api, live: LiveApi, liveSpec: Api): FieldChange[] {
    const changes = this.compare(desired, liveSpec);
    const definitionChanges = changes.some((c) => c.path !== '/stages');
    for (const stage of this.stageChanges(desired, live, definitionChanges).stale)
      changes.push({ path: `/published/${stage}`, before: 'an older revision', after: 'the current definition', forcesReplacement: false });
    return changes;
  }

  stageChanges(desired: Api, live: LiveApi, definitionChanges: boolean): StageChanges {
    const published = live.published ?? {};
    const publish: Stage[] = [];
    const stale: Stage[] = [];
    for (const stage of sortStages(desired.stages)) {
      const revision = published[stage];
      if (!revision || definitionChanges) publish.push(stage);
      else if (revision.digest !== live.digest) {
        publish.push(stage);
        stale.push(stage);
      }
    }
    const unpublish = STAGES.filter((s) => published[s] !== undefined && !desired.stages.includes(s));
    return { publish, unpublish, stale };
  }

  override createOps(desired: Api): Operation[] {
    const id = this.id(desired);
    return [this.definitionOp('create', desired), ...sortStages(desired.stages).map((stage): Operation => ({ op: 'publish', api: id, stage }))];
  }

  override updateOps(desired: Api, live: LiveResource<'api'>): Operation[] {
    return this.planChange(this.normalize(desired), live, NOT_ADOPTING).flatMap((step) => step.operations);
  }

  /** In sync: the stored definition equals the desired one and every desired stage, and no other, serves it. */
  override inSync(desired: Api, live: LiveResource<'api'>): boolean {
    if (!this.definitionInSync(desired, live)) return false;
    if (stagesInSync(desired, live as LiveApi)) return true;
    const stages = this.stageChanges(desired, live as LiveApi, false);
    return stages.publish.length === 0 && stages.unpublish.length === 0;
  }

  /** The definition is created, then published to each desired stage. */
  override planCreate(id: string, desired: Api, replaced: boolean): PlanStep[] {
    const reason = replaced ? 'published with the replaced API' : 'published with the new API';
    return [
      { event: { op: 'create', kind: 'api', id, desired: this.redact(desired), changes: [] }, operations: [this.definitionOp('create', desired)] },
      ...sortStages(desired.stages).map((stage) => stageStep('publish', id, stage, reason)),
    ];
  }

  /**
   * Unpublish the stages the API leaves; store a changed definition (or
   * adopt); publish every stage that does not serve the desired definition.
   */
  override planChange(desired: Api, live: LiveResource<'api'>, context: ChangeContext): PlanStep[] {
    const liveApi = live as LiveApi;
    const liveSpec = this.toSpec(live);
    const changes = this.compare(desired, liveSpec).filter((c) => c.path !== '/stages');
    const definitionChanges = changes.length > 0;
    const stages = this.stageChanges(desired, liveApi, definitionChanges);
    const steps: PlanStep[] = stages.unpublish.map((stage) => stageStep('unpublish', live.id, stage, `${stage} is no longer in the API's stages`));
    if (definitionChanges || context.adopting)
      steps.push({
        event: { op: context.adopting ? 'adopt' : 'update', kind: 'api', id: live.id, desired: this.redact(desired), live: this.redact(liveSpec), changes },
        operations: [...this.adoptOps(live, context), ...(definitionChanges ? [this.definitionOp('update', desired)] : [])],
      });
    for (const stage of stages.publish) {
      const reason = stages.stale.includes(stage)
        ? `${stage} serves an older revision`
        : liveApi.published?.[stage]
          ? 'the definition changed'
          : `${stage} was added to the API's stages`;
      steps.push(stageStep('publish', live.id, stage, reason));
    }
    return steps;
  }

  /** An API is what it is apart from its group and name, and apart from where it is published. */
  override renameKey(spec: Api): string {
    const { name: _name, group: _group, stages: _stages, ...rest } = spec;
    return canonicalJson(rest);
  }

  /** The same name in another group is a move, which an API cannot make in place. */
  override explainRename(deleted: PlanEvent, created: PlanEvent): { readonly deleted: string; readonly created: string } {
    const from = deleted.live as Api;
    const to = created.desired as Api;
    if (from.name === to.name && from.group !== to.group)
      return {
        deleted: `moves to group ${to.group} as ${created.id}; the group of an API cannot change in place`,
        created: `replaces ${deleted.id}; the group of an API cannot change in place`,
      };
    return super.explainRename(deleted, created);
  }

  /** The operation that stores the desired definition; nothing live changes until a stage is published again. */
  private definitionOp(op: 'create' | 'update', desired: Api): Operation {
    return { op, kind: 'api', spec: this.stored(desired) };
  }

  /** The stored definition equals the desired one (cheaply compared first, then normalized). */
  private definitionInSync(desired: Api, live: LiveResource<'api'>): boolean {
    if (definitionEqual(desired, live.spec)) return true;
    try {
      return jsonEqual(desired, canonicalSpec('api', { ...(live.spec as object), stages: desired.stages } as Api));
    } catch {
      return false;
    }
  }

  override deleteOps(live: LiveResource<'api'>): Operation[] {
    const published = (live as LiveApi).published ?? {};
    return [
      ...STAGES.filter((s) => published[s] !== undefined).map((stage): Operation => ({ op: 'unpublish', api: live.id, stage })),
      { op: 'delete', kind: 'api', id: live.id },
    ];
  }

  /** The definition the runtime stores: the API without its stages. */
  protected override stored(spec: Api): StoredSpec<'api'> {
    const { stages: _stages, ...definition } = spec;
    return definition;
  }
}

/** updateOps plans as the owner of the API: no adopt comes first, and no other resource is asked about. */
const NOT_ADOPTING: ChangeContext = { adopting: false, publishedUsing: () => [], actedOnBy: () => [] };

function stageStep(op: 'publish' | 'unpublish', api: string, stage: Stage, reason: string): PlanStep {
  return { event: { op, kind: 'api', id: api, stage, changes: [], reason }, operations: [{ op, api, stage }] };
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
