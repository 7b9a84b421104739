/**
 * The request pipeline: one straight line of steps from the request head to
 * the backend module, each of which may refuse the request. Cheap, bounded
 * checks come first; the HMAC, the body and the nonce come only for a
 * request every earlier step accepted.
 *
 *  1. target    request target, method, Host and X-Ca-Stage (bounded string checks)
 *  2. route     the group's router for the stage; the API's protocols
 *     (a CORS preflight for an API whose plugins include CORS is answered here)
 *  3. policies  the API's plugins for the stage (CORS headers set on the answer);
 *               `beforeAuth` hooks of the API's and its plugins' policies (see policy.ts)
 *  4. identify  APP APIs: the caller's credential and authorization (auth.ts)
 *  5. body      read in full only when it must be signed or mapped
 *  6. verify    APP APIs: Content-MD5 and the signature
 *  7. policies  `afterAuth` hooks of the API's and its plugins' policies (may wait: JWT)
 *  8. forward   what the backend receives (parameters.ts), and its target
 *  9. nonce     spent last, so a refused request never uses one up
 * 10. invoke    the compiled target's backend module, which ends the exchange
 *
 * The path is synchronous up to the backend unless the body must be read
 * first (form parameters to sign or map, Content-MD5 to check) or a policy
 * must wait (a JWT's signature, a counter shared by nodes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { stageIndex } from '@apigw/schema';
import { authenticate, spendNonce, verifySignature } from './auth';
import { BodyTooLargeError, RuntimeError } from '../errors';
import { ErrorAnswer, Exchange } from './exchange';
import { readBody } from './body';
import { FORM_CONTENT_TYPE, hasBody, hasDotSegment, PROXIED_METHODS } from './http-facts';
import { buildForward } from './parameters';
import { runAfterAuth, runBeforeAuth } from './policy';
import type { GatewayRuntime } from './exchange';
import { isPreflight } from './plugins/cors';
import { answerPreflight, applyCors } from './plugins/plugin-policies';
import { pluginsFor } from './plugins/plugin-table';
import type { CompiledTarget, GroupEntry } from '../snapshot/snapshot';

/** Longest request target accepted. */
const MAX_URL_LENGTH = 8192;
/** Most path segments accepted. */
const MAX_SEGMENTS = 128;

/**
 * Entry point: serves one request. Never throws. `awaitingContinue` is true
 * for a request that sent `Expect: 100-continue`: the gateway answers
 * `100 Continue` only once the request passed every check that needs no
 * body, so a refused client never sends it.
 */
export function handleRequest(rt: GatewayRuntime, req: IncomingMessage, res: ServerResponse, tls: boolean, awaitingContinue = false): void {
  const ex = new Exchange(rt, rt.snapshot, req, res, tls);
  ex.awaitingContinue = awaitingContinue;
  try {
    const refusal = routeAndIdentify(ex);
    if (refusal !== null) ex.refuse(refusal);
  } catch (err) {
    fail(ex, err);
  }
}

/** Answers a request the server refused before the pipeline (an unknown Expect) with the error contract. */
export function refuseRequest(rt: GatewayRuntime, req: IncomingMessage, res: ServerResponse, tls: boolean, answer: ErrorAnswer): void {
  const ex = new Exchange(rt, rt.snapshot, req, res, tls);
  try {
    ex.refuse(answer);
  } catch (err) {
    fail(ex, err);
  }
}

/**
 * Answers a request the pipeline could not finish: 503 when state the
 * gateway shares with other nodes (nonce ledger, call counter) is away,
 * with the cause in the access log only; 500 for anything unforeseen.
 */
function fail(ex: Exchange, err: unknown): void {
  if (err instanceof RuntimeError && err.code === 'APIGW_STORE_UNAVAILABLE') {
    const cause = err.cause instanceof Error ? ': ' + err.cause.message : '';
    ex.sendError('STATE_UNAVAILABLE', undefined, err.message + cause);
    return;
  }
  ex.rt.logError(ex, err);
  ex.sendError('INTERNAL_ERROR');
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

/** True when the head carries more than one Host field (RFC 9112 §3.2: answer 400). */
function hostRepeated(raw: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}

function countSegments(path: string): number {
  let n = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) n++;
  return n;
}

const URL_TOO_LONG = new ErrorAnswer('URL_TOO_LONG');
const INVALID_URL = new ErrorAnswer('INVALID_URL');
const DOT_SEGMENT = new ErrorAnswer('INVALID_URL', ': dot segments are not allowed');
const FRAGMENT = new ErrorAnswer('INVALID_URL', ': a request target has no fragment (#)');
const HOST_REPEATED = new ErrorAnswer('INVALID_HEADER', ': Host must be sent once');
const INVALID_PATH = new ErrorAnswer('INVALID_PATH');
const UNSUPPORTED_METHOD = new ErrorAnswer('UNSUPPORTED_METHOD');
const INVALID_DOMAIN = new ErrorAnswer('INVALID_DOMAIN');
const BAD_STAGE = new ErrorAnswer('INVALID_HEADER', ': X-Ca-Stage must be TEST, PRE or RELEASE');
const API_NOT_FOUND = new ErrorAnswer('API_NOT_FOUND');
const INVALID_HTTP_METHOD = new ErrorAnswer('INVALID_HTTP_METHOD');
const HTTP_NOT_ALLOWED = new ErrorAnswer('PROTOCOL_NOT_ALLOWED', ': HTTP');
const HTTPS_NOT_ALLOWED = new ErrorAnswer('PROTOCOL_NOT_ALLOWED', ': HTTPS');
const BODY_TOO_LARGE = new ErrorAnswer('BODY_TOO_LARGE');
/** What clients are told of a backend the gateway cannot reach; the names stay in the access log. */
const NO_DEFINITION = ': the backend has no definition for this stage';
const CANNOT_SERVE = ': the backend definition cannot be served';

/** Steps 1–5; continues synchronously to `proceed` unless the body must be read first. */
function routeAndIdentify(ex: Exchange): ErrorAnswer | null {
  // 1. target
  const req = ex.req;
  const url = req.url ?? '';
  if (url.length > MAX_URL_LENGTH) return URL_TOO_LONG;
  if (url.charCodeAt(0) !== 47) return INVALID_URL;
  if (url.indexOf('#') !== -1) return FRAGMENT;
  const q = url.indexOf('?');
  if (q === -1) {
    ex.path = url;
  } else {
    ex.path = url.slice(0, q);
    ex.rawQuery = url.slice(q + 1);
  }
  const method = req.method ?? '';
  if (!PROXIED_METHODS.has(method)) return UNSUPPORTED_METHOD;
  const host = req.headers.host;
  if (host === undefined) return INVALID_DOMAIN;
  if (hostRepeated(req.rawHeaders)) return HOST_REPEATED;
  const group = ex.snapshot.hosts.get(hostOf(host));
  if (group === undefined) return INVALID_DOMAIN;
  const stageHeader = req.headers['x-ca-stage'];
  if (stageHeader !== undefined) {
    const s = stageIndex(stageHeader as string);
    if (s === undefined) return BAD_STAGE;
    ex.stageIndex = s;
  }
  if (countSegments(ex.path) > MAX_SEGMENTS) return INVALID_PATH;
  if (hasDotSegment(ex.path)) return DOT_SEGMENT;

  // 2. route
  const found = group.routers[ex.stageIndex]!.find(method, ex.path);
  if (method === 'OPTIONS' && ex.snapshot.plugins.any && isPreflight(method, req.headers) && preflightByPlugin(ex, group, found)) return null;
  if (found === 'NOT_FOUND') return API_NOT_FOUND;
  if (found === 'METHOD_NOT_ALLOWED') return INVALID_HTTP_METHOD;
  const api = found.route.value;
  ex.api = api;
  ex.params = found.params;
  ex.remainder = found.remainder;
  if (ex.tls ? !api.allowHttps : !api.allowHttp) return ex.tls ? HTTPS_NOT_ALLOWED : HTTP_NOT_ALLOWED;

  // 3. policies before authentication
  const plugins = ex.snapshot.plugins.any ? pluginsFor(ex.snapshot.plugins, api.id, api.group.name, ex.stageIndex) : null;
  ex.plugins = plugins;
  if (plugins !== null && plugins.cors !== null && req.headers.origin !== undefined) applyCors(ex, plugins.cors);
  if (api.policies.length > 0) {
    const refusal = runBeforeAuth(api.policies, ex);
    if (refusal !== null) return refusal;
  }
  if (plugins !== null && plugins.policies.length > 0) {
    const refusal = runBeforeAuth(plugins.policies, ex);
    if (refusal !== null) return refusal;
  }

  let mustRead = false;
  let isForm = false;
  const withBody = hasBody(req);
  if (withBody) {
    const len = req.headers['content-length'];
    if (len !== undefined && Number(len) > ex.rt.maxBodyBytes) return BODY_TOO_LARGE;
    const ct = req.headers['content-type'];
    isForm = ct !== undefined && ct.startsWith(FORM_CONTENT_TYPE);
    mustRead = isForm && api.needsForm;
  }

  // 4. identify (APP APIs), from the head alone: a body is read only for a known, authorized caller
  if (api.isApp) {
    const app = authenticate(ex);
    if (app instanceof ErrorAnswer) return app;
    ex.app = app;
    if (ex.signatureMethod !== null && !mustRead && withBody) mustRead = isForm || req.headers['content-md5'] !== undefined;
  }

  // 5. body
  if (mustRead) {
    ex.sendContinue();
    readBodyThenProceed(ex, isForm);
    return null;
  }
  return proceed(ex);
}

function readBodyThenProceed(ex: Exchange, isForm: boolean): void {
  readBody(ex.req, ex.rt.maxBodyBytes).then(
    (body) => {
      try {
        ex.body = body;
        if (isForm) ex.form = parseQuery(body.toString('utf8'));
        const refusal = proceed(ex);
        if (refusal !== null) ex.refuse(refusal);
      } catch (err) {
        fail(ex, err);
      }
    },
    (err: unknown) => {
      if (err instanceof BodyTooLargeError) ex.refuse(BODY_TOO_LARGE);
      else if (ex.res.destroyed) ex.done(499);
      else ex.sendError('INVALID_BODY');
    },
  );
}

/**
 * Answers a CORS preflight when the API the browser means to call (the
 * method in Access-Control-Request-Method on this path) has a CORS plugin
 * in this stage and is not itself declared for OPTIONS. False when the
 * request is left to the normal route.
 */
function preflightByPlugin(ex: Exchange, group: GroupEntry, found: ReturnType<GroupEntry['routers'][number]['find']>): boolean {
  if (typeof found === 'object' && found.route.value.declaresOptions) return false;
  const wanted = ex.req.headers['access-control-request-method'];
  if (typeof wanted !== 'string' || !PROXIED_METHODS.has(wanted)) return false;
  const target = group.routers[ex.stageIndex]!.find(wanted, ex.path);
  if (typeof target !== 'object') return false;
  const api = target.route.value;
  const plugins = pluginsFor(ex.snapshot.plugins, api.id, api.group.name, ex.stageIndex);
  if (plugins === null || plugins.cors === null) return false;
  ex.api = api;
  answerPreflight(ex, plugins.cors);
  return true;
}

/** Steps 6–7; steps 8–10 follow at once, or when an `afterAuth` policy that had to wait settles. */
function proceed(ex: Exchange): ErrorAnswer | null {
  const api = ex.api!;
  const app = ex.app;
  // 6. verify
  if (app !== null) {
    const refusal = verifySignature(ex, app);
    if (refusal !== null) return refusal;
  }
  // 7. policies after authentication
  if (api.policies.length > 0) {
    const verdict = runAfterAuth(api.policies, ex);
    if (verdict !== null) return verdict instanceof ErrorAnswer ? verdict : waitThenForward(ex, verdict, true);
  }
  const plugins = ex.plugins;
  if (plugins !== null && plugins.policies.length > 0) {
    const verdict = runAfterAuth(plugins.policies, ex);
    if (verdict !== null) return verdict instanceof ErrorAnswer ? verdict : waitThenForward(ex, verdict, false);
  }
  return forward(ex);
}

/** Goes on with the request once a waiting `afterAuth` policy settles (the plugins' policies still to run when `ownFirst`). */
function waitThenForward(ex: Exchange, verdict: Promise<ErrorAnswer | null>, ownFirst: boolean): null {
  verdict.then(
    (refusal) => {
      try {
        if (refusal !== null) return ex.refuse(refusal);
        let next: ErrorAnswer | null;
        const plugins = ex.plugins;
        if (ownFirst && plugins !== null && plugins.policies.length > 0) {
          const more = runAfterAuth(plugins.policies, ex);
          if (more instanceof Promise) return void waitThenForward(ex, more, false);
          next = more ?? forward(ex);
        } else {
          next = forward(ex);
        }
        if (next !== null) ex.refuse(next);
      } catch (err) {
        fail(ex, err);
      }
    },
    (err: unknown) => fail(ex, err),
  );
  return null;
}

/** Steps 8–10. */
function forward(ex: Exchange): ErrorAnswer | null {
  const api = ex.api!;
  const app = ex.app;
  // 8. forward
  const forwardRefusal = buildForward(ex);
  if (forwardRefusal !== null) return forwardRefusal;
  const backend = ex.snapshot.backends.get(api.serviceName);
  const target = backend === undefined ? null : backend.targets[ex.stageIndex];
  if (target === null || target === undefined) {
    ex.sendError('SERVICE_UNAVAILABLE', NO_DEFINITION, `backend service ${api.serviceName} has no definition for ${api.stage}`);
    return null;
  }
  if (target.error !== null) {
    if (target.unservedType) return new ErrorAnswer('BACKEND_TYPE_UNSERVED', ': ' + target.error);
    ex.sendError('SERVICE_UNAVAILABLE', CANNOT_SERVE, target.error);
    return null;
  }
  if (target.invoke === undefined) return new ErrorAnswer('BACKEND_TYPE_UNSERVED', ': ' + backend!.service.type);
  // 9. nonce: the request passed every check; only now is its nonce used up
  if (app !== null) {
    const refusal = spendNonce(ex, app);
    if (refusal instanceof Promise) {
      // A ledger several nodes share answers asynchronously: the request goes on once it has.
      refusal.then(
        (answer) => {
          try {
            if (answer !== null) ex.refuse(answer);
            else invoke(ex, target);
          } catch (err) {
            fail(ex, err);
          }
        },
        (err: unknown) => fail(ex, err),
      );
      return null;
    }
    if (refusal !== null) return refusal;
  }
  // 10. invoke
  invoke(ex, target);
  return null;
}

/** Step 10: a client waiting to send its body is told to, and the target's backend module takes the exchange. */
function invoke(ex: Exchange, target: CompiledTarget): void {
  ex.sendContinue();
  target.invoke!(ex, target.value);
}
