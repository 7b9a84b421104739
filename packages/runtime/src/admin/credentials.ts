/**
 * App credentials: `GET /v1/apps/{name}/credentials` and
 * `POST /v1/apps/{name}/credentials/rotate[?graceSeconds=N]` (new AppSecret
 * and AppCode; the AppKey stays; the replaced pair keeps working N seconds).
 * Answers are never cached.
 */
import { RuntimeError } from '../errors';
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
        checkQuery(ctx, ['graceSeconds']);
        checkNoBody(ctx);
        const grace = ctx.query.get('graceSeconds');
        if (grace !== null && !/^\d{1,9}$/.test(grace))
          throw new RuntimeError('APIGW_BAD_REQUEST', '?graceSeconds must be a whole number of seconds', { problems: [{ code: 'SCHEMA_VIOLATION', pointer: '?graceSeconds', message: 'must be a whole number of seconds' }] });
        return json(200, await ctx.core.rotateCredentials(ctx.params['name']!, grace === null ? {} : { graceSeconds: Number(grace) }), noStore);
      },
    },
  },
];
