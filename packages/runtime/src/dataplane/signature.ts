/**
 * Alibaba Cloud API Gateway's AppKey/AppSecret request signature: the string
 * to sign and the HMAC over it. The same code computes what a client must
 * sign and what the gateway verifies, so the two cannot drift.
 */
import { hash, KeyObject } from 'node:crypto';
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

/** Bytes in one input block of SHA-1 and SHA-256, the HMAC pad length (RFC 2104). */
const BLOCK = 64;

/** Reused by every HMAC: the inner block followed by the string to sign (one HMAC at a time: the calls are synchronous). */
let scratch = Buffer.allocUnsafe(1024);
/** Largest scratch kept between calls; a longer string to sign gets a buffer of its own. */
const MAX_SCRATCH = 64 * 1024;

/** The key-dependent blocks of one HMAC algorithm: `K ⊕ ipad`, and `K ⊕ opad` with room for the inner digest after it. */
interface Pads {
  readonly inner: Buffer;
  readonly outer: Buffer;
}

function padsOf(algorithm: 'sha1' | 'sha256', secret: Buffer): Pads {
  const k = Buffer.alloc(BLOCK);
  (secret.length > BLOCK ? hash(algorithm, secret, 'buffer') : secret).copy(k);
  const inner = Buffer.allocUnsafe(BLOCK);
  const outer = Buffer.allocUnsafe(BLOCK + (algorithm === 'sha1' ? 20 : 32));
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  return { inner, outer };
}

/**
 * An AppSecret ready to sign: HMAC (RFC 2104) as two one-shot hashes,
 * `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ text))`, over key blocks computed once per
 * secret. The same bytes as `createHmac`, without building an HMAC context
 * (an OpenSSL digest fetch and key setup) for every request.
 */
export class SigningKey {
  private readonly sha256: Pads;
  private readonly sha1: Pads;

  /** `secret` is the AppSecret (its UTF-8 bytes are the key). */
  constructor(secret: string | Buffer) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    this.sha256 = padsOf('sha256', bytes);
    this.sha1 = padsOf('sha1', bytes);
  }

  /** HMAC of `text` (UTF-8), raw bytes. */
  digest(method: SignatureMethod, text: string): Buffer {
    const outer = this.outerBlock(method, text);
    return hash(method === 'HmacSHA1' ? 'sha1' : 'sha256', outer, 'buffer');
  }

  /** HMAC of `text` (UTF-8) in Base64. */
  base64(method: SignatureMethod, text: string): string {
    const outer = this.outerBlock(method, text);
    return hash(method === 'HmacSHA1' ? 'sha1' : 'sha256', outer, 'base64');
  }

  /** `(K ⊕ opad) ‖ H((K ⊕ ipad) ‖ text)`: what the outer hash is taken of. */
  private outerBlock(method: SignatureMethod, text: string): Buffer {
    const sha1 = method === 'HmacSHA1';
    const pads = sha1 ? this.sha1 : this.sha256;
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    const room = BLOCK + text.length * 3;
    let buf = scratch;
    if (room > buf.length) {
      buf = Buffer.allocUnsafe(room);
      if (room <= MAX_SCRATCH) scratch = buf;
    }
    pads.inner.copy(buf, 0);
    const end = BLOCK + buf.write(text, BLOCK, 'utf8');
    // 'binary' (Latin-1) text is the digest's bytes one for one, and a name Node's hash() takes without its slow 'buffer' check.
    pads.outer.write(hash(sha1 ? 'sha1' : 'sha256', buf.subarray(0, end), 'binary'), BLOCK, 'latin1');
    return pads.outer;
  }
}

/** A key to sign with: a prepared SigningKey, the AppSecret itself (UTF-8), or a secret KeyObject holding it. */
export type SignatureKey = SigningKey | KeyObject | string;

function signingKey(key: SignatureKey): SigningKey {
  if (key instanceof SigningKey) return key;
  return new SigningKey(key instanceof KeyObject ? key.export() : key);
}

/** HMAC of the string to sign, raw bytes. */
export function signatureDigest(method: SignatureMethod, key: SignatureKey, text: string): Buffer {
  return signingKey(key).digest(method, text);
}

/** HMAC of the string to sign in Base64, as a client sends it in `X-Ca-Signature`. */
export function signatureBase64(method: SignatureMethod, key: SignatureKey, text: string): string {
  return signingKey(key).base64(method, text);
}

/** Base64 signature of a request, as a client sends it in `X-Ca-Signature`. */
export function sign(method: SignatureMethod, secret: SignatureKey, r: SignableRequest): string {
  return signatureBase64(method, secret, stringToSign(r));
}
