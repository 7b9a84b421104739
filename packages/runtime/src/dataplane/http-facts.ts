/**
 * Facts of HTTP the request path relies on, in one place: which headers
 * belong to a connection, what a form body is, how a request says it has a
 * body. Both the parameter handling (what is forwarded) and the proxy (what
 * is relayed back) read them from here.
 */
import { HTTP_METHODS } from '@apigw/schema';
import type { IncomingMessage } from 'node:http';

/** Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Media type of a form body (`application/x-www-form-urlencoded`), whose fields are parameters. */
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** Methods the gateway proxies; any other (CONNECT, TRACE, extension methods) is refused. */
export const PROXIED_METHODS: ReadonlySet<string> = new Set(HTTP_METHODS);

/** True when the request carries a body (a non-zero Content-Length or any Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Header names listed in a Connection header, lowercased: hop-by-hop for this connection only. */
export function connectionTokens(value: string): Set<string> {
  const set = new Set<string>();
  const parts = value.split(',');
  for (let i = 0; i < parts.length; i++) set.add(parts[i]!.trim().toLowerCase());
  return set;
}

/**
 * The text a percent-encoded URI component stands for; null when it is not
 * valid percent-encoding of UTF-8 (`%ZZ`, a lone `%`, `%C0%AF`). Such a
 * component is refused, never passed on raw: raw, `a%ZZ` would stand for
 * the same text as the valid `a%25ZZ`, and a backend could not tell them apart.
 */
export function percentDecode(raw: string): string | null {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** True when a value can be sent as a header field value (no control characters but tab, Latin-1 only). */
export function headerValueValid(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/**
 * Request headers never sent to a backend whatever the API says: those of
 * one connection, `Host` (the target sets it) and `Expect` (the gateway
 * answers `100 Continue` itself; the backend gets the whole body).
 */
export const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'host', 'expect']);

/**
 * True when a segment of the path would climb out of its base on some
 * server: `.` or `..`, also percent-encoded (`%2e`), also with `\` or
 * `%5c` as a separator (IIS and some frameworks read it as `/`), also with
 * a `;` parameter (`..;`, which Tomcat and Spring read as `..`).
 */
export function hasDotSegment(path: string): boolean {
  if (path.indexOf('.') === -1 && path.indexOf('%') === -1) return false;
  let p = path;
  if (p.indexOf('%') !== -1) p = p.replace(/%2e/gi, '.').replace(/%5c/gi, '/');
  if (p.indexOf('\\') !== -1) p = p.replace(/\\/g, '/');
  if (p.indexOf('.') === -1) return false;
  const segments = p.split('/');
  for (let i = 0; i < segments.length; i++) {
    let s = segments[i]!;
    const semi = s.indexOf(';');
    if (semi !== -1) s = s.slice(0, semi);
    if (s === '.' || s === '..') return true;
  }
  return false;
}
