/**
 * One request through the gateway: routing, authentication, parameter
 * handling, then the backend module. The path is synchronous up to the
 * backend unless the body must be read first (form parameters to sign or
 * map, Content-MD5 to check).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import type { Readable } from 'node:stream';
import type { ApiEntry, AppEntry, Snapshot } from '../snapshot/snapshot';
import { authenticate } from './auth';
import { GATEWAY_ERRORS, type GatewayErrorName } from './gateway-errors';
import { buildForward } from './parameters';
import type { GatewayRuntime } from './runtime';

/** Longest request target accepted. */
const MAX_URL_LENGTH = 8192;
/** Most path segments accepted. */
const MAX_SEGMENTS = 128;

const STAGES: ReadonlyMap<string, number> = new Map([
  ['TEST', 0],
  ['PRE', 1],
  ['RELEASE', 2],
]);
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
const FORM = 'application/x-www-form-urlencoded';

/** Per-process prefix plus a counter: unique, ordered and cheap. */
const RID_PREFIX = randomUUID().slice(0, 24).toUpperCase();
let ridCounter = 0;
/** A fresh X-Ca-Request-Id. */
export function nextRequestId(): string {
  ridCounter = (ridCounter + 1) % 0xffffffffffff;
  const n = ridCounter.toString(16).toUpperCase();
  return RID_PREFIX + '000000000000'.slice(n.length) + n;
}

/** The state of one request as it passes through the gateway. */
export class Exchange {
  readonly rid: string = nextRequestId();
  readonly start: number = performance.now();
  api: ApiEntry | null = null;
  stageIndex = 2;
  app: AppEntry | null = null;
  path = '/';
  rawQuery = '';
  private parsedQuery: ParsedUrlQuery | null = null;
  /** Raw path parameter values (template order). */
  params: string[] = [];
  /** Rest of the path after a prefix route. */
  remainder = '';
  /** The whole body when it had to be read before forwarding. */
  body: Buffer | null = null;
  /** Parsed form body (application/x-www-form-urlencoded read in full). */
  form: ParsedUrlQuery | null = null;
  /** True when the request used an AppCode in the query string (removed before forwarding). */
  appCodeInQuery = false;
  /** True when the AppCode came in the Authorization header (removed before forwarding). */
  appCodeInHeader = false;
  /** What to send to the backend, filled by buildForward. */
  fwdMethod = 'GET';
  fwdPath = '/';
  fwdHeaders: string[] = [];
  fwdBody: Buffer | Readable | AsyncIterable<Buffer> | null = null;
  status = 0;
  errorCode: string | null = null;

  constructor(
    readonly rt: GatewayRuntime,
    readonly snapshot: Snapshot,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly tls: boolean,
  ) {}

  /** Decoded query parameters (parsed once, on first use). */
  get query(): ParsedUrlQuery {
    if (this.parsedQuery === null) this.parsedQuery = this.rawQuery === '' ? Object.create(null) : parseQuery(this.rawQuery);
    return this.parsedQuery!;
  }

  /** The client's address. */
  get clientIp(): string {
    return this.req.socket.remoteAddress ?? '';
  }

  /** Answers a gateway-made error (status, X-Ca-Error-Message, X-Ca-Error-Code, X-Ca-Request-Id). */
  sendError(name: GatewayErrorName, detail?: string): void {
    const info = GATEWAY_ERRORS[name];
    let message: string = detail === undefined ? info.message : info.message + detail;
    if (/[^\x20-\x7e]/.test(message)) message = message.replace(/[^\x20-\x7e]/g, (c) => encodeURIComponent(c));
    const res = this.res;
    this.errorCode = info.code;
    if (res.headersSent) {
      res.destroy();
      this.done(info.status);
      return;
    }
    const body = JSON.stringify({ requestId: this.rid, errorCode: info.code, errorMessage: message });
    res.writeHead(info.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-ca-request-id': this.rid,
      'x-ca-error-code': info.code,
      'x-ca-error-message': message,
    });
    res.end(body);
    this.done(info.status);
  }

  /** Records the outcome (access log, metrics). Called once per request. */
  done(status: number): void {
    if (this.status !== 0) return;
    this.status = status;
    this.rt.observe(this);
  }
}

function hostOf(header: string): string {
  let end = header.length;
  if (header.charCodeAt(0) === 91 /* [ */) {
    const close = header.indexOf(']');
    return (close === -1 ? header : header.slice(0, close + 1)).toLowerCase();
  }
  const colon = header.indexOf(':');
  if (colon !== -1) end = colon;
  return (end === header.length ? header : header.slice(0, end)).toLowerCase();
}

/**
 * True when a segment of the path is `.` or `..` (also percent-encoded):
 * forwarded, it would let a request climb out of the backend path.
 */
function hasDotSegment(path: string): boolean {
  if (path.indexOf('/.') === -1 && path.indexOf('%2') === -1) return false;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!.replace(/%2e/gi, '.');
    if (s === '.' || s === '..') return true;
  }
  return false;
}

function countSegments(path: string): number {
  let n = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) n++;
  return n;
}

/** True when the request carries a body. */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Entry point: serves one request. Never throws. */
export function handleRequest(rt: GatewayRuntime, req: IncomingMessage, res: ServerResponse, tls: boolean): void {
  const ex = new Exchange(rt, rt.snapshot, req, res, tls);
  try {
    route(ex);
  } catch (err) {
    fail(ex, err);
  }
}

function fail(ex: Exchange, err: unknown): void {
  ex.rt.logError(ex, err);
  ex.sendError('INTERNAL_ERROR');
}

function route(ex: Exchange): void {
  const req = ex.req;
  const url = req.url ?? '';
  if (url.length > MAX_URL_LENGTH) return ex.sendError('URL_TOO_LONG');
  if (url.charCodeAt(0) !== 47) return ex.sendError('INVALID_URL');
  const q = url.indexOf('?');
  if (q === -1) {
    ex.path = url;
  } else {
    ex.path = url.slice(0, q);
    ex.rawQuery = url.slice(q + 1);
  }
  const method = req.method ?? '';
  if (!METHODS.has(method)) return ex.sendError('UNSUPPORTED_METHOD');
  const host = req.headers.host;
  if (host === undefined) return ex.sendError('INVALID_DOMAIN');
  const group = ex.snapshot.hosts.get(hostOf(host));
  if (group === undefined) return ex.sendError('INVALID_DOMAIN');
  const stageHeader = req.headers['x-ca-stage'];
  if (stageHeader !== undefined) {
    const s = STAGES.get(stageHeader as string);
    if (s === undefined) return ex.sendError('INVALID_HEADER', ': X-Ca-Stage must be TEST, PRE or RELEASE');
    ex.stageIndex = s;
  }
  if (countSegments(ex.path) > MAX_SEGMENTS) return ex.sendError('INVALID_PATH');
  if (hasDotSegment(ex.path)) return ex.sendError('INVALID_URL', ': dot segments are not allowed');
  const found = group.routers[ex.stageIndex]!.find(method, ex.path);
  if (found === 'NOT_FOUND') return ex.sendError('API_NOT_FOUND');
  if (found === 'METHOD_NOT_ALLOWED') return ex.sendError('INVALID_HTTP_METHOD');
  const api = found.route.value;
  ex.api = api;
  ex.params = found.params;
  ex.remainder = found.remainder;
  if (ex.tls ? !api.allowHttps : !api.allowHttp) return ex.sendError('PROTOCOL_NOT_ALLOWED', ex.tls ? ': HTTPS' : ': HTTP');

  if (hasBody(req)) {
    const len = req.headers['content-length'];
    if (len !== undefined && Number(len) > ex.rt.maxBodyBytes) return ex.sendError('BODY_TOO_LARGE');
    const ct = req.headers['content-type'];
    const isForm = ct !== undefined && ct.startsWith(FORM);
    if ((isForm && (api.isApp || api.needsForm)) || (api.isApp && req.headers['content-md5'] !== undefined)) {
      readBodyThenContinue(ex, isForm);
      return;
    }
  }
  proceed(ex);
}

function readBodyThenContinue(ex: Exchange, isForm: boolean): void {
  readBody(ex.req, ex.rt.maxBodyBytes).then(
    (body) => {
      try {
        if (body === 'TOO_LARGE') return ex.sendError('BODY_TOO_LARGE');
        if (body === 'ABORTED') return ex.res.destroyed ? ex.done(499) : ex.sendError('INVALID_BODY');
        ex.body = body;
        if (isForm) ex.form = parseQuery(body.toString('utf8'));
        proceed(ex);
      } catch (err) {
        fail(ex, err);
      }
    },
    (err: unknown) => fail(ex, err),
  );
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'TOO_LARGE' | 'ABORTED'> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) return 'TOO_LARGE';
      chunks.push(chunk as Buffer);
    }
  } catch {
    return 'ABORTED';
  }
  return Buffer.concat(chunks, size);
}

function proceed(ex: Exchange): void {
  const api = ex.api!;
  if (api.isApp) {
    const err = authenticate(ex);
    if (err !== null) return ex.sendError(err.name, err.detail);
  }
  const fwdErr = buildForward(ex);
  if (fwdErr !== null) return ex.sendError(fwdErr.name, fwdErr.detail);
  const backend = ex.snapshot.backends.get(api.serviceName);
  const target = backend === undefined ? null : backend.targets[ex.stageIndex];
  if (backend === undefined || target === null || target === undefined) {
    return ex.sendError('SERVICE_UNAVAILABLE', `: backend service ${api.serviceName} has no definition for ${api.stage}`);
  }
  if (target.error !== null) return ex.sendError(target.unservedType ? 'BACKEND_TYPE_UNSERVED' : 'SERVICE_UNAVAILABLE', ': ' + target.error);
  ex.rt.invoke(backend.service.type, ex, target.value);
}

/** A gateway error with optional detail text after its message. */
export interface ErrorAnswer {
  readonly name: GatewayErrorName;
  readonly detail?: string;
}
