/**
 * What the backend receives: method, path, query, headers and body, from the
 * request and the API's parameter definitions.
 *
 * PASSTHROUGH forwards the request as it is (hop-by-hop headers removed,
 * X-Forwarded-For appended, an AppCode credential removed).
 *
 * MAPPING forwards only the declared parameters: each is read from its
 * location, required ones enforced, defaults filled, values type-checked
 * with `parsesAs`, then sent under `backendName` in `backendIn`. Undeclared
 * query parameters and headers are dropped, except the standard
 * representation headers (Content-Type, Content-Length, Content-Encoding,
 * Accept, Accept-Encoding, Accept-Language, User-Agent) a backend needs to
 * read the body and shape its answer. A form body is rebuilt from the
 * declared BODY parameters; any other body is forwarded unchanged.
 *
 * In both modes constant and system parameters are added, path parameters
 * are substituted into the backend path, and a prefix route's remainder is
 * appended to it.
 */
import { stringify as stringifyQuery } from 'node:querystring';
import { parsesAs, type SystemParameter } from '@apigw/schema';
import type { ApiEntry, CompiledParameter } from '../snapshot/snapshot';
import { APP_CODE_QUERY_PARAMETER } from './auth';
import { ErrorAnswer, type Exchange } from './exchange';
import { limitBody } from './body';
import { connectionTokens, hasDotSegment, headerValueValid, NOT_FORWARDED, percentDecode } from './http-facts';

/** Headers a MAPPING API forwards although they are not declared. */
const MAPPING_KEPT = new Set(['content-type', 'content-length', 'content-encoding', 'accept', 'accept-encoding', 'accept-language', 'user-agent']);

/** Name of this proxy in the CaProxy system parameter. */
const PROXY_NAME = 'apigw';

function systemValue(ex: Exchange, name: SystemParameter['name']): string {
  switch (name) {
    case 'CaClientIp':
      return ex.clientIp;
    case 'CaRequestId':
      return ex.rid;
    case 'CaAppKey':
      return ex.app?.appKey ?? '';
    case 'CaAppId':
      return ex.app?.name ?? '';
    case 'CaApiName':
      return ex.api!.name;
    case 'CaStage':
      return ex.api!.stage;
    case 'CaDomain':
      return ex.req.headers.host ?? '';
    case 'CaRequestHandleTime':
      return new Date().toUTCString();
    case 'CaHttpSchema':
      return ex.tls ? 'https' : 'http';
    case 'CaClientUa':
      return ex.req.headers['user-agent'] ?? '';
    case 'CaProxy':
      return PROXY_NAME;
    case 'CaInstanceId':
      return ex.rt.instanceId;
  }
}

function joinPath(base: string, rest: string): string {
  if (rest === '') return base;
  return base.charCodeAt(base.length - 1) === 47 ? base + rest.slice(1) : base + rest;
}

function appendQuery(query: string, name: string, value: string): string {
  const pair = encodeURIComponent(name) + '=' + encodeURIComponent(value);
  return query === '' ? pair : query + '&' + pair;
}

const CLIMBS_OUT = new ErrorAnswer('INVALID_PARAMETER', ': a substituted value would make a `.` or `..` segment of the backend path');

/**
 * True when the backend path has a segment that climbs out of it. Values
 * substituted into it (path parameters, parameters mapped to the path, a
 * prefix route's remainder) are checked here, after substitution, whatever
 * their source; a path with nothing substituted is the API's own.
 */
function climbsOut(api: ApiEntry, ex: Exchange, path: string): boolean {
  return (api.backendPathStatic === null || ex.remainder !== '') && hasDotSegment(path);
}

/** Fills the exchange's fwd* fields; answers an error for a bad request. */
export function buildForward(ex: Exchange): ErrorAnswer | null {
  const api = ex.api!;
  ex.fwdMethod = api.backendMethod ?? ex.req.method!;
  return api.mapping ? buildMapping(ex, api) : buildPassthrough(ex, api);
}

function backendPath(api: ApiEntry, values: ReadonlyMap<string, string> | null, raw: readonly string[]): string {
  if (api.backendPathStatic !== null) return api.backendPathStatic;
  let path = '';
  const parts = api.backendPath;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') {
      path += p;
    } else if (values !== null) {
      path += values.get(p.param) ?? '';
    } else {
      const idx = api.pathParamNames.indexOf(p.param);
      path += idx === -1 ? '' : raw[idx]!;
    }
  }
  return path;
}

function addCommonHeaders(ex: Exchange, api: ApiEntry, out: string[]): ErrorAnswer | null {
  const xff = ex.req.headers['x-forwarded-for'];
  // The hop this gateway saw, whatever the client address is taken to be.
  const ip = ex.peerIp;
  const claims = ex.claimHeaders;
  if (claims !== null) {
    // A JWT plugin's claim headers come from the token only, never from the client.
    let w = 0;
    for (let r = 0; r < out.length; r += 2) {
      if (claims.drop.has(out[r]!.toLowerCase())) continue;
      out[w++] = out[r]!;
      out[w++] = out[r + 1]!;
    }
    out.length = w;
    for (let i = 0; i < claims.add.length; i++) out.push(claims.add[i]!);
  }
  out.push('x-forwarded-for', xff === undefined ? ip : (typeof xff === 'string' ? xff : (xff as string[]).join(', ')) + ', ' + ip);
  out.push('x-forwarded-proto', ex.tls ? 'https' : 'http');
  out.push('x-ca-request-id', ex.rid);
  const consts = api.constantHeaders;
  for (let i = 0; i < consts.length; i++) out.push(consts[i]!.name, consts[i]!.value);
  const sys = api.systemHeaders;
  for (let i = 0; i < sys.length; i++) {
    const v = systemValue(ex, sys[i]!.name);
    if (!headerValueValid(v)) return new ErrorAnswer('INVALID_HEADER', `: ${sys[i]!.name}`);
    out.push(sys[i]!.as, v);
  }
  return null;
}

function addCommonQuery(ex: Exchange, api: ApiEntry, query: string): string {
  const consts = api.constantQuery;
  for (let i = 0; i < consts.length; i++) query = appendQuery(query, consts[i]!.name, consts[i]!.value);
  const sys = api.systemQuery;
  for (let i = 0; i < sys.length; i++) query = appendQuery(query, sys[i]!.as, systemValue(ex, sys[i]!.name));
  return query;
}

/** The request body as the backend should get it, unchanged. */
function forwardBodyAsIs(ex: Exchange): void {
  if (ex.body !== null) {
    ex.fwdBody = ex.body;
    return;
  }
  const h = ex.req.headers;
  if (h['content-length'] !== undefined) {
    ex.fwdBody = h['content-length'] === '0' ? null : ex.req;
  } else if (h['transfer-encoding'] !== undefined) {
    ex.fwdBody = limitBody(ex.req, ex.rt.maxBodyBytes);
  } else {
    ex.fwdBody = null;
  }
}

function buildPassthrough(ex: Exchange, api: ApiEntry): ErrorAnswer | null {
  let query = ex.rawQuery;
  if (ex.appCodeInQuery) {
    query = query
      .split('&')
      .filter((pair) => !pair.startsWith(APP_CODE_QUERY_PARAMETER + '=') && pair !== APP_CODE_QUERY_PARAMETER)
      .join('&');
  }
  query = addCommonQuery(ex, api, query);
  const path = joinPath(backendPath(api, null, ex.params), ex.remainder);
  if (climbsOut(api, ex, path)) return CLIMBS_OUT;
  ex.fwdPath = query === '' ? path : path + '?' + query;

  const raw = ex.req.rawHeaders;
  const out: string[] = [];
  const dropAuth = ex.appCodeInHeader;
  const connection = ex.req.headers.connection;
  const listed = connection === undefined || connection === 'keep-alive' || connection === 'close' ? null : connectionTokens(connection);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (NOT_FORWARDED.has(lower) || lower === 'x-forwarded-for' || lower === 'x-forwarded-proto' || lower === 'x-ca-request-id') continue;
    if ((dropAuth && lower === 'authorization') || (listed !== null && listed.has(lower))) continue;
    out.push(name, raw[i + 1]!);
  }
  const err = addCommonHeaders(ex, api, out);
  if (err !== null) return err;
  ex.fwdHeaders = out;
  forwardBodyAsIs(ex);
  return null;
}

function readParameter(ex: Exchange, p: CompiledParameter): string | undefined | null {
  switch (p.def.in) {
    case 'PATH': {
      const raw = ex.params[p.pathIndex];
      return raw === undefined ? undefined : percentDecode(raw);
    }
    case 'QUERY': {
      const v = ex.query[p.def.name];
      return v === undefined ? undefined : typeof v === 'string' ? v : v[0];
    }
    case 'HEAD': {
      const v = ex.req.headers[p.lookupName];
      return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined;
    }
    case 'BODY': {
      if (ex.form === null) return undefined;
      const v = ex.form[p.def.name];
      return v === undefined ? undefined : typeof v === 'string' ? v : v[0];
    }
  }
}

const LOCATION_NAMES = { PATH: 'path', QUERY: 'query', HEAD: 'header', BODY: 'body' } as const;

function buildMapping(ex: Exchange, api: ApiEntry): ErrorAnswer | null {
  const pathValues = new Map<string, string>();
  let query = '';
  const out: string[] = [];
  let form: Record<string, string> | null = null;
  const params = api.parameters;
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    let value = readParameter(ex, p);
    if (value === null) return new ErrorAnswer('INVALID_PARAMETER', `: ${p.def.name} in ${LOCATION_NAMES[p.def.in]} is not valid percent-encoding`);
    if (value === undefined || (value === '' && p.def.in !== 'QUERY' && p.def.in !== 'BODY')) {
      if (p.def.default !== undefined) {
        value = p.def.default;
      } else if (p.def.required || p.def.in === 'PATH') {
        return p.def.in === 'HEAD'
          ? new ErrorAnswer('HEADER_REQUIRED', `: ${p.def.name}`)
          : new ErrorAnswer('PARAMETER_REQUIRED', `: ${p.def.name} in ${LOCATION_NAMES[p.def.in]}`);
      } else {
        continue;
      }
    }
    if (p.def.type !== 'STRING' && !parsesAs(p.def.type, value)) {
      return new ErrorAnswer('INVALID_PARAMETER', `: ${p.def.name} in ${LOCATION_NAMES[p.def.in]} must be ${p.def.type}`);
    }
    switch (p.backendIn) {
      case 'PATH': {
        const encoded = encodeURIComponent(value);
        pathValues.set(p.backendName, encoded);
        if (p.backendName !== p.def.name && !pathValues.has(p.def.name)) pathValues.set(p.def.name, encoded);
        break;
      }
      case 'QUERY':
        query = appendQuery(query, p.backendName, value);
        break;
      case 'HEAD':
        if (!p.forwardable) break;
        if (!headerValueValid(value)) return new ErrorAnswer('INVALID_PARAMETER', `: ${p.def.name} cannot be sent as a header`);
        out.push(p.backendName, value);
        break;
      case 'BODY':
        (form ??= {})[p.backendName] = value;
        break;
    }
  }
  query = addCommonQuery(ex, api, query);
  const path = joinPath(backendPath(api, pathValues, ex.params), ex.remainder);
  if (climbsOut(api, ex, path)) return CLIMBS_OUT;
  ex.fwdPath = query === '' ? path : path + '?' + query;

  const raw = ex.req.rawHeaders;
  const rebuildsBody = ex.form !== null || form !== null;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (!MAPPING_KEPT.has(lower)) continue;
    if (rebuildsBody && (lower === 'content-length' || lower === 'content-type')) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  const err = addCommonHeaders(ex, api, out);
  if (err !== null) return err;
  if (rebuildsBody) {
    if (form !== null) {
      const body = Buffer.from(stringifyQuery(form), 'utf8');
      out.push('content-type', 'application/x-www-form-urlencoded; charset=utf-8', 'content-length', String(body.length));
      ex.fwdBody = body;
    } else {
      ex.fwdBody = null;
    }
  } else {
    forwardBodyAsIs(ex);
  }
  ex.fwdHeaders = out;
  return null;
}
