/**
 * Per-API request policies: where traffic rules (IP access control, rate
 * limits, JWT...) plug into the request pipeline without the pipeline
 * knowing them. An API's policies come from two places compiled once per
 * commit: its own definition (`ApiEntry.policies`) and the plugins attached
 * to it or its group in the stage (`snapshot.plugins`, see
 * `plugins/plugin-table.ts`). The pipeline calls them in order at two
 * fixed points:
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
 * it (the pipeline sends the answer; the hook must not write the answer,
 * though a refusal may set a response header such as Retry-After).
 * `beforeAuth` hooks run synchronously: no I/O, no per-request closures,
 * bounded work. An `afterAuth` hook may answer a promise when it must wait
 * (a JWT's signature, a counter in another process or node); the pipeline
 * then goes on when it settles.
 */
import { ErrorAnswer, type Exchange } from './exchange';

/** What an `afterAuth` hook answers: a refusal, null to go on, or a promise of either. */
export type PolicyVerdict = ErrorAnswer | null | Promise<ErrorAnswer | null>;

/** One compiled policy of an API. */
export interface RequestPolicy {
  /** Name for logs and warnings (`ipControl:office`). */
  readonly name: string;
  /** After routing, before authentication. */
  beforeAuth?(ex: Exchange): ErrorAnswer | null;
  /** After authentication, authorization and signature check; before the nonce is spent. */
  afterAuth?(ex: Exchange): PolicyVerdict;
}

/** Runs the `beforeAuth` hooks of a list in order; the first refusal wins. */
export function runBeforeAuth(policies: readonly RequestPolicy[], ex: Exchange): ErrorAnswer | null {
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!;
    if (policy.beforeAuth === undefined) continue;
    const refusal = policy.beforeAuth(ex);
    if (refusal !== null) return refusal;
  }
  return null;
}

/**
 * Runs the `afterAuth` hooks of a list in order, from `from`; the first
 * refusal wins. Synchronous while every hook is; after a hook answers a
 * promise, the rest run when it settles.
 */
export function runAfterAuth(policies: readonly RequestPolicy[], ex: Exchange, from = 0): PolicyVerdict {
  for (let i = from; i < policies.length; i++) {
    const policy = policies[i]!;
    if (policy.afterAuth === undefined) continue;
    const verdict = policy.afterAuth(ex);
    if (verdict === null) continue;
    if (verdict instanceof ErrorAnswer) return verdict;
    return verdict.then((refusal) => (refusal !== null ? refusal : runAfterAuth(policies, ex, i + 1)));
  }
  return null;
}
