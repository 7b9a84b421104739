import { createDataPlane, type DataPlane } from '../../src/dataplane';
import { compileSnapshot } from '../../src/snapshot';
import { httpService, send, startEcho, view, type ViewSpec } from '../dataplane/fixtures';

type Upstream = Awaited<ReturnType<typeof startEcho>>;

describe('snapshot swap', () => {
  const upstreams: Upstream[] = [];
  let dp: DataPlane;
  let port: number;

  /** Requests to `/slow` wait here until the test releases them. */
  const held: { release: () => void }[] = [];
  let onHeld: (() => void) | null = null;

  async function upstream(name: string): Promise<Upstream> {
    const u = await startEcho((req, res) => {
      const answer = (): void => {
        res.writeHead(200, { 'x-upstream': name });
        res.end(name);
      };
      if (req.url?.startsWith('/slow')) {
        held.push({ release: answer });
        onHeld?.();
      } else {
        answer();
      }
      return true;
    });
    upstreams.push(u);
    return u;
  }

  beforeAll(async () => {
    dp = createDataPlane({ port: 0 });
    ({ port } = await dp.listen());
  });

  afterAll(async () => {
    await dp.close();
    for (const u of upstreams) await u.close();
  });

  test('a backend URL change repoints every API using it, without republishing', async () => {
    const a = await upstream('A');
    const b = await upstream('B');
    const apis: ViewSpec['apis'] = [
      { name: 'first', request: { path: '/first' }, backend: { service: 'users', path: '/' } },
      { name: 'second', request: { path: '/second' }, backend: { service: 'users', path: '/' } },
    ];
    const v1 = view({ revision: 1, backendServices: [httpService('users', { RELEASE: a.url })], apis });
    dp.update(v1);
    expect(dp.revision).toBe(1);
    expect((await send(port, { path: '/first' })).body).toBe('A');
    const v2 = view({ revision: 2, backendServices: [httpService('users', { RELEASE: b.url })], apis });
    expect(v2.published).toEqual(v1.published);
    dp.update(v2);
    expect(dp.revision).toBe(2);
    expect((await send(port, { path: '/first' })).body).toBe('B');
    expect((await send(port, { path: '/second' })).body).toBe('B');
  });

  test('in-flight requests finish on the snapshot they started with', async () => {
    const a = await upstream('OLD');
    dp.update(view({ revision: 3, backendServices: [httpService('users', { RELEASE: a.url })], apis: [{ name: 'slowApi', request: { path: '/slow' }, backend: { service: 'users', path: '/slow' } }] }));
    const reached = new Promise<void>((resolve) => (onHeld = resolve));
    const inFlight = send(port, { path: '/slow' });
    await reached;
    dp.update(view({ revision: 4, apis: [] }));
    held.shift()!.release();
    const r = await inFlight;
    expect([r.status, r.body]).toEqual([200, 'OLD']);
    expect((await send(port, { path: '/slow' })).status).toBe(404);
  });

  test('no request sees half of a change', async () => {
    const a = await upstream('A1');
    const b = await upstream('B2');
    const c = await upstream('C-incoherent');
    // V1: /x -> service one (A). V2: /x -> service two (B) and one -> C.
    // Mixing V2's services with V1's routes would reach C.
    const v1 = view({ revision: 10, backendServices: [httpService('one', { RELEASE: a.url })], apis: [{ name: 'xApi', request: { path: '/x' }, backend: { service: 'one', path: '/' } }] });
    const v2 = view({
      revision: 11,
      backendServices: [httpService('one', { RELEASE: c.url }), httpService('two', { RELEASE: b.url })],
      apis: [{ name: 'xApi', request: { path: '/x' }, backend: { service: 'two', path: '/' } }],
    });
    const seen = new Set<string>();
    let flip = false;
    const swapper = setInterval(() => {
      dp.update((flip = !flip) ? v2 : v1);
    }, 1);
    try {
      for (let round = 0; round < 20; round++) {
        const replies = await Promise.all(Array.from({ length: 10 }, () => send(port, { path: '/x' })));
        for (const r of replies) seen.add(r.body);
      }
    } finally {
      clearInterval(swapper);
    }
    expect(seen.has('C-incoherent')).toBe(false);
    expect([...seen].every((s) => s === 'A1' || s === 'B2')).toBe(true);
  });

  test('a compiled snapshot is immune to later changes of the view it came from', () => {
    const v = view({ backendServices: [httpService('users', { RELEASE: 'http://127.0.0.1:1' })], apis: [{ name: 'one', request: { path: '/one' }, backend: { service: 'users', path: '/' } }] });
    const snap = compileSnapshot(v, (_s, env) => ({ env, value: env.url, error: null, unservedType: false }));
    (v.published as unknown[]).length = 0;
    expect(snap.routeCount).toBe(1);
    const router = snap.hosts.get('api.shop.localhost')!.routers[2];
    expect(typeof router.find('GET', '/one')).toBe('object');
  });
});
