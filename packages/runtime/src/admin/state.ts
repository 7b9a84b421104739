/**
 * `GET /v1/state[?stack=S][&since=R[&store=ID]]`: the live state with its
 * revision as ETag and the store's id in `X-Apigw-Store`; `If-None-Match`
 * with the current ETag answers 304 (unless `store` names another store).
 * With `since`, a reader that holds the state at revision R (of store ID)
 * gets only what changed since (a LiveStateChanges, told apart by its
 * `since` field), or the whole state when the change log no longer reaches
 * back to R or ID names another store.
 */
import { KINDS } from '@apigw/schema';
import { RuntimeError } from '../errors';
import { STORE_HEADER } from '../client/paths';
import { checkQuery, etag, type Reply, type Route } from './router';

export const routes: readonly Route[] = [
  {
    pattern: '/v1/state',
    methods: {
      GET: async (ctx): Promise<Reply> => {
        checkQuery(ctx, ['stack', 'since', 'store']);
        const store = ctx.query.get('store');
        const stack = ctx.query.get('stack');
        const sinceText = ctx.query.get('since');
        if (sinceText !== null && !/^\d{1,15}$/.test(sinceText))
          throw new RuntimeError('APIGW_BAD_REQUEST', '?since: must be a revision (a non-negative integer)', {
            problems: [{ code: 'SCHEMA_VIOLATION', pointer: '?since', message: 'must be a revision (a non-negative integer)' }],
          });
        const current = etag(await ctx.core.store.readRevision());
        // A revision names a state only within its store: a reader of another store gets the whole state.
        const sameStore = store === null || store === ctx.core.store.id;
        if (sameStore && ctx.headers['if-none-match'] === current) return { status: 304, headers: { etag: current } };
        const read = await ctx.core.readState({
          ...(stack ? { stack } : {}),
          ...(sinceText === null ? {} : { since: Number(sinceText) }),
          ...(store === null ? {} : { store }),
        });
        const text = read.kind === 'unchanged' ? `{"revision":${read.revision},"since":${read.revision},"changed":${emptyCollections()},"deleted":[]}` : read.text;
        return { status: 200, text, headers: { etag: etag(read.revision), [STORE_HEADER]: read.store, 'content-type': 'application/json; charset=utf-8' } };
      },
    },
  },
];

/** `{"vpcAccesses":[],...}`: every collection of the kinds defined so far, empty. */
function emptyCollections(): string {
  return JSON.stringify(Object.fromEntries(KINDS.map((k) => [k.collection, []])));
}
