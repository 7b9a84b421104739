import { appCodeHash, compileSnapshot, emptySnapshot } from '../../src/snapshot';
import { FunctionHost } from '../../src/dataplane/backends/function/host';
import { ObjectStorage } from '../../src/dataplane/backends/oss/oss-backend';
import { compileTarget, createBackendRegistry } from '../../src/dataplane/backends/registry';

const BACKENDS = createBackendRegistry({ functions: new FunctionHost({}), objects: new ObjectStorage({}) });
import { httpService, view } from '../dataplane/fixtures';

const compile = (v: ReturnType<typeof view>, inventory: Record<string, string> = {}) =>
  compileSnapshot(v, (s, env, ctx) => compileTarget(BACKENDS, s, env, ctx), { inventory });

describe('compileSnapshot', () => {
  test('indexes domains case-insensitively, apps by key and hashed code, grants by API and stage', () => {
    const snap = compile(
      view({
        groups: [{ domains: ['API.Shop.localhost'] }],
        backendServices: [httpService('users', { RELEASE: 'http://127.0.0.1:9/base/' })],
        apis: [{ name: 'getUser', request: { path: '/u' }, backend: { service: 'users', path: '/' }, stages: ['TEST', 'RELEASE'] }],
        apps: [{ name: 'mobile', appKey: 'k1', appSecret: 's1', appCode: 'c1' }],
        authorizations: [{ app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'], expiresAt: '2999-01-01T00:00:00Z' }],
      }),
    );
    expect(snap.hosts.has('api.shop.localhost')).toBe(true);
    expect(snap.routeCount).toBe(2);
    const app = snap.appsByKey.get('k1')!;
    expect(snap.appsByCodeHash.get(appCodeHash('c1'))).toBe(app);
    expect(app.grants.get('shop/getUser')).toEqual({ stages: 0b100, expiresAt: Date.parse('2999-01-01T00:00:00Z') });
    const target = snap.backends.get('users')!.targets[2]!;
    expect(target.value).toEqual({ origin: 'http://127.0.0.1:9', basePath: '/base', hostHeader: null, servername: null });
    expect(snap.backends.get('users')!.targets[0]).toBeNull();
  });

  test('what cannot be served is reported, and the rest still compiles', () => {
    const snap = compile(
      view({
        vpcAccesses: [{ name: 'inner', vpcId: 'v', instanceId: 'i-gone', port: 80 }],
        backendServices: [
          httpService('users', { RELEASE: 'not a url' }),
          { name: 'vpc', type: 'VPC', environments: { RELEASE: { vpcAccess: 'inner' } } },
        ],
        apis: [
          { name: 'first', request: { path: '/a/{x}' }, backend: { service: 'users', path: '/' } },
          { name: 'second', request: { path: '/a/{y}' }, backend: { service: 'users', path: '/' } },
          { name: 'orphan', group: 'nogroup', request: { path: '/o' }, backend: { service: 'users', path: '/' } },
        ],
      }),
    );
    expect(snap.routeCount).toBe(1);
    expect(snap.warnings.map((w) => w.subject)).toEqual(['api shop/second in RELEASE', 'api nogroup/orphan']);
    expect(snap.backends.get('users')!.targets[2]!.error).toMatch(/not a URL/);
    expect(snap.backends.get('vpc')!.targets[2]!.error).toMatch(/i-gone is not in the runtime's inventory/);
  });

  test('the empty snapshot serves nothing', () => {
    expect(emptySnapshot().hosts.size).toBe(0);
  });
});
