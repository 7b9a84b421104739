/**
 * `GET /metrics`: the registry of metrics.ts in the Prometheus text format,
 * followed by the text of every external source (the data-plane worker
 * processes' request metrics). It needs the token like every endpoint but
 * the health probes.
 */
import type { Route } from './router';

export const routes: readonly Route[] = [
  {
    pattern: '/metrics',
    methods: {
      GET: async (ctx) => {
        ctx.metrics.revision.set(ctx.core.store.revision);
        const texts = await Promise.all([ctx.metrics.registry.metrics(), ...ctx.metrics.external.map((source) => source())]);
        return { status: 200, text: texts.filter((t) => t.length > 0).join('\n'), headers: { 'content-type': ctx.metrics.registry.contentType } };
      },
    },
  },
];
