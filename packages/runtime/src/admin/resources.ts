/**
 * The create/read/update/delete endpoints, the same for every kind:
 * `GET|POST <collection>` and `GET|PUT|DELETE <collection>/<id segments>`,
 * with the paths of client/paths.ts. What differs between kinds is data,
 * all in that one table (the path, the id fields the path fixes); an
 * endpoint that only one kind has lives in its own module (stages.ts:
 * publishing an API).
 */
import { KINDS, type Kind } from '@apigw/schema';
import { RESOURCE_PATHS } from '../client/paths';
import { RuntimeError } from '../errors';
import type { LiveResource } from '../model';
import { changeOptions, checkQuery, etag, json, type RequestContext, type Route } from './router';

/** The CRUD routes of one kind. */
function resourceRoutes(kind: Kind): Route[] {
  const path = RESOURCE_PATHS[kind];
  const segments = (ctx: RequestContext) => path.params.map((p) => ctx.params[p]!);
  const idOf = (ctx: RequestContext) => path.id(segments(ctx));
  return [
    {
      pattern: path.collection,
      methods: {
        GET: async (ctx) => {
          checkQuery(ctx, ['stack']);
          const stack = ctx.query.get('stack');
          const state = await ctx.core.getState(stack ? { stack } : {});
          const items = (Object.values(state).filter(Array.isArray) as LiveResource[][]).flat().filter((r) => r.kind === kind);
          return json(200, { revision: state.revision, items }, { etag: etag(state.revision) });
        },
        POST: async (ctx) => {
          const result = await ctx.core.create(kind, ctx.body, changeOptions(ctx));
          return json(result.dryRun ? 200 : 201, result, { etag: etag(result.revision) });
        },
      },
    },
    {
      pattern: `${path.collection}/${path.params.map((p) => `:${p}`).join('/')}`,
      methods: {
        GET: async (ctx) => {
          checkQuery(ctx, []);
          const id = idOf(ctx);
          const resource = await ctx.core.getResource(kind, id);
          if (!resource) throw new RuntimeError('APIGW_NOT_FOUND', `${kind} ${id} does not exist`);
          return json(200, resource);
        },
        PUT: async (ctx) => {
          const result = await ctx.core.update(kind, ctx.body, changeOptions(ctx), path.identity(segments(ctx)));
          return json(200, result, { etag: etag(result.revision) });
        },
        DELETE: async (ctx) => {
          const options = changeOptions(ctx);
          const result = await ctx.core.delete(kind, idOf(ctx), options);
          return json(200, result, { etag: etag(result.revision) });
        },
      },
    },
  ];
}

/** The CRUD routes of every kind defined so far (kinds defined with defineKind included). */
export function routes(): readonly Route[] {
  return KINDS.flatMap(({ kind }) => resourceRoutes(kind));
}
