/**
 * The request-path side of plugins: each compiled plugin as a RequestPolicy
 * the pipeline runs (see `../policy.ts`), the CORS headers put on every
 * answer, and the preflight answer.
 *
 * Order within an API's plugins: IP_CONTROL (before authentication, and
 * after it for per-app lists), then JWT, then TRAFFIC_CONTROL, so that a
 * call refused for its address or token never uses up a limit.
 */
import { ErrorAnswer, type Exchange } from '../exchange';
import type { RequestPolicy, PolicyVerdict } from '../policy';
import { preflight, responseHeaders, type CorsPolicy } from './cors';
import { checkAddress, checkApp, type IpPolicy } from './ip-control';
import { claimHeaders, JwtRefusal, tokenOf, verifyJwt, VerifiedTokens, type JwtPolicy } from './jwt';
import { throttle, type Throttled, type TrafficPolicy } from './traffic-control';

const IP_DENIED = new ErrorAnswer('IP_DENIED');
const JWT_MISSING = new ErrorAnswer('JWT_MISSING');
const THROTTLED_API = new ErrorAnswer('THROTTLED_API');
const THROTTLED_APP = new ErrorAnswer('THROTTLED_APP');

/** IP_CONTROL: the address before authentication; an app's own list after it. */
export class IpControlStep implements RequestPolicy {
  readonly name: string;
  constructor(
    plugin: string,
    private readonly policy: IpPolicy,
  ) {
    this.name = `ipControl:${plugin}`;
  }

  beforeAuth(ex: Exchange): ErrorAnswer | null {
    return checkAddress(this.policy, ex.clientIp) === 'REFUSE' ? IP_DENIED : null;
  }

  afterAuth(ex: Exchange): ErrorAnswer | null {
    if (this.policy.apps.size === 0) return null;
    const ip = ex.clientIp;
    if (checkAddress(this.policy, ip) !== 'NEEDS_APP') return null;
    return checkApp(this.policy, ip, ex.app === null ? null : ex.app.name) ? null : IP_DENIED;
  }
}

/** JWT: a token that verifies, its claims kept for the backend headers. */
export class JwtStep implements RequestPolicy {
  readonly name: string;
  /** Tokens this plugin verified: a repeat is a Map lookup, and the request goes on without waiting. */
  readonly verified = new VerifiedTokens();
  constructor(
    plugin: string,
    private readonly policy: JwtPolicy,
  ) {
    this.name = `jwt:${plugin}`;
  }

  afterAuth(ex: Exchange): PolicyVerdict {
    const token = tokenOf(this.policy, ex.req.headers, () => ex.query);
    if (token === null) {
      ex.res.setHeader('www-authenticate', 'Bearer');
      return JWT_MISSING;
    }
    const now = Math.floor(ex.rt.now() / 1000);
    const known = this.verified.get(token, now);
    if (known !== undefined) {
      if (this.policy.claimHeaderNames.size > 0) ex.claimHeaders = { drop: this.policy.claimHeaderNames, add: known };
      return null;
    }
    return verifyJwt(this.policy, token, now).then((result) => {
      if (result instanceof JwtRefusal) {
        ex.res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
        return new ErrorAnswer('JWT_INVALID', ': ' + result.reason);
      }
      const headers = claimHeaders(this.policy, result);
      this.verified.set(token, this.policy, result, headers);
      if (this.policy.claimHeaderNames.size > 0) ex.claimHeaders = { drop: this.policy.claimHeaderNames, add: headers };
      return null;
    });
  }
}

/** TRAFFIC_CONTROL: counts the call against the API's and the app's limits. */
export class TrafficControlStep implements RequestPolicy {
  readonly name: string;
  constructor(
    plugin: string,
    private readonly policy: TrafficPolicy,
  ) {
    this.name = `trafficControl:${plugin}`;
  }

  afterAuth(ex: Exchange): PolicyVerdict {
    const api = ex.api!;
    const verdict = throttle(this.policy, ex.rt.rateCounter, api.id + '@' + api.stage, ex.app === null ? null : ex.app.name, ex.rt.now());
    if (verdict === null) return null;
    if (verdict instanceof Promise) return verdict.then((v) => (v === null ? null : refuseThrottled(ex, v)));
    return refuseThrottled(ex, verdict);
  }
}

function refuseThrottled(ex: Exchange, t: Throttled): ErrorAnswer {
  ex.res.setHeader('retry-after', String(t.retryAfterSeconds));
  return t.scope === 'APP' ? THROTTLED_APP : THROTTLED_API;
}

/**
 * Puts the CORS headers for the request's origin on the response, so every
 * answer carries them (gateway-made, mock or proxied: headers set here are
 * merged into whatever writes the head). Nothing for a disallowed origin.
 */
export function applyCors(ex: Exchange, policy: CorsPolicy): void {
  const headers = responseHeaders(policy, ex.req.headers.origin);
  if (headers === null) return;
  const res = ex.res;
  for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
  ex.corsApplied = true;
}

/** Answers a preflight for an API with a CORS plugin: 204 with the Access-Control-* headers, or CORS_REFUSED without any. */
export function answerPreflight(ex: Exchange, policy: CorsPolicy): void {
  const h = ex.req.headers;
  const verdict = preflight(policy, h.origin, String(h['access-control-request-method']), h['access-control-request-headers']);
  if (typeof verdict === 'string') {
    ex.refuse(new ErrorAnswer('CORS_REFUSED', ': ' + verdict));
    return;
  }
  verdict.push('x-ca-request-id', ex.rid, 'content-length', '0');
  ex.res.writeHead(204, verdict);
  ex.res.end();
  ex.done(204);
}

