import { fieldMarks, type Api, type ApiGroup, type BackendService } from '@apigw/schema';
import type { LiveApi, LiveResource } from '@apigw/runtime';
import { HANDLERS, handlersInOrder, SENSITIVE } from '../../src/kinds';

const meta = { stack: 'shop', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };

function live<K extends LiveResource['kind']>(kind: K, id: string, spec: unknown): LiveResource<K> {
  return { kind, id, spec, ...meta } as unknown as LiveResource<K>;
}

const apiInput = {
  group: 'shop',
  name: 'getUser',
  request: { method: 'GET', path: '/users/{id}', parameters: [{ name: 'id', in: 'PATH', required: true }] },
  backend: { service: 'users', path: '/v1/users/{id}' },
  stages: ['RELEASE', 'TEST'],
} as unknown as Api;

function liveApi(spec: unknown, published: LiveApi['published'], digest = 'd1'): LiveApi {
  return { ...live('api', 'shop/getUser', spec), digest, published } as LiveApi;
}

describe('schema marks', () => {
  it('reads replace-only and secret fields from the schema', () => {
    expect(fieldMarks('backendService').replace).toEqual([['type']]);
    expect(fieldMarks('api').replace).toEqual([['group']]);
    expect(fieldMarks('vpcAccess').replace).toEqual([['vpcId'], ['instanceId'], ['port'], ['host']]);
    expect(fieldMarks('group').secret).toEqual([['certificates', '*', 'privateKeyPem']]);
    expect(fieldMarks('app').replace).toEqual([]);
  });
});

describe('registry', () => {
  it('lists handlers in dependency order', () => {
    expect(handlersInOrder().map((h) => h.kind)).toEqual(['vpcAccess', 'backendService', 'group', 'api', 'app', 'authorization', 'plugin', 'pluginAttachment']);
  });
});

describe('diff', () => {
  it('sees no change between a spec with defaults written out and one without', () => {
    const desired = { name: 'shop', basePath: '/', domains: ['b.localhost', 'a.localhost'], certificates: [] } as ApiGroup;
    expect(HANDLERS.group.diff(desired, live('group', 'shop', { name: 'shop', domains: ['a.localhost', 'b.localhost'] }))).toEqual([]);
    const { stages: _s, ...definition } = apiInput;
    expect(HANDLERS.api.diff(apiInput, liveApi(definition, { TEST: { digest: 'd1', publishedAt: '' }, RELEASE: { digest: 'd1', publishedAt: '' } }))).toEqual([]);
  });

  it('reports an environment URL change field by field', () => {
    const before = { name: 'users', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:1' }, TEST: { url: 'http://127.0.0.1:3' } } };
    const desired = { name: 'users', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:2' }, TEST: { url: 'http://127.0.0.1:3' } } } as BackendService;
    expect(HANDLERS.backendService.diff(desired, live('backendService', 'users', before))).toEqual([
      { path: '/environments/RELEASE/url', before: 'http://127.0.0.1:1', after: 'http://127.0.0.1:2', forcesReplacement: false },
    ]);
  });

  it('marks a backend type change as forcing replacement', () => {
    const desired = { name: 'users', type: 'MOCK', environments: {} } as BackendService;
    const changes = HANDLERS.backendService.diff(desired, live('backendService', 'users', { name: 'users', type: 'HTTP', environments: {} }));
    expect(changes).toEqual([{ path: '/type', before: 'HTTP', after: 'MOCK', forcesReplacement: true }]);
    expect(HANDLERS.backendService.requiresReplacement(changes)).toBe(true);
  });

  it('masks certificate private keys in changes and redacts them from specs', () => {
    const cert = (key: string) => ({ domain: 'a.localhost', certificatePem: 'CERT', privateKeyPem: key });
    const desired = { name: 'shop', domains: ['a.localhost'], certificates: [cert('NEW-KEY')] } as ApiGroup;
    const changes = HANDLERS.group.diff(desired, live('group', 'shop', { name: 'shop', domains: ['a.localhost'], certificates: [cert('OLD-KEY')] }));
    expect(changes).toEqual([{ path: '/certificates/0/privateKeyPem', before: SENSITIVE, after: SENSITIVE, forcesReplacement: false, secret: true }]);
    const added = HANDLERS.group.diff(desired, live('group', 'shop', { name: 'shop', domains: ['a.localhost'] }));
    expect(JSON.stringify(added)).not.toContain('NEW-KEY');
    expect(JSON.stringify(HANDLERS.group.redact(desired))).not.toContain('KEY');
  });
});

describe('API publishing', () => {
  const { stages: _s, ...definition } = apiInput;

  it('takes an API stages from where it is published', () => {
    expect(HANDLERS.api.toSpec(liveApi(definition, { RELEASE: { digest: 'd1', publishedAt: '' } })).stages).toEqual(['RELEASE']);
  });

  it('creates the definition, then publishes each stage in order', () => {
    expect(HANDLERS.api.createOps(apiInput).map((o) => (o.op === 'publish' ? `publish ${o.stage}` : o.op))).toEqual(['create', 'publish TEST', 'publish RELEASE']);
    const create = HANDLERS.api.createOps(apiInput)[0]!;
    expect(create.op === 'create' && 'stages' in create.spec).toBe(false);
  });

  it('republishes every desired stage after a definition change and unpublishes removed stages', () => {
    const changed = { ...apiInput, stages: ['RELEASE'], backend: { ...apiInput.backend, timeoutMs: 500 } } as Api;
    const ops = HANDLERS.api.updateOps(changed, liveApi(definition, { TEST: { digest: 'd1', publishedAt: '' }, RELEASE: { digest: 'd1', publishedAt: '' } }));
    expect(ops.map((o) => `${o.op}${'stage' in o ? ' ' + o.stage : ''}`)).toEqual(['unpublish TEST', 'update', 'publish RELEASE']);
  });

  it('republishes a stage that serves an older revision', () => {
    const api = liveApi(definition, { TEST: { digest: 'd1', publishedAt: '' }, RELEASE: { digest: 'd0', publishedAt: '' } });
    expect(HANDLERS.api.diff(apiInput, api)).toEqual([
      { path: '/published/RELEASE', before: 'an older revision', after: 'the current definition', forcesReplacement: false },
    ]);
    expect(HANDLERS.api.updateOps(apiInput, api)).toEqual([{ op: 'publish', api: 'shop/getUser', stage: 'RELEASE' }]);
  });

  it('unpublishes before deleting', () => {
    expect(HANDLERS.api.deleteOps(liveApi(definition, { RELEASE: { digest: 'd1', publishedAt: '' } }))).toEqual([
      { op: 'unpublish', api: 'shop/getUser', stage: 'RELEASE' },
      { op: 'delete', kind: 'api', id: 'shop/getUser' },
    ]);
  });
});
