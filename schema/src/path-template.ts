/**
 * Request and backend paths are templates: literal segments and `{name}`
 * segments that each match exactly one path segment. The validator, the
 * constructs and the runtime's router all read templates through here.
 */

/** One segment of a path template. */
export type PathSegment = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'param'; readonly name: string };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Templates parsed so far; a template is parsed once however many APIs or commits use it. */
const parsed = new Map<string, readonly PathSegment[]>();
/** Bound on `parsed`: past it the memo starts over, so odd inputs cannot grow it without limit. */
const PARSED_LIMIT = 50_000;

/**
 * Splits a template such as `/users/{id}` into its segments (the root `/` has
 * none). The result is frozen and shared between callers of the same
 * template: it is memoized, since routers and compilers parse the same
 * templates again on every change of state.
 */
export function parsePathTemplate(template: string): readonly PathSegment[] {
  const known = parsed.get(template);
  if (known !== undefined) return known;
  const segments = Object.freeze(
    template
      .split('/')
      .filter((s) => s.length > 0)
      .map((s): PathSegment => {
        const m = PARAM.exec(s);
        return Object.freeze(m ? { kind: 'param' as const, name: m[1]! } : { kind: 'literal' as const, value: s });
      }),
  );
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(template, segments);
  return segments;
}

/** Names of the `{name}` parameters of a template, in order. */
export function pathParameterNames(template: string): string[] {
  return parsePathTemplate(template).flatMap((s) => (s.kind === 'param' ? [s.name] : []));
}

/**
 * The template with parameter names erased (`/users/{}`), so two templates
 * that match the same requests compare equal.
 */
export function pathShape(template: string): string {
  return '/' + parsePathTemplate(template).map((s) => (s.kind === 'param' ? '{}' : s.value)).join('/');
}

/** Joins a group's base path and an API path into the path a client calls. */
export function joinPaths(basePath: string, path: string): string {
  const base = basePath.replace(/\/+$/, '');
  const joined = `${base}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') || '/' : '/';
}
