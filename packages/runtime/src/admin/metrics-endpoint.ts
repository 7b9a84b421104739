/**
 * `GET /metrics`: the registry of metrics.ts in the Prometheus text format,
 * followed by the text of every external source (the data-plane worker
 * processes' request metrics). It needs the token like every endpoint but
 * the health probes.
 */
import type { AdminMetrics } from './metrics';
import type { Route } from './router';

/** The text `/metrics` serves: the registry's metrics, then every external source's. */
export async function metricsText(metrics: AdminMetrics): Promise<string> {
  const texts = await Promise.all([metrics.registry.metrics(), ...metrics.external.map((source) => source())]);
  return texts.filter((t) => t.length > 0).join('\n');
}

export const routes: readonly Route[] = [
  {
    pattern: '/metrics',
    methods: {
      GET: async (ctx) => {
        ctx.metrics.revision.set(ctx.core.store.revision);
        return { status: 200, text: await metricsText(ctx.metrics), headers: { 'content-type': ctx.metrics.registry.contentType } };
      },
    },
  },
];
