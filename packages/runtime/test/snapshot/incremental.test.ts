import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionHost } from '../../src/dataplane/backends/function/host';
import { ObjectStorage } from '../../src/dataplane/backends/oss/oss-backend';
import { compileTarget, createBackendRegistry } from '../../src/dataplane/backends/registry';

const BACKENDS = createBackendRegistry({ functions: new FunctionHost({}), objects: new ObjectStorage({}) });
import type { Operation, StateView } from '../../src/model';
import { compileSnapshot, SnapshotCompiler, type Snapshot, type TargetCompiler } from '../../src/snapshot';
import { openStore, type GatewayStore } from '../../src/store';

/**
 * A snapshot compiled incrementally, commit after commit, must answer every
 * request exactly like one compiled from scratch from the same view. Commits
 * are drawn from a seeded generator over a real store, whose successive views
 * share the objects each commit left alone (which the compiler relies on).
 */

const target: TargetCompiler = (service, env, ctx) => compileTarget(BACKENDS, service, env, ctx);
const STAGES = ['TEST', 'PRE', 'RELEASE'] as const;
const HOSTS = ['g0.test.localhost', 'g1.test.localhost', 'g2.test.localhost', 'alt.test.localhost'];
const METHODS = ['GET', 'POST', 'DELETE'];
const PATHS = ['/', '/items', '/items/7', '/items/7/x', '/k1', '/k2/9/x', '/k3', '/v1/items', '/v1/items/7', '/v1/k1', '/v1/k2/9/x/y', '/v1/k3/z'];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Everything a request can observe of a snapshot, as plain data. */
function observe(s: Snapshot): unknown {
  const routes: unknown[] = [];
  for (const host of HOSTS) {
    const group = s.hosts.get(host);
    for (let stage = 0; stage < 3; stage++) {
      for (const method of METHODS) {
        for (const path of PATHS) {
          const r = group === undefined ? 'NO_HOST' : group.routers[stage]!.find(method, path);
          routes.push(typeof r === 'string' ? r : { api: r.route.value, template: r.route.template, params: r.params, remainder: r.remainder });
        }
      }
    }
  }
  const byName = <T>(entries: [string, T][]): [string, T][] => entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    revision: s.revision,
    routeCount: s.routeCount,
    routes,
    hosts: byName([...s.hosts].map(([host, g]) => [host, g.group])),
    backends: byName([...s.backends].map(([name, b]) => [name, { service: b.service, targets: b.targets }])),
    apps: byName(
      [...s.appsByKey].map(([key, a]) => [key, { name: a.name, secret: a.key.base64('HmacSHA256', 'which secret'), grants: byName([...a.grants]) }]),
    ),
    codes: byName([...s.appsByCodeHash].map(([hash, a]) => [hash, a.appKey])),
    warnings: s.warnings,
  };
}

/** Draws one operation over a few groups, services, APIs, apps and authorizations. */
function drawOperation(rnd: () => number, view: StateView, apis: ReadonlySet<string>): Operation {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const has = (list: readonly { name: string }[], name: string): boolean => list.some((x) => x.name === name);
  // Mostly an API that exists, so that publishing and authorizing it can succeed.
  const apiRef = apis.size > 0 && rnd() < 0.7 ? pick([...apis]) : `${pick(['grp0', 'grp1'])}/api${Math.floor(rnd() * 8)}`;
  const [apiGroup, apiName] = apiRef.split('/') as [string, string];
  const app = pick(['app0', 'app1', 'app2']);
  const r = rnd();
  if (r < 0.1) {
    const name = pick(['grp0', 'grp1', 'grp2']);
    const domains = [`g${name.slice(3)}.test.localhost`, ...(rnd() < 0.3 ? ['alt.test.localhost'] : [])];
    return { op: has(view.groups, name) ? 'update' : 'create', kind: 'group', spec: { name, domains, basePath: pick(['/', '/v1']) } } as unknown as Operation;
  }
  if (r < 0.2) {
    const name = pick(['svc0', 'svc1']);
    const environments: Record<string, { url: string }> = {};
    for (const stage of STAGES) if (rnd() < 0.8) environments[stage] = { url: `http://127.0.0.1:${9000 + Math.floor(rnd() * 4)}` };
    if (Object.keys(environments).length === 0) environments.RELEASE = { url: 'http://127.0.0.1:9009' };
    return { op: has(view.backendServices, name) ? 'update' : 'create', kind: 'backendService', spec: { name, type: 'HTTP', environments } } as unknown as Operation;
  }
  if (r < 0.45) {
    const path = pick(['/items', '/items/{id}', `/k${Math.floor(rnd() * 4)}`, '/k2/{id}/x']);
    const withId = path.includes('{id}');
    const spec = {
      group: apiGroup,
      name: apiName,
      request: {
        method: pick(['GET', 'POST', 'ANY']),
        path,
        matchAllChildPaths: rnd() < 0.3,
        parameters: withId ? [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] : [],
      },
      backend: { service: pick(['svc0', 'svc1']), path: withId ? '/b/{id}' : '/b', timeoutMs: 1000 + Math.floor(rnd() * 5) },
    };
    return { op: apis.has(apiRef) ? 'update' : 'create', kind: 'api', spec } as unknown as Operation;
  }
  if (r < 0.65) return { op: 'publish', api: apiRef, stage: pick(STAGES) };
  if (r < 0.72) return { op: 'unpublish', api: apiRef, stage: pick(STAGES) };
  if (r < 0.76) return { op: 'delete', kind: 'api', id: apiRef };
  if (r < 0.8 && !has(view.apps, app)) return { op: 'create', kind: 'app', spec: { name: app } } as unknown as Operation;
  if (r < 0.85) return { op: 'rotateCredentials', app };
  if (r < 0.97) {
    const stages = STAGES.filter(() => rnd() < 0.6);
    const expiresAt = rnd() < 0.3 ? (rnd() < 0.5 ? '2000-01-01T00:00:00Z' : '2999-01-01T00:00:00Z') : undefined;
    const spec = { app, api: apiRef, stages: stages.length === 0 ? ['RELEASE'] : stages, ...(expiresAt === undefined ? {} : { expiresAt }) };
    const exists = view.authorizations.some((a) => a.app === app && a.api === apiRef);
    return { op: exists ? 'update' : 'create', kind: 'authorization', spec } as unknown as Operation;
  }
  return { op: 'delete', kind: 'authorization', id: `${app}:${apiRef}` };
}

describe('SnapshotCompiler', () => {
  let dir: string;
  let store: GatewayStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-incremental-'));
    store = openStore(dir);
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test.each([1, 2, 3, 4])('routes and authorizes like a fresh compile across random commits (seed %i)', (seed) => {
    const rnd = random(seed);
    const compiler = new SnapshotCompiler(target);
    const apis = new Set<string>();
    store.applyBatch({
      stack: 'test',
      operations: [
        { op: 'create', kind: 'group', spec: { name: 'grp0', domains: ['g0.test.localhost'] } },
        { op: 'create', kind: 'group', spec: { name: 'grp1', domains: ['g1.test.localhost'], basePath: '/v1' } },
        { op: 'create', kind: 'backendService', spec: { name: 'svc0', type: 'HTTP', environments: { TEST: { url: 'http://127.0.0.1:9000' }, PRE: { url: 'http://127.0.0.1:9000' }, RELEASE: { url: 'http://127.0.0.1:9001' } } } },
        { op: 'create', kind: 'backendService', spec: { name: 'svc1', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9002' } } } },
        { op: 'create', kind: 'app', spec: { name: 'app0' } },
      ] as unknown as Operation[],
    });
    let view = store.readView();
    let previous = compiler.compile(view);
    let previousSeen = observe(previous);
    let commits = 0;
    let routed = 0;
    for (let step = 0; step < 150; step++) {
      const operations = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => drawOperation(rnd, view, apis));
      try {
        store.applyBatch({ stack: 'test', operations });
      } catch {
        continue; // A batch the store refuses changes nothing.
      }
      commits++;
      for (const op of operations) {
        if (op.op === 'create' && op.kind === 'api') apis.add(`${(op.spec as { group: string }).group}/${(op.spec as { name: string }).name}`);
        if (op.op === 'delete' && op.kind === 'api') apis.delete(op.id);
      }
      view = store.readView();
      const next = compiler.compile(view);
      const seen = observe(next);
      expect(seen).toEqual(observe(compileSnapshot(view, target)));
      // What the previous snapshot answers did not move under requests still using it.
      expect(observe(previous)).toEqual(previousSeen);
      routed += next.routeCount;
      previous = next;
      previousSeen = seen;
    }
    // The sequence exercised something: many commits, with routes published along the way.
    expect(commits).toBeGreaterThan(40);
    expect(routed).toBeGreaterThan(0);
  });

  test('keeps what an unchanged kind compiled to, and recompiles what changed', () => {
    const compiler = new SnapshotCompiler(target);
    store.applyBatch({
      stack: 'test',
      operations: [
        { op: 'create', kind: 'group', spec: { name: 'grp0', domains: ['g0.test.localhost'] } },
        { op: 'create', kind: 'group', spec: { name: 'grp1', domains: ['g1.test.localhost'] } },
        { op: 'create', kind: 'backendService', spec: { name: 'svc0', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9001' } } } },
        { op: 'create', kind: 'api', spec: { group: 'grp0', name: 'apia', request: { method: 'GET', path: '/a' }, backend: { service: 'svc0', path: '/' } } },
        { op: 'create', kind: 'api', spec: { group: 'grp1', name: 'apib', request: { method: 'GET', path: '/b' }, backend: { service: 'svc0', path: '/' } } },
        { op: 'publish', api: 'grp0/apia', stage: 'RELEASE' },
        { op: 'publish', api: 'grp1/apib', stage: 'RELEASE' },
        { op: 'create', kind: 'app', spec: { name: 'mobile' } },
      ] as unknown as Operation[],
    });
    const first = compiler.compile(store.readView());
    store.applyBatch({
      stack: 'test',
      operations: [
        { op: 'update', kind: 'api', spec: { group: 'grp0', name: 'apia', request: { method: 'GET', path: '/a' }, backend: { service: 'svc0', path: '/', timeoutMs: 1234 } } },
        { op: 'publish', api: 'grp0/apia', stage: 'RELEASE' },
      ] as unknown as Operation[],
    });
    const second = compiler.compile(store.readView());
    const g0 = (s: Snapshot) => s.hosts.get('g0.test.localhost')!;
    const g1 = (s: Snapshot) => s.hosts.get('g1.test.localhost')!;
    expect(g1(second)).toBe(g1(first));
    expect(g0(second)).not.toBe(g0(first));
    const found = g0(second).routers[2].find('GET', '/a');
    expect(typeof found === 'string' ? found : found.route.value.timeoutMs).toBe(1234);
    expect(second.backends).toBe(first.backends);
    expect(second.appsByKey).toBe(first.appsByKey);
  });
});
