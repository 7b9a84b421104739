/**
 * A small router for the admin API: routes are path patterns
 * (`/v1/apis/:group/:name`) with one handler per method. Unknown paths are
 * 404, known paths with another method 405 (with `Allow`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pointerToken } from '@apigw/schema';
import { RuntimeError } from '../errors';
import type { AdminCore, ChangeOptions } from './core';
import type { AdminMetrics } from './metrics';

/** What a handler sees of a request. */
export interface RequestContext {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the request has none. */
  readonly body: unknown;
  readonly core: AdminCore;
  readonly metrics: AdminMetrics;
  /** Whether the gateway serves traffic (for /readyz). */
  readonly ready: () => boolean;
  /** Why a started gateway cannot serve what it should (an unusable inventory file), or null (for /readyz). */
  readonly notReadyBecause?: () => string | null;
}

/** What a handler answers. */
export interface Reply {
  readonly status: number;
  /** Serialized as JSON, unless `text` is given. */
  readonly body?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** One path pattern and its handlers. */
export interface Route {
  /** `/v1/groups/:name`: literal segments and `:param` captures. */
  readonly pattern: string;
  readonly methods: Readonly<Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', Handler>>>;
  /** Needs no token (health probes). @default false */
  readonly open?: boolean;
}

/** The outcome of matching a path. */
export type RouteMatch =
  | { readonly found: true; readonly route: Route; readonly handler: Handler; readonly params: Record<string, string> }
  | { readonly found: false; readonly route?: Route };

/** Routes compiled for matching. */
export class Router {
  private readonly routes: { route: Route; segments: string[] }[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => ({ route, segments: route.pattern.split('/').slice(1) }));
  }

  /** The route whose pattern fits the path (params decoded), whatever the method. */
  find(path: string): { route: Route; params: Record<string, string> } | undefined {
    const parts = path.split('/').slice(1);
    for (const { route, segments } of this.routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const segment = segments[i]!;
        const part = parts[i]!;
        if (segment.startsWith(':')) {
          const value = decodeSegment(part);
          if (value === '') ok = false;
          else params[segment.slice(1)] = value;
        } else ok = segment === part;
      }
      if (ok) return { route, params };
    }
    return undefined;
  }
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RuntimeError('APIGW_BAD_REQUEST', `path segment ${JSON.stringify(part)} is not valid percent-encoding`);
  }
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers?: Readonly<Record<string, string>>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

/** The ETag of a revision. */
export function etag(revision: number): string {
  return `"${revision}"`;
}

/** Refuses query parameters a route does not know. */
export function checkQuery(ctx: RequestContext, allowed: readonly string[]): void {
  for (const key of ctx.query.keys())
    if (!allowed.includes(key)) throw problem(`query parameter ${key}`, `?${key}`, `unknown query parameter ${key}; this endpoint takes ${allowed.length ? allowed.join(', ') : 'none'}`);
}

/** Refuses a request body where the route takes none (an empty object is accepted). */
export function checkNoBody(ctx: RequestContext): void {
  const body = ctx.body;
  if (body === undefined) return;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const keys = Object.keys(body);
    if (keys.length === 0) return;
    throw new RuntimeError('APIGW_BAD_REQUEST', `this endpoint takes no body; unknown field ${keys[0]}`, {
      problems: keys.map((k) => ({ code: 'SCHEMA_VIOLATION', pointer: `/${pointerToken(k)}`, message: `unknown field ${k}` })),
    });
  }
  throw new RuntimeError('APIGW_BAD_REQUEST', 'this endpoint takes no body', { problems: [{ code: 'SCHEMA_VIOLATION', pointer: '', message: 'must be empty or {}' }] });
}

/**
 * The change options of a mutating per-resource call: `?stack=`,
 * `?dryRun=true|false`, and the expected revision from `If-Match: "<revision>"`.
 */
export function changeOptions(ctx: RequestContext): ChangeOptions {
  checkQuery(ctx, ['stack', 'dryRun']);
  const stack = ctx.query.get('stack');
  const dryRun = ctx.query.get('dryRun');
  if (dryRun !== null && dryRun !== 'true' && dryRun !== 'false') throw problem('?dryRun', '?dryRun', 'must be true or false');
  const ifMatch = ctx.headers['if-match'];
  let expectedRevision: number | undefined;
  if (ifMatch !== undefined) {
    const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(ifMatch);
    if (!m) throw problem('If-Match', 'If-Match', 'must be a revision ETag such as "42"');
    expectedRevision = Number(m[1]);
  }
  return {
    ...(stack === null || stack === '' ? {} : { stack }),
    ...(dryRun === null ? {} : { dryRun: dryRun === 'true' }),
    ...(expectedRevision === undefined ? {} : { expectedRevision }),
  };
}

function problem(what: string, pointer: string, message: string): RuntimeError {
  return new RuntimeError('APIGW_BAD_REQUEST', `${what}: ${message}`, { problems: [{ code: 'SCHEMA_VIOLATION', pointer, message }] });
}
