/**
 * `/healthz` (the process answers) and `/readyz` (the store is open and the
 * data plane serves what was committed; 503 with the reason when, say, the
 * inventory file is unusable): both open to callers without the token,
 * since they reveal nothing.
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
        const problem = ready ? (ctx.notReadyBecause?.() ?? null) : null;
        if (problem !== null) return json(503, { status: 'not-ready', reason: problem, revision: ctx.core.store.revision });
        return json(ready ? 200 : 503, { status: ready ? 'ready' : 'starting', revision: ctx.core.store.revision });
      },
    },
  },
];
