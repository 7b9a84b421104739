/**
 * A segment tree that finds the API answering a method and a path.
 *
 * Priority is deterministic and independent of insertion order:
 *
 * 1. A full match beats a prefix match. Within full matches, at each segment
 *    a literal segment beats a `{name}` parameter (the tree is searched
 *    depth-first, literal children before the parameter child, and the first
 *    complete match wins), so `/users/me` beats `/users/{id}`.
 * 2. Prefix routes ("match all child paths") answer only when no full match
 *    exists; the longest matching prefix wins, literal before parameter at
 *    equal length. A prefix route also answers its own path exactly.
 *
 * Empty segments are ignored (`/a//b/` is `/a/b`). Segments are compared raw
 * (not percent-decoded); parameter values are returned raw too, and the caller
 * decodes them.
 */
import { parsePathTemplate } from '@apigw/schema';
import { RouteConflictError } from '../errors';

/** Thrown when two routes answer the same method and path shape (one home: the runtime's errors). */
export { RouteConflictError };

/**
 * Routes of one node, by method; `ANY` answers methods without their own
 * route. A node holds a handful of methods at most: a short array costs
 * less memory than a Map across 10,000s of routes and is as fast to scan.
 */
class MethodTable<T> {
  readonly routes: Route<T>[] = [];
  readonly methods: string[] = [];
  any: Route<T> | null = null;

  get(method: string): Route<T> | null {
    const methods = this.methods;
    for (let i = 0; i < methods.length; i++) if (methods[i] === method) return this.routes[i]!;
    return this.any;
  }

  has(method: string): boolean {
    return this.methods.includes(method);
  }

  set(method: string, route: Route<T>): void {
    this.methods.push(method);
    this.routes.push(route);
  }
}

/** Literal children below which a short array is scanned; above, a Map is used. */
const SMALL_FANOUT = 8;

class Node<T> {
  /** Literal children: parallel arrays while few (most nodes have one), a Map beyond SMALL_FANOUT. */
  private keys: string[] | null = null;
  private children: Node<T>[] | null = null;
  private map: Map<string, Node<T>> | null = null;
  param: Node<T> | null = null;
  exact: MethodTable<T> | null = null;
  prefix: MethodTable<T> | null = null;

  get hasStatics(): boolean {
    return this.keys !== null || this.map !== null;
  }

  child(segment: string): Node<T> | undefined {
    if (this.map !== null) return this.map.get(segment);
    const keys = this.keys;
    if (keys === null) return undefined;
    for (let i = 0; i < keys.length; i++) if (keys[i] === segment) return this.children![i];
    return undefined;
  }

  childOrNew(segment: string): Node<T> {
    const found = this.child(segment);
    if (found !== undefined) return found;
    const node = new Node<T>();
    if (this.map !== null) {
      this.map.set(segment, node);
    } else if (this.keys === null) {
      this.keys = [segment];
      this.children = [node];
    } else if (this.keys.length < SMALL_FANOUT) {
      this.keys.push(segment);
      this.children!.push(node);
    } else {
      this.map = new Map(this.keys.map((k, i) => [k, this.children![i]!] as const));
      this.map.set(segment, node);
      this.keys = null;
      this.children = null;
    }
    return node;
  }
}

/** One route: its value and the names of its `{name}` segments in order. */
export interface Route<T> {
  readonly value: T;
  readonly template: string;
  readonly paramNames: readonly string[];
  readonly matchAllChildPaths: boolean;
}

/** What a lookup found. */
export interface RouteMatch<T> {
  readonly route: Route<T>;
  /** Raw (still percent-encoded) values of the path parameters, in template order. */
  readonly params: string[];
  /** For prefix routes: the raw rest of the path after the prefix (`/123/x`), or '' when none. */
  readonly remainder: string;
}

/** Result of a lookup: a match, or why there is none. */
export type RouteResult<T> = RouteMatch<T> | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED';

/** An immutable-after-build routing tree. */
export class Router<T> {
  private readonly root = new Node<T>();
  private count = 0;

  /** Number of routes. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds a route. `method` is an HTTP method or `ANY`. Throws
   * RouteConflictError when the method and path shape are taken.
   */
  add(method: string, template: string, matchAllChildPaths: boolean, value: T): void {
    let node = this.root;
    const paramNames: string[] = [];
    for (const seg of parsePathTemplate(template)) {
      if (seg.kind === 'param') {
        paramNames.push(seg.name);
        node = node.param ??= new Node<T>();
      } else {
        node = node.childOrNew(seg.value);
      }
    }
    const table = matchAllChildPaths ? (node.prefix ??= new MethodTable<T>()) : (node.exact ??= new MethodTable<T>());
    const route: Route<T> = { value, template, paramNames, matchAllChildPaths };
    if (method === 'ANY') {
      if (table.any !== null) throw new RouteConflictError(method, template);
      table.any = route;
    } else {
      if (table.has(method)) throw new RouteConflictError(method, template);
      table.set(method, route);
    }
    this.count++;
  }

  /** Finds the route for a method and a raw path (starting with `/`, no query). */
  find(method: string, path: string): RouteResult<T> {
    const state = new SearchState<T>(method, path);
    if (exactSearch(this.root, state, 0)) {
      return { route: state.route!, params: state.params, remainder: '' };
    }
    state.params.length = 0;
    prefixSearch(this.root, state, 0, 0);
    if (state.prefixRoute !== null) {
      const end = state.prefixEnd;
      return {
        route: state.prefixRoute,
        params: state.prefixParams!,
        remainder: end < path.length ? trimTrailing(path.slice(end)) : '',
      };
    }
    return state.pathSeen ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND';
  }
}

class SearchState<T> {
  route: Route<T> | null = null;
  readonly params: string[] = [];
  pathSeen = false;
  prefixRoute: Route<T> | null = null;
  prefixParams: string[] | null = null;
  prefixDepth = -1;
  prefixEnd = 0;
  constructor(readonly method: string, readonly path: string) {}
}

/** Index of the start of the next non-empty segment at or after `pos`, or path.length. */
function skipSlashes(path: string, pos: number): number {
  while (pos < path.length && path.charCodeAt(pos) === 47 /* / */) pos++;
  return pos;
}

function segmentEnd(path: string, start: number): number {
  const end = path.indexOf('/', start);
  return end === -1 ? path.length : end;
}

function exactSearch<T>(node: Node<T>, s: SearchState<T>, pos: number): boolean {
  const start = skipSlashes(s.path, pos);
  if (start >= s.path.length) {
    if (node.exact !== null) {
      s.pathSeen = true;
      const r = node.exact.get(s.method);
      if (r !== null) {
        s.route = r;
        return true;
      }
    }
    return false;
  }
  const end = segmentEnd(s.path, start);
  if (node.hasStatics) {
    const child = node.child(s.path.slice(start, end));
    if (child !== undefined && exactSearch(child, s, end)) return true;
  }
  if (node.param !== null) {
    s.params.push(s.path.slice(start, end));
    if (exactSearch(node.param, s, end)) return true;
    s.params.pop();
  }
  return false;
}

function prefixSearch<T>(node: Node<T>, s: SearchState<T>, pos: number, depth: number): void {
  if (node.prefix !== null) {
    s.pathSeen = true;
    const r = node.prefix.get(s.method);
    if (r !== null && depth > s.prefixDepth) {
      s.prefixRoute = r;
      s.prefixDepth = depth;
      s.prefixEnd = pos;
      s.prefixParams = s.params.slice();
    }
  }
  const start = skipSlashes(s.path, pos);
  if (start >= s.path.length) return;
  const end = segmentEnd(s.path, start);
  if (node.hasStatics) {
    const child = node.child(s.path.slice(start, end));
    if (child !== undefined) prefixSearch(child, s, end, depth + 1);
  }
  if (node.param !== null) {
    s.params.push(s.path.slice(start, end));
    prefixSearch(node.param, s, end, depth + 1);
    s.params.pop();
  }
}

function trimTrailing(rest: string): string {
  let end = rest.length;
  while (end > 0 && rest.charCodeAt(end - 1) === 47) end--;
  let start = 0;
  while (start < end - 1 && rest.charCodeAt(start) === 47 && rest.charCodeAt(start + 1) === 47) start++;
  return end === 0 ? '' : rest.slice(start, end);
}
