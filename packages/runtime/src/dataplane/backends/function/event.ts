/**
 * Alibaba's API Gateway → Function Compute contract: the event an event
 * function receives and the result it returns.
 *
 * The event is built from what the HTTP proxy would forward (the exchange's
 * fwd* fields, so MAPPING rules, constant and system parameters apply):
 * `{ path, httpMethod, headers, queryParameters, pathParameters, body,
 * isBase64Encoded }`, a textual body as UTF-8 and any other base64.
 *
 * The result is `{ isBase64Encoded, statusCode, headers, body }`, given as an
 * object, a JSON string or a Buffer of JSON; `statusCode` may be a numeric
 * string and `body` an object (sent as JSON).
 */
import { parse as parseQuery } from 'node:querystring';
import { readBody } from '../../body';
import { ErrorAnswer, type Exchange } from '../../exchange';
import { HOP_BY_HOP, headerValueValid, percentDecode } from '../../http-facts';

/** The event an API Gateway trigger hands a function. */
export interface ApiGatewayEvent {
  readonly path: string;
  readonly httpMethod: string;
  readonly headers: Record<string, string>;
  readonly queryParameters: Record<string, string>;
  readonly pathParameters: Record<string, string>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** A function's answer, checked and ready to send. */
export interface FunctionAnswer {
  readonly statusCode: number;
  readonly headers: readonly [string, string][];
  readonly body: Buffer;
}

/** Media types whose bodies travel as UTF-8 text in the event. */
function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '') return true;
  const t = contentType.toLowerCase();
  return (
    t.startsWith('text/') ||
    t.startsWith('application/json') ||
    t.startsWith('application/x-www-form-urlencoded') ||
    t.startsWith('application/xml') ||
    t.startsWith('application/javascript') ||
    /^application\/[a-z0-9.+-]+\+(json|xml)/.test(t)
  );
}

/** Reads the body the proxy would send, up to `limit` bytes. */
export function readForwardBody(body: Exchange['fwdBody'], limit: number): Promise<Buffer> {
  if (body === null) return Promise.resolve(Buffer.alloc(0));
  if (Buffer.isBuffer(body)) return Promise.resolve(body);
  return readBody(body as AsyncIterable<Buffer>, limit);
}

/** The event's decoded `path` and `pathParameters`. */
export interface EventPaths {
  readonly path: string;
  readonly pathParameters: Record<string, string>;
}

/**
 * The path and path parameters the event carries, decoded; a 400 when one
 * is not valid percent-encoding (known from the head, so the body is not read).
 */
export function eventPaths(ex: Exchange): EventPaths | ErrorAnswer {
  const api = ex.api!;
  const q = ex.fwdPath.indexOf('?');
  const path = percentDecode(q === -1 ? ex.fwdPath : ex.fwdPath.slice(0, q));
  if (path === null) return NOT_DECODABLE;
  const pathParameters: Record<string, string> = {};
  if (api.mapping) {
    for (const p of api.parameters) {
      if (p.def.in !== 'PATH' || p.backendIn !== 'PATH') continue;
      const value = percentDecode(ex.params[p.pathIndex] ?? '');
      if (value === null) return NOT_DECODABLE;
      pathParameters[p.backendName] = value;
    }
  } else {
    const names = api.pathParamNames;
    for (let i = 0; i < names.length; i++) {
      const value = percentDecode(ex.params[i] ?? '');
      if (value === null) return NOT_DECODABLE;
      pathParameters[names[i]!] = value;
    }
  }
  return { path, pathParameters };
}

const NOT_DECODABLE = new ErrorAnswer('INVALID_URL', ': the path is not valid percent-encoding');

/** The event for this exchange, with its decoded `paths` and `body` the request body already read. */
export function buildEvent(ex: Exchange, paths: EventPaths, body: Buffer): ApiGatewayEvent {
  const q = ex.fwdPath.indexOf('?');
  const queryParameters: Record<string, string> = {};
  if (q !== -1) {
    const parsed = parseQuery(ex.fwdPath.slice(q + 1));
    for (const k of Object.keys(parsed)) {
      const v = parsed[k]!;
      queryParameters[k] = typeof v === 'string' ? v : v[0] ?? '';
    }
  }
  const headers: Record<string, string> = {};
  const fwd = ex.fwdHeaders;
  let contentType: string | undefined;
  for (let i = 0; i < fwd.length; i += 2) {
    const name = fwd[i]!;
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = fwd[i + 1]!;
    const prev = headers[name];
    headers[name] = prev === undefined ? fwd[i + 1]! : `${prev},${fwd[i + 1]!}`;
  }
  const text = isTextual(contentType);
  return {
    path: paths.path,
    httpMethod: ex.fwdMethod,
    headers,
    queryParameters,
    pathParameters: paths.pathParameters,
    body: text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !text && body.length > 0,
  };
}

/** Headers a function may not set: hop-by-hop ones, the length (the gateway computes it) and gateway error signals. */
const DROPPED = new Set([...HOP_BY_HOP, 'content-length', 'x-ca-request-id']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function bytesOf(v: unknown): Buffer | null {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

function headerValue(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/**
 * Checks a function's result and turns it into an answer; returns a string
 * saying what is wrong with it otherwise.
 */
export function parseResult(raw: unknown): FunctionAnswer | string {
  let value: unknown = raw;
  const bytes = bytesOf(raw);
  if (bytes !== null || typeof raw === 'string') {
    const text = bytes !== null ? bytes.toString('utf8') : (raw as string);
    try {
      value = JSON.parse(text);
    } catch {
      return 'the result is not JSON';
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the result is not an object';
  const r = value as Record<string, unknown>;
  let status: number;
  if (typeof r['statusCode'] === 'number') status = r['statusCode'];
  else if (typeof r['statusCode'] === 'string' && /^\d{3}$/.test(r['statusCode'])) status = Number(r['statusCode']);
  else return r['statusCode'] === undefined ? 'the result has no statusCode' : 'statusCode is not a number';
  if (!Number.isInteger(status) || status < 200 || status > 599) return `statusCode ${status} is not an HTTP status from 200 to 599`;

  const b64 = r['isBase64Encoded'];
  if (b64 !== undefined && b64 !== null && typeof b64 !== 'boolean' && b64 !== 'true' && b64 !== 'false') return 'isBase64Encoded is not a boolean';
  const isBase64 = b64 === true || b64 === 'true';

  const headers: [string, string][] = [];
  let hasType = false;
  const h = r['headers'];
  if (h !== undefined && h !== null) {
    if (typeof h !== 'object' || Array.isArray(h)) return 'headers is not an object';
    for (const [name, v] of Object.entries(h as Record<string, unknown>)) {
      if (!TOKEN.test(name)) return `header name ${JSON.stringify(name.slice(0, 64))} is not valid`;
      const lower = name.toLowerCase();
      if (DROPPED.has(lower) || lower.startsWith('x-ca-error-')) continue;
      const values = Array.isArray(v) ? v : [v];
      for (const one of values) {
        const s = headerValue(one);
        if (s === null || !headerValueValid(s)) return `header ${name} has a value that is not valid`;
        headers.push([lower, s]);
      }
      if (lower === 'content-type') hasType = true;
    }
  }

  let body: Buffer;
  const rb = r['body'];
  const rbBytes = bytesOf(rb);
  if (rb === undefined || rb === null) {
    body = Buffer.alloc(0);
  } else if (rbBytes !== null) {
    body = rbBytes;
  } else if (typeof rb === 'string') {
    if (isBase64) {
      if (!BASE64.test(rb)) return 'body is marked isBase64Encoded but is not base64';
      body = Buffer.from(rb, 'base64');
    } else {
      body = Buffer.from(rb, 'utf8');
    }
  } else if (typeof rb === 'object' || typeof rb === 'number' || typeof rb === 'boolean') {
    body = Buffer.from(JSON.stringify(rb), 'utf8');
    if (!hasType) headers.push(['content-type', 'application/json; charset=utf-8']);
  } else {
    return 'body is not a string, an object or bytes';
  }
  return { statusCode: status, headers, body };
}
