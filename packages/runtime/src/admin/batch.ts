/**
 * `POST /v1/batch`: operations applied atomically (or checked, with
 * dryRun). A batch is applied in one synchronous transaction that holds
 * up this process (the admin API; an embedded gateway's data plane too),
 * so its size is bounded before any work: the body's bytes and its objects and arrays
 * (the server's limits, before the JSON is parsed) and the operation count
 * (here, before the operations are looked at).
 */
import { RuntimeError } from '../errors';
import { checkQuery, etag, json, type Route } from './router';

/**
 * Most operations one batch may carry: above what a real apply sends
 * (10,000 APIs from empty, with their groups, services, apps and
 * authorizations, is 40,400), far below what stalls the process
 * (2,000,000 operations took seconds and 1 GB).
 */
export const MAX_BATCH_OPERATIONS = 100_000;

export const routes: readonly Route[] = [
  {
    pattern: '/v1/batch',
    methods: {
      POST: async (ctx) => {
        checkQuery(ctx, []);
        try {
          const operations = (ctx.body as { operations?: unknown } | undefined)?.operations;
          if (Array.isArray(operations) && operations.length > MAX_BATCH_OPERATIONS) {
            const message = `a batch takes at most ${MAX_BATCH_OPERATIONS} operations, not ${operations.length}; split it`;
            throw new RuntimeError('APIGW_BODY_TOO_LARGE', `/operations: ${message}`, { problems: [{ code: 'SCHEMA_VIOLATION', pointer: '/operations', message }] });
          }
          // Requests that arrived while the body was parsed (an embedded data plane's traffic) go first.
          await new Promise<void>((resolve) => setImmediate(resolve));
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
