/**
 * Facts of HTTP the request path relies on, in one place: which headers
 * belong to a connection, what a form body is, how a request says it has a
 * body. Both the parameter handling (what is forwarded) and the proxy (what
 * is relayed back) read them from here.
 */
import type { IncomingMessage } from 'node:http';
export { BodyTooLargeError } from '../errors';

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
export const PROXIED_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);

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

/** True when a value can be sent as a header field value (no control characters but tab, Latin-1 only). */
export function headerValueValid(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}
