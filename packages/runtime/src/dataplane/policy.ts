/**
 * Per-API request policies: where traffic rules (IP access control, rate
 * limits, quotas...) plug into the request pipeline without the pipeline
 * knowing them. The snapshot compiles an API's policies into
 * `ApiEntry.policies` once per commit; the pipeline calls them in order at
 * two fixed points:
 *
 * 1. `beforeAuth`: the API is known (routing done, protocol allowed), the
 *    caller is not. Runs for every API, before any credential is looked at
 *    and before a body is read: the place for checks on the client itself
 *    (its address, an anonymous rate limit) that must stay cheap.
 * 2. `afterAuth`: the caller is authenticated and authorized (`ex.app` set
 *    for APP APIs, null for anonymous ones) and the signature verified, but
 *    no nonce is spent and nothing is sent to the backend: the place for
 *    per-app limits. A request a policy refuses here spends no nonce, so
 *    the client may retry it.
 *
 * A hook answers null to let the request go on, or an ErrorAnswer to stop
 * it (the pipeline sends the answer; the hook must not write to `ex.res`).
 * Hooks run synchronously on the request path: no I/O, no per-request
 * closures, bounded work.
 */
import type { ErrorAnswer, Exchange } from './exchange';

/** One compiled policy of an API. */
export interface RequestPolicy {
  /** Name for logs and warnings (`ipControl:office`). */
  readonly name: string;
  /** After routing, before authentication. */
  beforeAuth?(ex: Exchange): ErrorAnswer | null;
  /** After authentication, authorization and signature check; before the nonce is spent. */
  afterAuth?(ex: Exchange): ErrorAnswer | null;
}

/** The two points of the pipeline where policies run. */
export type PolicyPhase = 'beforeAuth' | 'afterAuth';

/** Runs one phase's hooks of a list in order; the first refusal wins. */
export function runPolicies(policies: readonly RequestPolicy[], phase: PolicyPhase, ex: Exchange): ErrorAnswer | null {
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!;
    const hook = policy[phase];
    if (hook === undefined) continue;
    const refusal = hook.call(policy, ex);
    if (refusal !== null) return refusal;
  }
  return null;
}
