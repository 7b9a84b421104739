/**
 * Traffic control on its own: fixed windows per unit, exact at the
 * boundary (the clock is a parameter), API, app and special limits, and the
 * counters in memory and in a file shared by processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRateCounter, type RateCounter } from '../../../src/dataplane/plugins/rate-counter';
import { SharedRateCounter } from '../../../src/dataplane/plugins/shared-rate-counter';
import { compileTrafficControl, throttle, UNIT_MS, type Throttled, type TrafficUnit } from '../../../src/dataplane/plugins/traffic-control';

/** A moment well inside a day window: 2026-11-28T00:00:00Z plus 10 hours. */
const DAY0 = Date.UTC(2026, 10, 28);

function sync(v: Throttled | null | Promise<Throttled | null>): Throttled | null {
  if (v instanceof Promise) throw new Error('expected a synchronous verdict');
  return v;
}

describe.each(['SECOND', 'MINUTE', 'HOUR', 'DAY'] as TrafficUnit[])('TRAFFIC_CONTROL per %s', (unit) => {
  const windowMs = UNIT_MS[unit];

  test('GIVEN apiDefault 3 WHEN calls arrive through one window THEN the 4th is refused until the window ends, exactly', () => {
    const policy = compileTrafficControl('limits', { unit, apiDefault: 3 });
    const counter = new MemoryRateCounter();
    const start = DAY0; // a window boundary for every unit
    expect(sync(throttle(policy, counter, 'shop/getUser@RELEASE', null, start))).toBeNull();
    expect(sync(throttle(policy, counter, 'shop/getUser@RELEASE', null, start + 1))).toBeNull();
    expect(sync(throttle(policy, counter, 'shop/getUser@RELEASE', null, start + windowMs - 2))).toBeNull();
    const refused = sync(throttle(policy, counter, 'shop/getUser@RELEASE', null, start + windowMs - 1));
    expect(refused).toEqual({ scope: 'API', retryAfterSeconds: 1 });
    // The last millisecond of the window is still in it; the next one starts afresh.
    expect(sync(throttle(policy, counter, 'shop/getUser@RELEASE', null, start + windowMs))).toBeNull();
  });
});

describe('TRAFFIC_CONTROL limits', () => {
  test('Retry-After is the whole seconds left in the window', () => {
    const policy = compileTrafficControl('limits', { unit: 'MINUTE', apiDefault: 1 });
    const counter = new MemoryRateCounter();
    expect(sync(throttle(policy, counter, 'a', null, DAY0 + 100))).toBeNull();
    expect(sync(throttle(policy, counter, 'a', null, DAY0 + 100))).toEqual({ scope: 'API', retryAfterSeconds: 60 });
    expect(sync(throttle(policy, counter, 'a', null, DAY0 + 59_001))).toEqual({ scope: 'API', retryAfterSeconds: 1 });
  });

  test('each app has appDefault, a special app its own limit, and the API limit bounds them together', () => {
    const policy = compileTrafficControl('limits', { unit: 'MINUTE', apiDefault: 6, appDefault: 2, specials: [{ app: 'mobile', limit: 3 }] });
    const counter = new MemoryRateCounter();
    const call = (app: string | null): string => {
      const v = sync(throttle(policy, counter, 'shop/getUser@RELEASE', app, DAY0));
      return v === null ? 'ok' : v.scope;
    };
    expect([call('web'), call('web'), call('web')]).toEqual(['ok', 'ok', 'APP']);
    expect([call('mobile'), call('mobile'), call('mobile'), call('mobile')]).toEqual(['ok', 'ok', 'ok', 'APP']);
    // Five counted against the API so far; app refusals were not counted.
    expect(call(null)).toBe('ok');
    expect(call(null)).toBe('API');
    expect(call('other')).toBe('API');
  });

  test('anonymous calls count against the API only; APIs and stages count apart', () => {
    const policy = compileTrafficControl('limits', { unit: 'SECOND', apiDefault: 1, appDefault: 100 });
    const counter = new MemoryRateCounter();
    expect(sync(throttle(policy, counter, 'g/a@RELEASE', null, DAY0))).toBeNull();
    expect(sync(throttle(policy, counter, 'g/a@RELEASE', null, DAY0))?.scope).toBe('API');
    expect(sync(throttle(policy, counter, 'g/a@TEST', null, DAY0))).toBeNull();
    expect(sync(throttle(policy, counter, 'g/b@RELEASE', null, DAY0))).toBeNull();
  });

  test('a plugin with only appDefault leaves anonymous calls unlimited', () => {
    const policy = compileTrafficControl('limits', { unit: 'SECOND', appDefault: 1 });
    const counter = new MemoryRateCounter();
    for (let i = 0; i < 5; i++) expect(sync(throttle(policy, counter, 'g/a@RELEASE', null, DAY0))).toBeNull();
    expect(counter.size).toBe(0);
  });

  test('an asynchronous counter is awaited', async () => {
    const memory = new MemoryRateCounter();
    const remote: RateCounter = { consume: (...args) => Promise.resolve(memory.consume(...args)) };
    const policy = compileTrafficControl('limits', { unit: 'SECOND', apiDefault: 1, appDefault: 1 });
    await expect(throttle(policy, remote, 'g/a@RELEASE', 'web', DAY0)).resolves.toBeNull();
    await expect(throttle(policy, remote, 'g/a@RELEASE', 'web', DAY0)).resolves.toEqual({ scope: 'APP', retryAfterSeconds: 1 });
    await expect(throttle(policy, remote, 'g/a@RELEASE', 'mobile', DAY0)).resolves.toEqual({ scope: 'API', retryAfterSeconds: 1 });
  });
});

describe('MemoryRateCounter', () => {
  test('bounded: ended windows are dropped first when full', () => {
    const counter = new MemoryRateCounter({ maxKeys: 4 });
    for (let i = 0; i < 4; i++) counter.consume(`k${i}`, 0, 1000, 10);
    counter.consume('fresh', 1000, 2000, 10);
    expect(counter.size).toBe(1);
  });
});

describe('SharedRateCounter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-counts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('two counters on one file (two worker processes) share every count exactly', () => {
    const file = join(dir, 'counts.db');
    const a = new SharedRateCounter(file);
    const b = new SharedRateCounter(file);
    try {
      const verdicts = [a, b, a, b, a].map((c) => c.consume('k', 1000, 2000, 4));
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, true, false]);
      expect(verdicts.map((v) => v.remaining)).toEqual([3, 2, 1, 0, 0]);
      expect(verdicts[4]!.resetAt).toBe(2000);
      // A refused call is not counted.
      expect(a.count('k')).toBe(4);
      expect(b.consume('k', 2000, 3000, 4)).toEqual({ allowed: true, remaining: 3, resetAt: 3000 });
    } finally {
      a.close();
      b.close();
    }
  });

  test('rows of ended windows are pruned', () => {
    const counter = new SharedRateCounter(join(dir, 'counts.db'), { pruneEveryMs: 0 });
    try {
      counter.consume('old', 1000, 2000, 5);
      counter.consume('day', 0, 86_400_000, 5);
      counter.consume('new', 2000, 3000, 5);
      expect(counter.count('old')).toBe(0);
      expect(counter.count('new')).toBe(1);
      expect(counter.count('day')).toBe(1);
    } finally {
      counter.close();
    }
  });

  test('GIVEN a policy on a shared counter THEN limits hold across both counters', () => {
    const file = join(dir, 'counts.db');
    const a = new SharedRateCounter(file);
    const b = new SharedRateCounter(file);
    const policy = compileTrafficControl('limits', { unit: 'MINUTE', apiDefault: 3 });
    try {
      const out = [a, b, a, b].map((c) => sync(throttle(policy, c, 'g/a@RELEASE', null, DAY0)));
      expect(out.map((v) => (v === null ? 'ok' : v.scope))).toEqual(['ok', 'ok', 'ok', 'API']);
    } finally {
      a.close();
      b.close();
    }
  });
});
