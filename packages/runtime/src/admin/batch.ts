/** `POST /v1/batch`: operations applied atomically (or checked, with dryRun). */
import { checkQuery, etag, json, type Route } from './router';

export const routes: readonly Route[] = [
  {
    pattern: '/v1/batch',
    methods: {
      POST: async (ctx) => {
        checkQuery(ctx, []);
        try {
          const result = await ctx.core.batch(ctx.body ?? null);
          ctx.metrics.batches.inc({ outcome: result.dryRun ? 'dry_run' : 'committed' });
          return json(200, result, { etag: etag(result.revision) });
        } catch (error) {
          ctx.metrics.batches.inc({ outcome: 'rejected' });
          throw error;
        }
      },
    },
  },
];
