/**
 * TRAFFIC_CONTROL: fixed-window call limits per API and per app.
 *
 * Each plugin has one unit (SECOND, MINUTE, HOUR, DAY); windows are aligned
 * to the epoch in UTC (a MINUTE window starts at :00, a DAY window at
 * midnight UTC). For an API the plugin applies to, in one stage:
 * - `apiDefault` bounds all calls of the API, whoever makes them
 *   (anonymous calls included);
 * - `appDefault` bounds the calls of each app, and `specials` give named
 *   apps their own limit instead.
 * The app's limit is checked first and a call it refuses is not counted
 * against the API, so one app's refused flood cannot use up the API's
 * limit for the others.
 */
import type { TrafficControl } from '@apigw/schema';
import type { CounterVerdict, RateCounter } from './rate-counter';

/** The units of a limit. */
export type TrafficUnit = TrafficControl['unit'];

/** Milliseconds per unit. */
export const UNIT_MS: Readonly<Record<TrafficUnit, number>> = {
  SECOND: 1_000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};


/** A traffic-control plugin compiled for the request path. */
export interface TrafficPolicy {
  /** Counter key prefix: the plugin's name. */
  readonly plugin: string;
  readonly windowMs: number;
  /** Limit on all calls of one API in one stage; Infinity when none. */
  readonly apiLimit: number;
  /** Limit on one app's calls of one API in one stage; Infinity when none. */
  readonly appLimit: number;
  /** App name -> its own limit. */
  readonly specials: ReadonlyMap<string, number>;
}

/** Compiles a plugin's configuration once. */
export function compileTrafficControl(plugin: string, config: TrafficControl): TrafficPolicy {
  const specials = new Map<string, number>();
  for (const s of config.specials ?? []) specials.set(s.app, s.limit);
  return {
    plugin,
    windowMs: UNIT_MS[config.unit],
    apiLimit: config.apiDefault ?? Infinity,
    appLimit: config.appDefault ?? Infinity,
    specials,
  };
}

/** Why a call was throttled, and when to retry. */
export interface Throttled {
  /** Whose limit refused the call. */
  readonly scope: 'API' | 'APP';
  /** Seconds until the window ends (at least 1), for Retry-After. */
  readonly retryAfterSeconds: number;
}

/** The limit that applies to `app`'s calls, Infinity when none. */
export function appLimitOf(policy: TrafficPolicy, app: string): number {
  const special = policy.specials.get(app);
  return special === undefined ? policy.appLimit : special;
}

/**
 * Counts one call of `subject` (API id and stage) by `app` (null when
 * anonymous) at `now`. Answers null when it may proceed, a Throttled when
 * not, or a promise of either when the counter answers asynchronously.
 */
export function throttle(
  policy: TrafficPolicy,
  counter: RateCounter,
  subject: string,
  app: string | null,
  now: number,
): Throttled | null | Promise<Throttled | null> {
  const start = now - (now % policy.windowMs);
  const end = start + policy.windowMs;
  const appLimit = app === null ? Infinity : appLimitOf(policy, app);
  if (appLimit !== Infinity) {
    const verdict = counter.consume(policy.plugin + '\n' + subject + '\nAPP\n' + app, start, end, appLimit);
    if (verdict instanceof Promise) {
      return verdict.then((v) => (v.allowed ? countApi(policy, counter, subject, start, end, now) : throttled('APP', v, now)));
    }
    if (!verdict.allowed) return throttled('APP', verdict, now);
  }
  return countApi(policy, counter, subject, start, end, now);
}

function countApi(
  policy: TrafficPolicy,
  counter: RateCounter,
  subject: string,
  start: number,
  end: number,
  now: number,
): Throttled | null | Promise<Throttled | null> {
  if (policy.apiLimit === Infinity) return null;
  const verdict = counter.consume(policy.plugin + '\n' + subject + '\nAPI', start, end, policy.apiLimit);
  if (verdict instanceof Promise) return verdict.then((v) => (v.allowed ? null : throttled('API', v, now)));
  return verdict.allowed ? null : throttled('API', verdict, now);
}

function throttled(scope: 'API' | 'APP', verdict: CounterVerdict, now: number): Throttled {
  return { scope, retryAfterSeconds: Math.max(1, Math.ceil((verdict.resetAt - now) / 1000)) };
}
