/**
 * JWT: a bearer token, verified with `jose` against the key of the plugin.
 *
 * The token is read from a header (after a prefix, `Bearer ` by default)
 * or a query parameter. Its signature must verify with the configured JWKS,
 * public key (PEM) or HMAC secret, with an algorithm the plugin allows;
 * `exp` (required unless the plugin says otherwise) and `nbf` are checked
 * with a small clock skew; `iss` and `aud` when the plugin names them.
 * Selected claims are then sent to the backend as headers; a client's own
 * headers of those names are never forwarded, so a caller cannot forge them.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { Jwt } from '@apigw/schema';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';


/** A JWT plugin compiled for the request path. */
export interface JwtPolicy {
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: string[];
  readonly issuer: string | undefined;
  readonly audience: string[] | undefined;
  readonly fromQuery: boolean;
  /** Lowercased header name, or the query parameter name. */
  readonly name: string;
  readonly prefix: string;
  readonly clockSkewSeconds: number;
  readonly requiredClaims: string[];
  /** Claim name -> lowercased backend header name. */
  readonly claimHeaders: readonly { readonly claim: string; readonly header: string }[];
  /** Lowercased names of the claim headers, never taken from the client. */
  readonly claimHeaderNames: ReadonlySet<string>;
}

/** Compiles a plugin's configuration once (keys imported here, not per request). */
export function compileJwt(config: Jwt): JwtPolicy {
  let key: KeyObject | JWTVerifyGetKey;
  if (config.jwks !== undefined) key = createLocalJWKSet(config.jwks as unknown as JSONWebKeySet);
  else if (config.publicKey !== undefined) key = createPublicKey(config.publicKey);
  else if (config.secret !== undefined) key = createSecretKey(Buffer.from(config.secret, 'utf8'));
  else throw new TypeError('a JWT plugin needs jwks, publicKey or secret');
  const claimHeaders = (config.claimsToHeaders ?? []).map((c) => ({ claim: c.claim, header: c.header.toLowerCase() }));
  return {
    key,
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: config.audience === undefined ? undefined : [...config.audience],
    fromQuery: config.from.in === 'QUERY',
    name: config.from.in === 'QUERY' ? config.from.name : config.from.name.toLowerCase(),
    prefix: config.from.prefix ?? '',
    clockSkewSeconds: config.clockSkewSeconds,
    requiredClaims: config.requireExp ? ['exp'] : [],
    claimHeaders,
    claimHeaderNames: new Set(claimHeaders.map((c) => c.header)),
  };
}

/** Largest token accepted, in characters. */
const MAX_TOKEN_LENGTH = 16_384;

/**
 * The token of a request, or null when there is none: from the header
 * (after the prefix, compared case-insensitively) or the query parameter.
 */
export function tokenOf(
  policy: JwtPolicy,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  query: () => Readonly<Record<string, string | string[] | undefined>>,
): string | null {
  let raw: string | string[] | undefined;
  if (policy.fromQuery) raw = query()[policy.name];
  else raw = headers[policy.name];
  if (typeof raw !== 'string') return null;
  const prefix = policy.prefix;
  if (prefix !== '') {
    if (raw.length <= prefix.length || raw.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return null;
    raw = raw.slice(prefix.length);
  }
  raw = raw.trim();
  return raw === '' ? null : raw;
}

/** Why a token was refused (the text after `Invalid JWT: `). */
export class JwtRefusal {
  constructor(readonly reason: string) {}
}

/**
 * Verifies a token; resolves with its claims, or with a JwtRefusal saying
 * why not. `now` (epoch seconds) is the clock the time claims are checked
 * against. Never rejects.
 */
export async function verifyJwt(policy: JwtPolicy, token: string, now?: number): Promise<JWTPayload | JwtRefusal> {
  if (token.length > MAX_TOKEN_LENGTH) return new JwtRefusal('token is too long');
  try {
    const options = {
      algorithms: policy.algorithms,
      clockTolerance: policy.clockSkewSeconds,
      requiredClaims: policy.requiredClaims,
      ...(policy.issuer === undefined ? {} : { issuer: policy.issuer }),
      ...(policy.audience === undefined ? {} : { audience: policy.audience }),
      ...(now === undefined ? {} : { currentDate: new Date(now * 1000) }),
    };
    const result =
      typeof policy.key === 'function'
        ? await jwtVerify(token, policy.key as JWTVerifyGetKey, options)
        : await jwtVerify(token, policy.key as KeyObject, options);
    return result.payload;
  } catch (err) {
    return new JwtRefusal(reasonOf(err));
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return 'token not yet valid';
      case 'iss':
        return 'issuer not accepted';
      case 'aud':
        return 'audience not accepted';
      case 'exp':
        return 'token has no expiry';
      default:
        return `claim ${err.claim} ${err.reason === 'missing' ? 'missing' : 'invalid'}`;
    }
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the key set matches the token';
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys) return 'several keys of the key set match the token';
  return 'token is malformed';
}

/**
 * The backend headers the claims give (name, value, …): strings as they
 * are, other values as JSON; a missing claim sends no header.
 */
export function claimHeaders(policy: JwtPolicy, payload: JWTPayload): string[] {
  const out: string[] = [];
  for (const { claim, header } of policy.claimHeaders) {
    const value = (payload as Record<string, unknown>)[claim];
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    // Header values carry printable ASCII; anything else is percent-encoded.
    out.push(header, text.replace(/[^\x20-\x7e]/g, (c) => encodeURIComponent(c)));
  }
  return out;
}

/** What a verified token left behind: the seconds it stays valid in, and its backend headers. */
interface VerifiedToken {
  /** First epoch second the token is valid in (nbf less the skew). */
  readonly from: number;
  /** First epoch second it is no longer valid in (exp plus the skew). */
  readonly until: number;
  readonly headers: readonly string[];
}

/**
 * Tokens that verified, remembered per plugin so a client that sends the
 * same token again costs a Map lookup instead of a signature check. A token
 * is the whole signed text, so the same string carries the same claims;
 * each is kept only while its exp and nbf (with the skew) allow it, and a
 * changed plugin starts with an empty memory. Bounded: past `max` entries
 * the oldest is forgotten.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly max = 10_000) {}

  /** The backend headers of `token` when it verified before and is still valid at `now` (epoch seconds). */
  get(token: string, now: number): readonly string[] | undefined {
    const hit = this.entries.get(token);
    if (hit === undefined) return undefined;
    if (now >= hit.from && now < hit.until) return hit.headers;
    this.entries.delete(token);
    return undefined;
  }

  /** Remembers a token that just verified. */
  set(token: string, policy: JwtPolicy, payload: JWTPayload, headers: readonly string[]): void {
    const skew = policy.clockSkewSeconds;
    const until = typeof payload.exp === 'number' ? payload.exp + skew : Infinity;
    const from = typeof payload.nbf === 'number' ? payload.nbf - skew : -Infinity;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { from, until, headers });
  }

  get size(): number {
    return this.entries.size;
  }
}
