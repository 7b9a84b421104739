'use strict';
/** The app the signed benchmark API is called with, and its fixed signed headers. */
const { sign } = require('../../packages/runtime/dist/dataplane/signature');

const BENCH_APP = { name: 'bench', appKey: '203999999', appSecret: 'bench-secret-0123456789abcdef', appCode: 'bench-code' };

/**
 * Headers of a signed GET: the signature covers Accept, the AppKey and the
 * path; with anti-replay off there is no timestamp or nonce, so one
 * signature stays valid and wrk can replay it (the gateway still verifies
 * the HMAC on every request).
 */
function signedHeaders(path) {
  const headers = { accept: 'application/json', 'x-ca-key': BENCH_APP.appKey, 'x-ca-signature-headers': 'x-ca-key' };
  headers['x-ca-signature'] = sign('HmacSHA256', BENCH_APP.appSecret, { method: 'GET', headers, path, query: null, form: null });
  return headers;
}

/** HMAC key of the benchmark's JWT plugin. */
const BENCH_JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123';

/**
 * A JWT for the benchmark's JWT plugin, signed with jose (from the
 * runtime's dependencies), valid for a day.
 */
async function benchJwt() {
  const { SignJWT } = require(require.resolve('jose', { paths: [require.resolve('../../packages/runtime/package.json')] }));
  return new SignJWT({ sub: 'bench-user' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1d')
    .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
}

module.exports = { BENCH_APP, BENCH_JWT_SECRET, signedHeaders, benchJwt };
