/**
 * Publishing: `PUT /v1/apis/{group}/{name}/stages/{stage}` publishes an
 * API's current definition to a stage, `DELETE` unpublishes it. The API's
 * own create/read/update/delete endpoints are resources.ts's, like every
 * kind's.
 */
import { STAGES, type Stage } from '@apigw/schema';
import { RuntimeError } from '../errors';
import { changeOptions, checkNoBody, etag, json, type RequestContext, type Route } from './router';

function stageOf(ctx: RequestContext): Stage {
  const stage = ctx.params['stage']!;
  if (!STAGES.includes(stage as Stage))
    throw new RuntimeError('APIGW_BAD_REQUEST', `stage ${JSON.stringify(stage)} is not one of ${STAGES.join(', ')}`, {
      problems: [{ code: 'SCHEMA_VIOLATION', pointer: '/stage', message: `must be one of ${STAGES.join(', ')}` }],
    });
  return stage as Stage;
}

export const routes: readonly Route[] = [
  {
    pattern: '/v1/apis/:group/:name/stages/:stage',
    methods: {
      PUT: async (ctx) => {
        checkNoBody(ctx);
        const result = await ctx.core.publish(`${ctx.params['group']}/${ctx.params['name']}`, stageOf(ctx), changeOptions(ctx));
        return json(200, result, { etag: etag(result.revision) });
      },
      DELETE: async (ctx) => {
        checkNoBody(ctx);
        const result = await ctx.core.unpublish(`${ctx.params['group']}/${ctx.params['name']}`, stageOf(ctx), changeOptions(ctx));
        return json(200, result, { etag: etag(result.revision) });
      },
    },
  },
];
