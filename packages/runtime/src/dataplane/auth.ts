/**
 * Authentication and authorization of APP APIs, in three steps the
 * pipeline calls in order, cheapest first:
 *
 * 1. `authenticate` (request head only, no body read, no HMAC): finds the
 *    app by its credential, checks the shape of the signature headers and
 *    the timestamp window, and the app's authorization for the API in this
 *    stage. A caller proves it is an app in one of two ways:
 *    - AppCode: `Authorization: APPCODE <code>`; for APIs whose `appCode` is
 *      `HEADER_QUERY` also the `AppCode` query parameter (`?AppCode=<code>`).
 *      The credential is removed before the request is forwarded.
 *    - Signature: `X-Ca-Key` and `X-Ca-Signature` over the string to sign
 *      (see signature.ts), with the algorithm in `X-Ca-Signature-Method`
 *      (HmacSHA256 when absent) among those the API accepts, `X-Ca-Timestamp`
 *      within 15 minutes of the gateway clock, `X-Ca-Nonce` used once
 *      (required when the API demands anti-replay).
 * 2. `verifySignature` (after a body that must be signed has been read):
 *    Content-MD5 against the body, then the HMAC.
 * 3. `spendNonce` (after per-API policies, parameters and the backend
 *    target are checked): records the nonce, so only a request that would
 *    otherwise be served uses one up.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { appCodeHash, type AppEntry } from '../snapshot/snapshot';
import { ErrorAnswer, type Exchange } from './exchange';
import { cachedSignedHeaderNames, MAX_SIGNED_HEADERS, stringToSign, tooManySignedHeaders, type SignatureMethod, type SigningKey } from './signature';

/** Name of the query parameter that carries an AppCode for HEADER_QUERY APIs. */
export const APP_CODE_QUERY_PARAMETER = 'AppCode';

/** How far X-Ca-Timestamp may be from the gateway clock. */
export const TIMESTAMP_WINDOW_MS = 15 * 60_000;

const MAX_NONCE_LENGTH = 128;

const INVALID_APP_KEY = new ErrorAnswer('INVALID_APP_KEY');
const INVALID_APP_CODE = new ErrorAnswer('INVALID_APP_CODE');
const APP_CODE_NOT_ACCEPTED = new ErrorAnswer('INVALID_APP_CODE', ': the API does not accept AppCode');
const UNAUTHORIZED = new ErrorAnswer('UNAUTHORIZED');
const INVALID_TIMESTAMP = new ErrorAnswer('INVALID_TIMESTAMP');
const TIMESTAMP_EXPIRED = new ErrorAnswer('TIMESTAMP_EXPIRED');
/** A timestamp that is right when read as seconds: the commonest client mistake, named as such. */
const TIMESTAMP_IN_SECONDS = new ErrorAnswer('TIMESTAMP_EXPIRED', ': X-Ca-Timestamp looks like seconds since the epoch; send milliseconds');
const INVALID_NONCE = new ErrorAnswer('INVALID_NONCE');
const NONCE_USED = new ErrorAnswer('NONCE_USED');
const INVALID_CONTENT_MD5 = new ErrorAnswer('INVALID_CONTENT_MD5');
const INVALID_SIGNATURE_METHOD = new ErrorAnswer('INVALID_SIGNATURE_METHOD');
const SIGNATURE_MISSING = new ErrorAnswer('INVALID_SIGNATURE', ': X-Ca-Signature is missing');
const TOO_MANY_SIGNED = new ErrorAnswer('INVALID_SIGNATURE', `: X-Ca-Signature-Headers names more than ${MAX_SIGNED_HEADERS} headers`);
const REPLAY_UNSIGNED = new ErrorAnswer(
  'INVALID_SIGNATURE',
  ': X-Ca-Signature-Headers must include x-ca-nonce, x-ca-timestamp (and x-ca-stage when it is sent): the API demands anti-replay',
);

/**
 * Identifies the caller of an APP API from the request head and checks its
 * authorization; answers the app, or the refusal. A signed request is not
 * verified yet (see `verifySignature`).
 */
export function authenticate(ex: Exchange): AppEntry | ErrorAnswer {
  const api = ex.api!;
  const headers = ex.req.headers;
  const authz = headers.authorization;
  let app: AppEntry | undefined;
  if (authz !== undefined && authz.length > 8 && authz.slice(0, 8).toUpperCase() === 'APPCODE ') {
    if (api.appCodeMode === 0) return APP_CODE_NOT_ACCEPTED;
    app = ex.snapshot.appsByCodeHash.get(appCodeHash(authz.slice(8).trim()));
    if (app === undefined || expired(app)) return INVALID_APP_CODE;
    ex.appCodeInHeader = true;
  } else if (headers['x-ca-key'] === undefined && api.appCodeMode === 2 && ex.rawQuery.includes(APP_CODE_QUERY_PARAMETER)) {
    const code = ex.query[APP_CODE_QUERY_PARAMETER];
    if (typeof code !== 'string') return INVALID_APP_CODE;
    app = ex.snapshot.appsByCodeHash.get(appCodeHash(code));
    if (app === undefined || expired(app)) return INVALID_APP_CODE;
    ex.appCodeInQuery = true;
  } else {
    const found = signedCaller(ex);
    if (found instanceof ErrorAnswer) return found;
    app = found;
  }
  const grant = app.grants.get(api.id);
  if (grant === undefined || (grant.stages & (1 << ex.stageIndex)) === 0 || grant.expiresAt <= Date.now()) return UNAUTHORIZED;
  return app;
}

/** The app named by X-Ca-Key, once the other signature headers are well-formed. */
function signedCaller(ex: Exchange): AppEntry | ErrorAnswer {
  const api = ex.api!;
  const headers = ex.req.headers;
  const key = headers['x-ca-key'];
  if (typeof key !== 'string') return INVALID_APP_KEY;
  const app = ex.snapshot.appsByKey.get(key);
  if (app === undefined) return INVALID_APP_KEY;
  if (typeof headers['x-ca-signature'] !== 'string') return SIGNATURE_MISSING;

  const sent = headers['x-ca-signature-method'];
  if (sent === undefined || sent === 'HmacSHA256') {
    if (!api.allowSha256) return INVALID_SIGNATURE_METHOD;
    ex.signatureMethod = 'HmacSHA256';
  } else if (sent === 'HmacSHA1') {
    if (!api.allowSha1) return INVALID_SIGNATURE_METHOD;
    ex.signatureMethod = 'HmacSHA1';
  } else {
    return INVALID_SIGNATURE_METHOD;
  }

  const tsHeader = headers['x-ca-timestamp'];
  if (tsHeader !== undefined) {
    if (!/^\d{1,15}$/.test(tsHeader as string)) return INVALID_TIMESTAMP;
    const timestamp = Number(tsHeader);
    if (Math.abs(Date.now() - timestamp) > TIMESTAMP_WINDOW_MS) return Math.abs(Date.now() - timestamp * 1000) <= TIMESTAMP_WINDOW_MS ? TIMESTAMP_IN_SECONDS : TIMESTAMP_EXPIRED;
    ex.signedAt = timestamp;
  } else if (api.antiReplay) {
    return INVALID_TIMESTAMP;
  }

  const nonce = headers['x-ca-nonce'];
  if (nonce !== undefined) {
    if ((nonce as string).length > MAX_NONCE_LENGTH) return INVALID_NONCE;
  } else if (api.antiReplay) {
    return INVALID_NONCE;
  }

  const list = headers['x-ca-signature-headers'];
  if (typeof list === 'string' && tooManySignedHeaders(list)) return TOO_MANY_SIGNED;
  return app;
}

/**
 * Whether `signature` (the X-Ca-Signature text) is the Base64 of the HMAC
 * of `text` with `key`. Clients send the canonical Base64, compared as text
 * in constant time without decoding anything; any other spelling of the
 * same bytes (no padding, line breaks, the URL-safe alphabet) is decoded
 * and compared as bytes, so the same signatures are accepted either way.
 */
function signedWith(method: SignatureMethod, key: SigningKey, text: string, signature: string): boolean {
  const expected = key.base64(method, text);
  if (sameText(signature, expected)) return true;
  const sent = Buffer.from(signature, 'base64');
  const bytes = Buffer.from(expected, 'base64');
  return sent.length === bytes.length && timingSafeEqual(sent, bytes);
}

/** String equality in time that depends only on the length. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Whether an AppCode replaced by a rotation is past its grace period. */
function expired(app: AppEntry): boolean {
  return app.validUntil !== undefined && app.validUntil <= Date.now();
}

/**
 * Verifies a signed request: Content-MD5 against a body that was read (not
 * a form), then the HMAC over the string to sign. Nothing to do for an
 * AppCode caller.
 */
export function verifySignature(ex: Exchange, app: AppEntry): ErrorAnswer | null {
  if (ex.signatureMethod === null) return null;
  const headers = ex.req.headers;
  const md5 = headers['content-md5'];
  if (md5 !== undefined && ex.body !== null && ex.form === null) {
    const actual = createHash('md5').update(ex.body).digest();
    const sent = Buffer.from(md5 as string, 'base64');
    if (sent.length !== actual.length || !timingSafeEqual(sent, actual)) return INVALID_CONTENT_MD5;
  }
  const text = stringToSign({
    method: ex.req.method!,
    headers,
    path: ex.path,
    query: ex.rawQuery === '' ? null : ex.query,
    form: ex.form,
  });
  const signature = headers['x-ca-signature'] as string;
  const method = ex.signatureMethod;
  // After a rotation with a grace period, the replaced AppSecret signs too until the grace ends.
  if (!signedWith(method, app.key, text, signature) && !(app.previousKey !== undefined && app.previousUntil! > Date.now() && signedWith(method, app.previousKey, text, signature))) {
    return new ErrorAnswer('INVALID_SIGNATURE', ', Server StringToSign:`' + text.replace(/\n/g, '#') + '`');
  }
  if (ex.api!.antiReplay) {
    // Unsigned, a fresh nonce or timestamp would make a captured request new again, and a stage move it.
    const list = headers['x-ca-signature-headers'];
    const names = cachedSignedHeaderNames(typeof list === 'string' ? list : '');
    if (!names.includes('x-ca-nonce') || !names.includes('x-ca-timestamp') || (headers['x-ca-stage'] !== undefined && !names.includes('x-ca-stage'))) return REPLAY_UNSIGNED;
  }
  return null;
}

/**
 * Spends the request's X-Ca-Nonce (signed requests that send one): a nonce
 * seen before within the window answers Nonce Used. Called last before the
 * request is forwarded, so a refused request leaves its nonce unspent.
 */
export function spendNonce(ex: Exchange, app: AppEntry): ErrorAnswer | null | Promise<ErrorAnswer | null> {
  if (ex.signatureMethod === null) return null;
  const nonce = ex.req.headers['x-ca-nonce'];
  if (nonce === undefined) return null;
  const now = Date.now();
  const ledger = ex.api!.antiReplay ? ex.rt.replayNonces : ex.rt.nonces;
  const timestamp = Number.isNaN(ex.signedAt) ? now : ex.signedAt;
  const verdict = ledger.check(app.appKey + '\n' + (nonce as string), timestamp, now);
  if (verdict instanceof Promise) return verdict.then((v) => (v === 'USED' ? NONCE_USED : null));
  return verdict === 'USED' ? NONCE_USED : null;
}
