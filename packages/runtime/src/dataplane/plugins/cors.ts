/**
 * CORS: which browser origins may call the APIs a plugin is attached to.
 *
 * - Preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`):
 *   the gateway answers it for every API of the plugin's scope that has no
 *   OPTIONS API of its own: 204 with the Access-Control-* headers when the
 *   origin, the method and every requested header are allowed; otherwise a
 *   refusal without any of them, so the browser stops.
 * - Every other answer to an allowed origin (proxied, mock or gateway-made)
 *   carries `Access-Control-Allow-Origin` (plus `-Allow-Credentials` and
 *   `-Expose-Headers` when configured).
 * - A disallowed origin gets no CORS headers at all.
 * - `*` in `allowOrigins` answers `Access-Control-Allow-Origin: *`; it is
 *   never combined with credentials (validation refuses the pair). A listed
 *   origin is echoed, with `Vary: Origin`.
 */

import type { Cors } from '@apigw/schema';

/** A CORS plugin compiled for the request path. */
export interface CorsPolicy {
  /** True when any origin is allowed (`*`). */
  readonly anyOrigin: boolean;
  /** Allowed origins, lowercased. */
  readonly origins: ReadonlySet<string>;
  /** Allowed methods, upper case. */
  readonly methods: ReadonlySet<string>;
  /** Allowed request headers, lowercased. */
  readonly headers: ReadonlySet<string>;
  readonly credentials: boolean;
  /** Headers on a successful preflight (besides the origin). */
  readonly preflightHeaders: readonly string[];
  /** Headers on every other answer to an allowed origin (besides the origin). */
  readonly responseHeaders: readonly string[];
}

/** Compiles a plugin's configuration once. */
export function compileCors(config: Cors): CorsPolicy {
  const anyOrigin = config.allowOrigins.includes('*');
  const methods = new Set(config.allowMethods.map((m) => m.toUpperCase()));
  const pre: string[] = ['access-control-allow-methods', [...methods].join(', ')];
  if (config.allowHeaders.length > 0) pre.push('access-control-allow-headers', config.allowHeaders.join(', '));
  pre.push('access-control-max-age', String(config.maxAge));
  const common: string[] = [];
  if (config.allowCredentials) common.push('access-control-allow-credentials', 'true');
  if (!anyOrigin) common.push('vary', 'Origin');
  const response = [...common];
  if (config.exposeHeaders.length > 0) response.push('access-control-expose-headers', config.exposeHeaders.join(', '));
  return {
    anyOrigin,
    origins: new Set(config.allowOrigins.filter((o) => o !== '*').map((o) => o.toLowerCase())),
    methods,
    headers: new Set(config.allowHeaders.map((h) => h.toLowerCase())),
    credentials: config.allowCredentials,
    preflightHeaders: [...pre, ...common],
    responseHeaders: response,
  };
}

/** The Access-Control-Allow-Origin value for `origin`, or null when it is not allowed. */
export function allowedOrigin(policy: CorsPolicy, origin: string | undefined): string | null {
  if (origin === undefined || origin === '') return null;
  if (policy.origins.has(origin.toLowerCase())) return origin;
  return policy.anyOrigin && !policy.credentials ? '*' : null;
}

/** True when a request is a CORS preflight. */
export function isPreflight(method: string | undefined, headers: { origin?: string; 'access-control-request-method'?: string | string[] }): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/**
 * Answers a preflight: the header list (name, value, …) of a successful
 * one, or a sentence saying why it is refused.
 */
export function preflight(policy: CorsPolicy, origin: string | undefined, method: string, requestHeaders: string | undefined): string[] | string {
  const allow = allowedOrigin(policy, origin);
  if (allow === null) return `origin ${origin ?? '(none)'} is not allowed`;
  if (!policy.methods.has(method.toUpperCase())) return `method ${method} is not allowed`;
  if (requestHeaders !== undefined && requestHeaders !== '') {
    const names = requestHeaders.split(',');
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!.trim().toLowerCase();
      if (name !== '' && !policy.headers.has(name)) return `header ${name} is not allowed`;
    }
  }
  return ['access-control-allow-origin', allow, ...policy.preflightHeaders];
}

/** The CORS headers (name, value, …) for a non-preflight answer, or null for a disallowed origin. */
export function responseHeaders(policy: CorsPolicy, origin: string | undefined): string[] | null {
  const allow = allowedOrigin(policy, origin);
  if (allow === null) return null;
  return ['access-control-allow-origin', allow, ...policy.responseHeaders];
}
