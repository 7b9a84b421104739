/**
 * Builds the request a client sends to call one API: the URL from the
 * group's domain, base path and the API's path template, the stage header,
 * and the credentials, signed the way Alibaba's SDKs sign (the string to
 * sign comes from the data plane's own signature module, so a prepared call
 * verifies by construction). `apigw call` and the console's Debug page both
 * build their requests here.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ApiGroup, Stage } from '@apigw/schema';
import { joinPaths, parsePathTemplate } from '@apigw/schema';
import { CallError } from '../errors';
import type { ApiDefinition } from '../model';
import { APP_CODE_QUERY_PARAMETER } from '../dataplane/auth';
import { stringToSign, signatureDigest, type SignatureMethod } from '../dataplane/signature';

/** How a prepared call proves who calls. */
export type CallCredentials =
  /** Sign with AppKey/AppSecret (`X-Ca-Key`, `X-Ca-Signature`). */
  | { readonly kind: 'signature'; readonly appKey: string; readonly appSecret: string }
  /** Present the AppCode (`Authorization: APPCODE …`, or `?AppCode=` with `in: 'query'`). */
  | { readonly kind: 'appCode'; readonly appCode: string; readonly in?: 'header' | 'query' }
  /** No credentials (an ANONYMOUS API, or to see what the gateway answers without them). */
  | { readonly kind: 'none' };

/** What to call and with what. */
export interface PrepareCallInput {
  /** The API's group: its first domain is the Host, its base path prefixes the API path. */
  readonly group: Pick<ApiGroup, 'name' | 'basePath' | 'domains'>;
  /** The API's definition (request path, method, auth). */
  readonly api: Pick<ApiDefinition, 'name' | 'auth' | 'request'>;
  /** Stage to call (`X-Ca-Stage`). Default RELEASE. */
  readonly stage?: Stage;
  readonly credentials: CallCredentials;
  /** Values of the path template's `{name}` parameters. */
  readonly pathParams?: Readonly<Record<string, string>>;
  /** Query parameters, in order; a name may repeat. */
  readonly query?: readonly (readonly [string, string])[];
  /** Extra request headers (names case-insensitive). They are sent, and signed when they are `x-ca-*`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request body. */
  readonly body?: string | Buffer;
  /** HTTP method, for an API whose method is ANY (default GET) or to try another one. */
  readonly method?: string;
  /** Host header to send instead of the group's first domain. */
  readonly host?: string;
  /** Signature algorithm; default: HmacSHA256 when the API accepts it, else HmacSHA1. */
  readonly signatureMethod?: SignatureMethod;
  /** Clock for `X-Ca-Timestamp` (ms since the epoch). */
  readonly now?: () => number;
  /** Source of `X-Ca-Nonce`. */
  readonly nonce?: () => string;
}

/** A request ready to send to any data-plane address. */
export interface PreparedCall {
  readonly method: string;
  /** Path as sent (percent-encoded), without the query. */
  readonly path: string;
  /** Path and query string as sent. */
  readonly target: string;
  /** Host header: the domain that selects the group. */
  readonly host: string;
  readonly stage: Stage;
  /** Headers to send, lowercased names (Host included). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** The string the signature covers (line breaks as sent), when signed. */
  readonly stringToSign?: string;
}

const FORM = 'application/x-www-form-urlencoded';

/** Builds (and signs) the request that calls `input.api`; throws CallError naming what is missing. */
export function prepareCall(input: PrepareCallInput): PreparedCall {
  const { group, api } = input;
  const stage = input.stage ?? 'RELEASE';
  const host = input.host ?? group.domains[0];
  if (host === undefined || host === '') throw new CallError(`group ${group.name} has no domain to call it by; bind one (domains: [...]) or pass a host`);
  const method = (input.method ?? (api.request.method === 'ANY' ? 'GET' : api.request.method)).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new CallError(`method ${JSON.stringify(input.method)} is not an HTTP method`);

  const given = input.pathParams ?? {};
  const used = new Set<string>();
  const segments = parsePathTemplate(api.request.path).map((s) => {
    if (s.kind === 'literal') return s.value;
    const value = given[s.name];
    if (value === undefined) throw new CallError(`API ${group.name}/${api.name} has path parameter {${s.name}} (${api.request.path}); give it a value (path-param ${s.name}=...)`);
    used.add(s.name);
    return encodeURIComponent(value);
  });
  const unknown = Object.keys(given).filter((k) => !used.has(k));
  if (unknown.length > 0) throw new CallError(`API ${group.name}/${api.name} (${api.request.path}) has no path parameter ${unknown.map((k) => `{${k}}`).join(', ')}`);
  const path = joinPaths(group.basePath, '/' + segments.join('/'));

  const query: [string, string][] = (input.query ?? []).map(([k, v]) => [k, v]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const n = name.trim().toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(n)) throw new CallError(`header name ${JSON.stringify(name)} is not a valid HTTP header name`);
    if (/[\r\n]/.test(value)) throw new CallError(`header ${name} has a line break in its value`);
    headers[n] = value;
  }
  headers['host'] = host;
  headers['x-ca-stage'] = stage;
  if (headers['accept'] === undefined) headers['accept'] = 'application/json';
  const body = input.body === undefined ? undefined : Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8');
  if (body !== undefined) {
    if (headers['content-type'] === undefined) headers['content-type'] = looksLikeJson(body) ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8';
    headers['content-length'] = String(body.length);
  }
  const isForm = body !== undefined && headers['content-type']!.toLowerCase().startsWith(FORM);

  const creds = input.credentials;
  let signed: string | undefined;
  if (creds.kind === 'appCode') {
    if (creds.in === 'query') query.push([APP_CODE_QUERY_PARAMETER, creds.appCode]);
    else headers['authorization'] = `APPCODE ${creds.appCode}`;
  } else if (creds.kind === 'signature') {
    const algorithm = input.signatureMethod ?? (api.auth.signatureMethod === 'HmacSHA1' ? 'HmacSHA1' : 'HmacSHA256');
    if (body !== undefined && !isForm) headers['content-md5'] = createHash('md5').update(body).digest('base64');
    headers['x-ca-key'] = creds.appKey;
    headers['x-ca-signature-method'] = algorithm;
    headers['x-ca-timestamp'] = String((input.now ?? Date.now)());
    headers['x-ca-nonce'] = (input.nonce ?? randomUUID)();
    headers['x-ca-signature-headers'] = Object.keys(headers)
      .filter((n) => n.startsWith('x-ca-') && n !== 'x-ca-signature' && n !== 'x-ca-signature-headers')
      .sort()
      .join(',');
    signed = stringToSign({
      method,
      headers,
      path,
      query: query.length === 0 ? null : paramBag(query),
      form: isForm ? paramBag([...new URLSearchParams(body!.toString('utf8'))]) : null,
    });
    headers['x-ca-signature'] = signatureDigest(algorithm, creds.appSecret, signed).toString('base64');
  }
  const search = new URLSearchParams(query).toString();
  return {
    method,
    path,
    target: search === '' ? path : `${path}?${search}`,
    host,
    stage,
    headers,
    body,
    ...(signed === undefined ? {} : { stringToSign: signed }),
  };
}

/** Query or form pairs as the decoded bag the signature reads (repeated names joined). */
function paramBag(pairs: readonly (readonly [string, string])[]): Record<string, string | string[]> {
  const bag: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const seen = bag[k];
    bag[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  return bag;
}

function looksLikeJson(body: Buffer): boolean {
  const first = body.toString('utf8', 0, Math.min(body.length, 64)).trimStart()[0];
  if (first !== '{' && first !== '[') return false;
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
