/**
 * Hash routes (`#/apis?group=shop`): the page and its filters live in the
 * fragment, which the browser never sends to the server.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/** The current route: path segments (decoded) and query. */
export interface Route {
  readonly path: readonly string[];
  readonly query: URLSearchParams;
}

function parse(): Route {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = hash.split('?', 2);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { path: segments, query: new URLSearchParams(search) };
}

/** Follows the location's fragment. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  const initialHash = useRef(location.hash);
  // Listening from the moment the component is put in place (an effect would
  // start a frame later and miss a link followed in between); a change made
  // between the first render and now is read at once.
  useLayoutEffect(() => {
    const update = () => setRoute(parse());
    addEventListener('hashchange', update);
    if (location.hash !== initialHash.current) update();
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** A fragment link: `href('apis', 'shop', 'getUser')` → `#/apis/shop/getUser`, with an optional query. */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const segments: string[] = [];
  let search = '';
  for (const p of parts) {
    if (typeof p === 'string') segments.push(encodeURIComponent(p));
    else {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== '') q.set(k, v);
      const s = q.toString();
      if (s !== '') search = `?${s}`;
    }
  }
  return `#/${segments.join('/')}${search}`;
}

/**
 * Changes some of the current fragment's query values (filters) in place,
 * keeping history short. Paging restarts unless `offset` is given.
 */
export function updateQuery(change: Record<string, string | undefined>): void {
  const current = parse();
  const next: Record<string, string | undefined> = {};
  for (const [k, v] of current.query) next[k] = v;
  delete next['offset'];
  Object.assign(next, change);
  const target = href(...current.path, next);
  if (location.hash !== target) {
    history.replaceState(null, '', target);
    dispatchEvent(new HashChangeEvent('hashchange'));
  }
}

/** The link to an API's page from its id (`group/name`). */
export function apiHref(id: string): string {
  const slash = id.indexOf('/');
  return href('apis', id.slice(0, slash), id.slice(slash + 1));
}
