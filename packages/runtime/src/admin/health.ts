/**
 * `/healthz` (the process answers), `/readyz` (the store is open and the
 * data plane serves) — both open, they reveal nothing — and `/metrics`
 * (Prometheus text; needs the token like every other endpoint).
 */
import { json, type Route } from './router';

export const routes: readonly Route[] = [
  { pattern: '/healthz', open: true, methods: { GET: () => json(200, { status: 'ok' }) } },
  {
    pattern: '/readyz',
    open: true,
    methods: {
      GET: (ctx) => {
        const ready = ctx.ready();
        return json(ready ? 200 : 503, { status: ready ? 'ready' : 'starting', revision: ctx.core.store.revision });
      },
    },
  },
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
