/**
 * Authentication and authorization of APP APIs.
 *
 * A caller proves it is an app in one of two ways:
 * - AppCode: `Authorization: APPCODE <code>`; for APIs whose `appCode` is
 *   `HEADER_QUERY` also the `AppCode` query parameter (`?AppCode=<code>`).
 *   The credential is removed before the request is forwarded.
 * - Signature: `X-Ca-Key` and `X-Ca-Signature` over the string to sign
 *   (see signature.ts), with the algorithm in `X-Ca-Signature-Method`
 *   (HmacSHA256 when absent) among those the API accepts, `X-Ca-Timestamp`
 *   within 15 minutes of the gateway clock, `X-Ca-Nonce` used once (required
 *   when the API demands anti-replay), and Content-MD5 matching the body when
 *   it is sent with a body that is not a form.
 *
 * Then the app must hold an unexpired authorization for the API in this stage.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { appCodeHash, type AppEntry } from '../snapshot/snapshot';
import type { ErrorAnswer, Exchange } from './exchange';
import { signatureDigest, stringToSign, type SignatureMethod } from './signature';

/** Name of the query parameter that carries an AppCode for HEADER_QUERY APIs. */
export const APP_CODE_QUERY_PARAMETER = 'AppCode';

/** How far X-Ca-Timestamp may be from the gateway clock. */
export const TIMESTAMP_WINDOW_MS = 15 * 60_000;

const MAX_NONCE_LENGTH = 128;

const E = (name: ErrorAnswer['name'], detail?: string): ErrorAnswer => (detail === undefined ? { name } : { name, detail });
const INVALID_APP_KEY = E('INVALID_APP_KEY');
const INVALID_APP_CODE = E('INVALID_APP_CODE');
const UNAUTHORIZED = E('UNAUTHORIZED');
const INVALID_TIMESTAMP = E('INVALID_TIMESTAMP');
const TIMESTAMP_EXPIRED = E('TIMESTAMP_EXPIRED');
const INVALID_NONCE = E('INVALID_NONCE');
const NONCE_USED = E('NONCE_USED');
const INVALID_CONTENT_MD5 = E('INVALID_CONTENT_MD5');
const INVALID_SIGNATURE_METHOD = E('INVALID_SIGNATURE_METHOD');

/** Authenticates and authorizes the exchange's caller; null when allowed. Sets `ex.app`. */
export function authenticate(ex: Exchange): ErrorAnswer | null {
  const api = ex.api!;
  const headers = ex.req.headers;
  const authz = headers.authorization;
  let app: AppEntry | undefined;
  if (authz !== undefined && authz.length > 8 && authz.slice(0, 8).toUpperCase() === 'APPCODE ') {
    if (api.appCodeMode === 0) return E('INVALID_APP_CODE', ': the API does not accept AppCode');
    app = ex.snapshot.appsByCodeHash.get(appCodeHash(authz.slice(8).trim()));
    if (app === undefined) return INVALID_APP_CODE;
    ex.appCodeInHeader = true;
  } else if (headers['x-ca-key'] === undefined && api.appCodeMode === 2 && ex.rawQuery.includes(APP_CODE_QUERY_PARAMETER)) {
    const code = ex.query[APP_CODE_QUERY_PARAMETER];
    if (typeof code !== 'string') return INVALID_APP_CODE;
    app = ex.snapshot.appsByCodeHash.get(appCodeHash(code));
    if (app === undefined) return INVALID_APP_CODE;
    ex.appCodeInQuery = true;
  } else {
    const verdict = verifySignature(ex);
    if (verdict !== null) return verdict;
    app = ex.app!;
  }
  ex.app = app;
  const grant = app.grants.get(api.id);
  if (grant === undefined || (grant.stages & (1 << ex.stageIndex)) === 0 || grant.expiresAt <= Date.now()) return UNAUTHORIZED;
  return null;
}

function verifySignature(ex: Exchange): ErrorAnswer | null {
  const api = ex.api!;
  const headers = ex.req.headers;
  const key = headers['x-ca-key'];
  if (typeof key !== 'string') return INVALID_APP_KEY;
  const app = ex.snapshot.appsByKey.get(key);
  if (app === undefined) return INVALID_APP_KEY;
  const given = headers['x-ca-signature'];
  if (typeof given !== 'string') return E('INVALID_SIGNATURE', ': X-Ca-Signature is missing');

  const sent = headers['x-ca-signature-method'];
  let method: SignatureMethod;
  if (sent === undefined || sent === 'HmacSHA256') {
    if (!api.allowSha256) return INVALID_SIGNATURE_METHOD;
    method = 'HmacSHA256';
  } else if (sent === 'HmacSHA1') {
    if (!api.allowSha1) return INVALID_SIGNATURE_METHOD;
    method = 'HmacSHA1';
  } else {
    return INVALID_SIGNATURE_METHOD;
  }

  const now = Date.now();
  const tsHeader = headers['x-ca-timestamp'];
  let timestamp = NaN;
  if (tsHeader !== undefined) {
    if (!/^\d{1,15}$/.test(tsHeader as string)) return INVALID_TIMESTAMP;
    timestamp = Number(tsHeader);
    if (Math.abs(now - timestamp) > TIMESTAMP_WINDOW_MS) return TIMESTAMP_EXPIRED;
  } else if (api.antiReplay) {
    return INVALID_TIMESTAMP;
  }

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
  const expected = signatureDigest(method, app.key, text);
  const signature = Buffer.from(given, 'base64');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    return E('INVALID_SIGNATURE', ', Server StringToSign:`' + text.replace(/\n/g, '#') + '`');
  }

  // Only a request that proves the key may spend a nonce.
  const nonce = headers['x-ca-nonce'];
  if (nonce !== undefined) {
    if ((nonce as string).length > MAX_NONCE_LENGTH || (Number.isNaN(timestamp) && api.antiReplay)) return INVALID_NONCE;
    const ledger = api.antiReplay ? ex.rt.replayNonces : ex.rt.nonces;
    if (ledger.check(key + '\n' + (nonce as string), Number.isNaN(timestamp) ? now : timestamp, now) === 'USED') return NONCE_USED;
  } else if (api.antiReplay) {
    return INVALID_NONCE;
  }
  ex.app = app;
  return null;
}
