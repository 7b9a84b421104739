/**
 * HTTP backends: an environment's `url` names the origin (scheme, host,
 * port) and an optional base path prepended to every backend path.
 */
import type { BackendModule, CompileResult } from './backend-module';
import { poolKey, proxy, type ProxyTarget } from './proxy';

/** Parses an environment URL into a proxy target. */
export function httpTarget(url: string): CompileResult<ProxyTarget> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { error: `backend URL ${JSON.stringify(url)} is not a URL` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: `backend URL ${JSON.stringify(url)} is not http or https` };
  return { value: { origin: u.origin, basePath: u.pathname.replace(/\/+$/, ''), hostHeader: null, servername: null } };
}

export const httpBackend: BackendModule<ProxyTarget> = {
  type: 'HTTP',
  compile(service, env) {
    if (env.url === undefined) return { error: `backend service ${service.name} has no url` };
    return httpTarget(env.url);
  },
  invoke: proxy,
  origins: (t) => [poolKey(t.origin, t.servername)],
};
