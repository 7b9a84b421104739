/**
 * App credentials: `GET /v1/apps/{name}/credentials` and
 * `POST /v1/apps/{name}/credentials/rotate` (new AppSecret and AppCode; the
 * AppKey stays). Answers are never cached.
 */
import { checkNoBody, checkQuery, json, type Route } from './router';

const noStore = { 'cache-control': 'no-store' };

export const routes: readonly Route[] = [
  {
    pattern: '/v1/apps/:name/credentials',
    methods: {
      GET: async (ctx) => {
        checkQuery(ctx, []);
        return json(200, await ctx.core.getCredentials(ctx.params['name']!), noStore);
      },
    },
  },
  {
    pattern: '/v1/apps/:name/credentials/rotate',
    methods: {
      POST: async (ctx) => {
        checkQuery(ctx, []);
        checkNoBody(ctx);
        return json(200, await ctx.core.rotateCredentials(ctx.params['name']!), noStore);
      },
    },
  },
];
