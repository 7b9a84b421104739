/** The admin API: HTTP server, the core it calls, token and metrics. */
export { AdminCore, type ChangeOptions, type ChangeResult, type StateRead } from './core';
export { AdminServer, createAdminServer, DEFAULT_ADMIN_MAX_BODY_BYTES, type AdminServerOptions, type AdminTls } from './server';
export { resolveAdminToken, tokenMatches, TOKEN_FILE } from './token';
export { createMetrics, type AdminMetrics, type MetricsOptions } from './metrics';
export type { Handler, Reply, RequestContext, Route } from './router';
