/**
 * JWT on its own: tokens signed by jose with RS256 (JWKS), ES256 (PEM key)
 * and HS256 (secret) verify; each refusal reason is named; claims become
 * backend headers.
 */
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import type { Jwt } from '@apigw/schema';
import { claimHeaders, compileJwt, JwtRefusal, tokenOf, verifyJwt, VerifiedTokens } from '../../../src/dataplane/plugins/jwt';

const NOW = 1_800_000_000; // epoch seconds
const FROM = { in: 'HEAD' as const, name: 'Authorization', prefix: 'Bearer ' };
const BASE = { algorithms: ['RS256', 'ES256', 'HS256'] as Jwt['algorithms'], from: FROM, clockSkewSeconds: 60, requireExp: true, claimsToHeaders: [] };
type Jwk = NonNullable<Jwt['jwks']>['keys'][0];

let rsa: { publicKey: KeyLike; privateKey: KeyLike };
let ec: { publicKey: KeyLike; privateKey: KeyLike };
let other: { publicKey: KeyLike; privateKey: KeyLike };

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  other = await generateKeyPair('RS256');
});

function token(claims: Record<string, unknown>, alg = 'RS256', kid = 'k1') {
  return new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuedAt(NOW);
}

async function rsaPolicy(extra: Partial<Jwt> = {}) {
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256' } as Jwk;
  return compileJwt({ ...BASE, jwks: { keys: [jwk] }, issuer: 'https://id.shop.example', audience: ['shop'], ...extra });
}

describe('JWT verification', () => {
  test('RS256 against a JWKS: a good token verifies and its claims become headers', async () => {
    const policy = await rsaPolicy({ claimsToHeaders: [{ claim: 'sub', header: 'X-User-Id' }, { claim: 'roles', header: 'x-roles' }, { claim: 'none', header: 'x-none' }] });
    const jwt = await token({ sub: 'u-42', roles: ['admin'] }).setIssuer('https://id.shop.example').setAudience('shop').setExpirationTime(NOW + 300).sign(rsa.privateKey);
    const payload = await verifyJwt(policy, jwt, NOW);
    expect(payload).not.toBeInstanceOf(JwtRefusal);
    expect(claimHeaders(policy, payload as Record<string, unknown>)).toEqual(['x-user-id', 'u-42', 'x-roles', '["admin"]']);
    expect([...policy.claimHeaderNames]).toEqual(['x-user-id', 'x-roles', 'x-none']);
  });

  test('ES256 against a PEM public key, HS256 against a secret', async () => {
    const pem = await exportSPKI(ec.publicKey);
    const ecPolicy = compileJwt({ ...BASE, publicKey: pem });
    const ecToken = await token({ sub: 'a' }, 'ES256').setExpirationTime(NOW + 60).sign(ec.privateKey);
    expect(await verifyJwt(ecPolicy, ecToken, NOW)).toMatchObject({ sub: 'a' });
    const hsPolicy = compileJwt({ ...BASE, secret: 'a-shared-secret-of-enough-length!' });
    const hsToken = await token({ sub: 'b' }, 'HS256').setExpirationTime(NOW + 60).sign(new TextEncoder().encode('a-shared-secret-of-enough-length!'));
    expect(await verifyJwt(hsPolicy, hsToken, NOW)).toMatchObject({ sub: 'b' });
    const wrongSecret = await token({ sub: 'b' }, 'HS256').setExpirationTime(NOW + 60).sign(new TextEncoder().encode('another-secret-of-enough-length!!'));
    expect(await verifyJwt(hsPolicy, wrongSecret, NOW)).toEqual(new JwtRefusal('signature does not verify'));
  });

  test.each([
    ['expired beyond the skew', async () => token({}).setIssuer('https://id.shop.example').setAudience('shop').setExpirationTime(NOW - 61).sign(rsa.privateKey), 'token expired'],
    ['not yet valid beyond the skew', async () => token({}).setIssuer('https://id.shop.example').setAudience('shop').setNotBefore(NOW + 61).setExpirationTime(NOW + 600).sign(rsa.privateKey), 'token not yet valid'],
    ['from another issuer', async () => token({}).setIssuer('https://evil.example').setAudience('shop').setExpirationTime(NOW + 60).sign(rsa.privateKey), 'issuer not accepted'],
    ['for another audience', async () => token({}).setIssuer('https://id.shop.example').setAudience('admin').setExpirationTime(NOW + 60).sign(rsa.privateKey), 'audience not accepted'],
    ['without exp', async () => token({}).setIssuer('https://id.shop.example').setAudience('shop').sign(rsa.privateKey), 'token has no expiry'],
    ['signed by another key with the same kid', async () => token({}).setIssuer('https://id.shop.example').setAudience('shop').setExpirationTime(NOW + 60).sign(other.privateKey), 'signature does not verify'],
    ['with an unknown kid', async () => token({}, 'RS256', 'k9').setIssuer('https://id.shop.example').setAudience('shop').setExpirationTime(NOW + 60).sign(rsa.privateKey), 'no key of the key set matches the token'],
    ['unsigned (alg none)', async () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'algorithm not allowed'],
    ['garbage', async () => 'not.a.jwt', 'token is malformed'],
  ])('a token %s is refused', async (_what, make, reason) => {
    const policy = await rsaPolicy();
    expect(await verifyJwt(policy, await make(), NOW)).toEqual(new JwtRefusal(reason));
  });

  test('within the skew, exp and nbf still pass', async () => {
    const policy = await rsaPolicy();
    const jwt = await token({}).setIssuer('https://id.shop.example').setAudience('shop').setNotBefore(NOW + 30).setExpirationTime(NOW - 30).sign(rsa.privateKey);
    expect(await verifyJwt(policy, jwt, NOW)).not.toBeInstanceOf(JwtRefusal);
  });

  test('an algorithm the plugin does not allow is refused', async () => {
    const policy = compileJwt({ ...BASE, algorithms: ['ES256'], jwks: { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'k1' } as Jwk] } });
    const jwt = await token({}).setExpirationTime(NOW + 60).sign(rsa.privateKey);
    expect(await verifyJwt(policy, jwt, NOW)).toEqual(new JwtRefusal('algorithm not allowed'));
  });

  test('the token is read after the prefix, or from the query', async () => {
    const policy = await rsaPolicy();
    const q = () => ({});
    expect(tokenOf(policy, { authorization: 'Bearer abc' }, q)).toBe('abc');
    expect(tokenOf(policy, { authorization: 'bearer  abc ' }, q)).toBe('abc');
    expect(tokenOf(policy, { authorization: 'Basic abc' }, q)).toBeNull();
    expect(tokenOf(policy, { authorization: 'Bearer ' }, q)).toBeNull();
    expect(tokenOf(policy, {}, q)).toBeNull();
    const fromQuery = compileJwt({ ...BASE, secret: 's'.repeat(32), from: { in: 'QUERY', name: 'token', prefix: '' } });
    expect(tokenOf(fromQuery, {}, () => ({ token: 'xyz' }))).toBe('xyz');
    expect(tokenOf(fromQuery, {}, () => ({ token: ['a', 'b'] }))).toBeNull();
  });

  test('claim values that cannot be header values are percent-encoded', async () => {
    const policy = compileJwt({ ...BASE, secret: 's'.repeat(32), claimsToHeaders: [{ claim: 'name', header: 'x-name' }] });
    expect(claimHeaders(policy, { name: 'Zoë\r\nX-Evil: 1' })).toEqual(['x-name', 'Zo%C3%AB%0D%0AX-Evil: 1']);
  });
});

describe('VerifiedTokens', () => {
  const policy = compileJwt({ ...BASE, secret: 's'.repeat(32) });

  test('a remembered token counts only while its nbf and exp (with the skew) allow it', () => {
    const cache = new VerifiedTokens();
    cache.set('t', policy, { nbf: 1000, exp: 2000 }, ['x-user-id', 'ann']);
    expect(cache.get('t', 939)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('t', policy, { nbf: 1000, exp: 2000 }, ['x-user-id', 'ann']);
    expect(cache.get('t', 940)).toEqual(['x-user-id', 'ann']);
    expect(cache.get('t', 2059)).toEqual(['x-user-id', 'ann']);
    expect(cache.get('t', 2060)).toBeUndefined();
    expect(cache.get('other', 1500)).toBeUndefined();
  });

  test('bounded: past the bound the oldest token is forgotten', () => {
    const cache = new VerifiedTokens(2);
    for (const t of ['a', 'b', 'c']) cache.set(t, policy, { exp: 5000 }, []);
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)]).toEqual([undefined, [], []]);
  });
});
