/**
 * A huge batch is refused before any work, with 413 naming the limit, and
 * the data plane in the same process (one worker) keeps answering while
 * the admin API reads and refuses it.
 */
import { request } from 'node:http';
import { MAX_BATCH_OPERATIONS } from '../../src/admin/batch';
import { JsonMeter, MAX_JSON_CONTAINERS } from '../../src/admin/json-meter';
import { startHarness, type Harness } from './harness';

function ping(dataUrl: string): Promise<number> {
  const { hostname, port } = new URL(dataUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: '/ping', agent: false, headers: { host: 'demo.localhost' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('batch limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    const mock = { statusCode: 200, body: 'pong', headers: {} };
    const published = await h.call('POST', '/v1/batch', {
      body: {
        stack: null,
        operations: [
          { op: 'create', kind: 'backendService', spec: { name: 'pong', type: 'MOCK', environments: { RELEASE: { mock } } } },
          { op: 'create', kind: 'group', spec: { name: 'demo', domains: ['demo.localhost'] } },
          { op: 'create', kind: 'api', spec: { group: 'demo', name: 'ping', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/ping' }, backend: { service: 'pong', path: '/' } } },
          { op: 'publish', api: 'demo/ping', stage: 'RELEASE' },
        ],
      },
    });
    expect(published.status).toBe(200);
  });
  afterAll(() => h.close());

  test('2,000,000 operations: 413 before parsing, nothing changes, the data plane keeps answering', async () => {
    const before = (await h.call('GET', '/v1/state')).json.revision as number;
    // The attack: an operations array of two million empty objects (about 6 MB, under the byte limit).
    const body = `{"stack":null,"operations":[${'{},'.repeat(2_000_000 - 1)}{}]}`;
    let inFlight = true;
    const pings: number[] = [];
    const pinger = (async () => {
      while (inFlight) pings.push(await ping(h.gateway.dataUrl));
    })();
    const res = await h.call('POST', '/v1/batch', { body });
    inFlight = false;
    await pinger;
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('APIGW_BODY_TOO_LARGE');
    expect(res.json.error.message).toContain(`more than ${MAX_JSON_CONTAINERS} JSON objects and arrays`);
    expect((await h.call('GET', '/v1/state')).json.revision).toBe(before);
    // The data plane answered throughout, and still does.
    expect(pings.length).toBeGreaterThan(0);
    expect(pings.every((s) => s === 200)).toBe(true);
    expect(await ping(h.gateway.dataUrl)).toBe(200);
  });

  test('more operations than a batch takes: 413 naming the limit and /operations, whatever they are', async () => {
    const over = `{"stack":null,"operations":[${'0,'.repeat(MAX_BATCH_OPERATIONS)}0]}`;
    const res = await h.call('POST', '/v1/batch', { body: over });
    expect(res.status).toBe(413);
    expect(res.json.error.message).toBe(`/operations: a batch takes at most ${MAX_BATCH_OPERATIONS} operations, not ${MAX_BATCH_OPERATIONS + 1}; split it`);
    expect(res.json.error.problems).toEqual([expect.objectContaining({ pointer: '/operations' })]);
    // At the limit, the size is no reason to refuse: the operations themselves are looked at (400).
    const at = `{"stack":null,"dryRun":true,"operations":[${'0,'.repeat(MAX_BATCH_OPERATIONS - 1)}0]}`;
    const checked = await h.call('POST', '/v1/batch', { body: at });
    expect(checked.status).toBe(400);
  });

  test('the meter counts objects and arrays outside strings, across chunk boundaries', () => {
    const text = '{"a":"[{\\"}{","b":[1,{}],"c":"\\\\"}';
    expect(Object.keys(JSON.parse(text))).toEqual(['a', 'b', 'c']);
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const meter = new JsonMeter();
      meter.add(bytes.subarray(0, cut));
      expect(meter.add(bytes.subarray(cut))).toBe(3);
    }
  });

  test('the meter counts what JSON.parse makes, however the bytes are split (escapes and multi-byte text included)', () => {
    // Deterministic pseudo-random documents: strings full of brackets, quotes, runs of backslashes and non-ASCII.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['{', '[', '}', ']', '"', '\\', '\\\\', 'é', '€', 'a', ' '];
    const text = (): string => Array.from({ length: next(12) }, () => pieces[next(pieces.length)]).join('');
    const value = (depth: number): unknown => {
      const pick = depth > 4 ? next(3) : next(5);
      if (pick === 0) return text();
      if (pick === 1) return next(1000);
      if (pick === 2) return null;
      if (pick === 3) return Array.from({ length: next(4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: next(4) }, () => [text(), value(depth + 1)]));
    };
    const containers = (v: unknown): number =>
      v !== null && typeof v === 'object' ? 1 + (Array.isArray(v) ? v : Object.values(v)).reduce((sum: number, x) => sum + containers(x), 0) : 0;
    for (let round = 0; round < 300; round++) {
      const doc = [value(0), value(0), { k: value(0) }];
      const bytes = Buffer.from(JSON.stringify(doc));
      const meter = new JsonMeter();
      for (let at = 0; at < bytes.length; ) {
        const end = Math.min(bytes.length, at + 1 + next(9));
        meter.add(bytes.subarray(at, end));
        at = end;
      }
      expect(meter.containers).toBe(containers(doc));
    }
  });
});
