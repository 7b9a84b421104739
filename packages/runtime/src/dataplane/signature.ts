/**
 * Alibaba Cloud API Gateway's AppKey/AppSecret request signature: the string
 * to sign and the HMAC over it. The same code computes what a client must
 * sign and what the gateway verifies, so the two cannot drift.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Decoded query or form parameters (as `node:querystring` parses them). */
export type ParamBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What the string to sign is built from. */
export interface SignableRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Header values by lowercased name. */
  readonly headers: IncomingHttpHeaders;
  /** The request path as sent (not decoded), without the query string. */
  readonly path: string;
  /** Decoded query parameters. */
  readonly query: ParamBag | null;
  /** Decoded form parameters of an `application/x-www-form-urlencoded` body, else null. */
  readonly form: ParamBag | null;
}

/** Headers that never appear in the signed-header block. */
const NOT_SIGNED = new Set(['x-ca-signature', 'x-ca-signature-headers', 'accept', 'content-md5', 'content-type', 'date']);

/** Signature algorithms, by `X-Ca-Signature-Method` value. */
export type SignatureMethod = 'HmacSHA256' | 'HmacSHA1';

/** A header's value ('' when absent). Names come from the client: never trust what a lookup returns. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  if (typeof v === 'string') return v;
  return Array.isArray(v) ? v.join(',') : '';
}

/** Parsed `X-Ca-Signature-Headers` values: clients repeat the same few lists. */
const namesCache = new Map<string, readonly string[]>();
const NAMES_CACHE_SIZE = 256;
const NO_NAMES: readonly string[] = [];

/** Most names `X-Ca-Signature-Headers` may list; a longer list is refused before any work on it. */
export const MAX_SIGNED_HEADERS = 64;

/** `signedHeaderNames`, memoized for the lists clients keep sending. */
export function cachedSignedHeaderNames(list: string): readonly string[] {
  if (list === '') return NO_NAMES;
  let names = namesCache.get(list);
  if (names === undefined) {
    names = signedHeaderNames(list);
    if (namesCache.size >= NAMES_CACHE_SIZE) namesCache.clear();
    namesCache.set(list, names);
  }
  return names;
}

/**
 * The names in `X-Ca-Signature-Headers`, lowercased, without the headers
 * that are never signed, sorted and without duplicates.
 */
export function signedHeaderNames(list: string | undefined): string[] {
  if (list === undefined || list === '') return [];
  const names = new Set<string>();
  const parts = list.split(',');
  for (let i = 0; i < parts.length; i++) {
    const n = parts[i]!.trim().toLowerCase();
    if (n !== '' && !NOT_SIGNED.has(n)) names.add(n);
  }
  return [...names].sort();
}

/** True when a `X-Ca-Signature-Headers` value lists more than MAX_SIGNED_HEADERS names (counted without splitting). */
export function tooManySignedHeaders(list: string): boolean {
  let commas = 0;
  for (let i = list.indexOf(','); i !== -1; i = list.indexOf(',', i + 1)) if (++commas >= MAX_SIGNED_HEADERS) return true;
  return false;
}

function appendParams(keys: string[], values: Map<string, string>, bag: ParamBag): void {
  for (const k in bag) {
    const v = bag[k];
    if (v === undefined) continue;
    const s = typeof v === 'string' ? v : v.join(',');
    if (!values.has(k)) keys.push(k);
    values.set(k, s);
  }
}

/**
 * The string to sign: method, Accept, Content-MD5, Content-Type, Date (one
 * line each, empty when absent), one `name:value` line per signed header,
 * then the path with query and form parameters merged and sorted by key
 * (raw values; `k` alone for an empty value).
 */
export function stringToSign(r: SignableRequest): string {
  let s =
    r.method + '\n' +
    headerValue(r.headers, 'accept') + '\n' +
    headerValue(r.headers, 'content-md5') + '\n' +
    headerValue(r.headers, 'content-type') + '\n' +
    headerValue(r.headers, 'date') + '\n';
  const names = cachedSignedHeaderNames(headerValue(r.headers, 'x-ca-signature-headers'));
  for (let i = 0; i < names.length; i++) s += names[i] + ':' + headerValue(r.headers, names[i]!) + '\n';
  s += r.path;
  if (r.query !== null || r.form !== null) {
    const keys: string[] = [];
    const values = new Map<string, string>();
    if (r.query !== null) appendParams(keys, values, r.query);
    if (r.form !== null) appendParams(keys, values, r.form);
    if (keys.length > 0) {
      keys.sort();
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const v = values.get(k)!;
        s += (i === 0 ? '?' : '&') + (v === '' ? k : k + '=' + v);
      }
    }
  }
  return s;
}

/** HMAC of the string to sign, raw bytes. `key` is the AppSecret (UTF-8) or its KeyObject. */
export function signatureDigest(method: SignatureMethod, key: KeyObject | string, text: string): Buffer {
  return createHmac(method === 'HmacSHA1' ? 'sha1' : 'sha256', key).update(text, 'utf8').digest();
}

/** HMAC of the string to sign in Base64, as a client sends it in `X-Ca-Signature`. */
export function signatureBase64(method: SignatureMethod, key: KeyObject | string, text: string): string {
  return createHmac(method === 'HmacSHA1' ? 'sha1' : 'sha256', key).update(text, 'utf8').digest('base64');
}

/** Base64 signature of a request, as a client sends it in `X-Ca-Signature`. */
export function sign(method: SignatureMethod, secret: KeyObject | string, r: SignableRequest): string {
  return signatureBase64(method, secret, stringToSign(r));
}
