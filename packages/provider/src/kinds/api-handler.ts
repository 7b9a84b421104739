/**
 * The API handler: an API's definition is a resource like any other, and
 * where it is published is separate state, so this handler adds publishing
 * to the base behaviour (stage changes, republishing after a definition
 * change, unpublishing before a delete).
 */
import { STAGES, sortStages, type Api, type Stage } from '@apigw/schema';
import type { ApiDefinition, LiveApi, LiveResource, Operation, StoredSpec } from '@apigw/runtime';
import { BaseHandler } from './handler-base';
import type { ApiHandler, FieldChange, StageChanges } from './resource-handler';

/**
 * APIs: the definition is a resource like any other, and publishing is
 * separate state. An API's document `stages` are the stages it is published
 * to; editing the definition changes nothing live until the API is
 * published again, so an update republishes every desired stage, and a
 * stage serving an older revision than the current definition is
 * republished too.
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
    return [
      { op: 'create', kind: 'api', spec: this.stored(desired) },
      ...sortStages(desired.stages).map((stage): Operation => ({ op: 'publish', api: id, stage })),
    ];
  }

  override updateOps(desired: Api, live: LiveResource<'api'>): Operation[] {
    const liveApi = live as LiveApi;
    const normalized = this.normalize(desired);
    const definitionChanges = this.compare(normalized, this.toSpec(live)).some((c) => c.path !== '/stages');
    const { publish, unpublish } = this.stageChanges(normalized, liveApi, definitionChanges);
    return [
      ...unpublish.map((stage): Operation => ({ op: 'unpublish', api: live.id, stage })),
      ...(definitionChanges ? [this.definitionUpdateOp(normalized)] : []),
      ...publish.map((stage): Operation => ({ op: 'publish', api: live.id, stage })),
    ];
  }

  definitionUpdateOp(desired: Api): Operation {
    return { op: 'update', kind: 'api', spec: this.stored(desired) };
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
