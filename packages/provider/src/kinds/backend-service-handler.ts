/**
 * Backend services: one definition per environment, which every API
 * published to that stage follows when a request arrives. An update
 * therefore says which published APIs it repoints or unpublishes, stage by
 * stage, although no operation touches them.
 */
import { STAGES, type BackendService } from '@apigw/schema';
import type { ChangeContext, Consequence } from '../diff/plan';
import { jsonEqual } from './field-diff';
import { BaseHandler } from './handler-base';

export class BackendServiceHandler extends BaseHandler<'backendService'> {
  constructor() {
    super('backendService');
  }

  /** APIs a change of a stage's definition repoints, or a removed definition unpublishes. */
  protected override consequences(desired: BackendService, live: BackendService, context: ChangeContext): Consequence[] {
    const out: Consequence[] = [];
    for (const stage of STAGES) {
      const before = live.environments[stage];
      if (!before || jsonEqual(before, desired.environments[stage])) continue;
      const apis = context.publishedUsing(desired.name, stage);
      if (apis.length > 0) out.push({ effect: desired.environments[stage] ? 'repoint' : 'unpublish', stage, apis });
    }
    return out;
  }
}
