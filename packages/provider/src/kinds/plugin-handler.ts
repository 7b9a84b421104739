/**
 * Plugins: a named traffic policy that acts on the APIs its attachments
 * bind it to. An update therefore says, stage by stage, which published
 * APIs' traffic policy it changes, although no operation touches them.
 */
import { STAGES, type Plugin } from '@apigw/schema';
import type { ChangeContext, Consequence } from '../diff/plan';
import { BaseHandler } from './handler-base';

export class PluginHandler extends BaseHandler<'plugin'> {
  constructor() {
    super('plugin');
  }

  /** The published APIs the plugin acts on, per stage: their policy changes with it. */
  protected override consequences(desired: Plugin, _live: Plugin, context: ChangeContext): Consequence[] {
    const out: Consequence[] = [];
    for (const stage of STAGES) {
      const apis = context.actedOnBy(desired, stage);
      if (apis.length > 0) out.push({ effect: 'policy', stage, apis });
    }
    return out;
  }
}
