/**
 * `GET /v1/state[?stack=S]`: the live state with its revision as ETag;
 * `If-None-Match` with the current ETag answers 304.
 */
import { checkQuery, etag, json, type Route } from './router';

export const routes: readonly Route[] = [
  {
    pattern: '/v1/state',
    methods: {
      GET: (ctx) => {
        checkQuery(ctx, ['stack']);
        const stack = ctx.query.get('stack');
        const current = etag(ctx.core.store.revision);
        if (ctx.headers['if-none-match'] === current) return { status: 304, headers: { etag: current } };
        const state = ctx.core.getState(stack ? { stack } : {});
        return json(200, state, { etag: etag(state.revision) });
      },
    },
  },
];
