import { callGateway, startBackend, startHarness, type Harness } from './harness';

let h: Harness;
let backend: { url: string; close(): Promise<void> };

beforeAll(async () => {
  [h, backend] = await Promise.all([startHarness(), startBackend('http')]);
});
afterAll(async () => {
  await Promise.all([h.close(), backend.close()]);
});

function doc(status: Record<string, unknown>, apiName = 'health') {
  return {
    apiVersion: 'apigw/v1',
    stack: 'ops',
    backendServices: [status],
    groups: [{ name: 'opsGroup', domains: ['ops.localhost'] }],
    apis: [
      {
        group: 'opsGroup',
        name: apiName,
        auth: { type: 'ANONYMOUS' },
        request: { method: 'GET', path: '/health' },
        backend: { service: 'status', path: '/health' },
        stages: ['RELEASE'],
      },
    ],
    apps: [{ name: 'monitor' }],
    authorizations: [{ app: 'monitor', api: `opsGroup/${apiName}`, stages: ['RELEASE'] }],
  };
}

const mock = { name: 'status', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body: 'mocked' } } } };

describe('replacements through the CLI', () => {
  it('replaces a backend service whose type changes, with the API and grant that use it, in one batch', async () => {
    expect((await h.cli('apply', '-f', h.write('mock.json', doc(mock)), '--auto-approve')).code).toBe(0);
    expect((await callGateway(h.gateway, 'ops.localhost', '/health')).body).toBe('mocked');

    const file = h.write('http.json', doc({ name: 'status', type: 'HTTP', environments: { RELEASE: { url: backend.url } } }));
    const plan = await h.cli('plan', '-f', file);
    expect(plan.stdout).toContain('-/+ backend service status');
    expect(plan.stdout).toContain('~ /type: "MOCK" → "HTTP" # forces replacement');
    expect(plan.stdout).toContain('# API opsGroup/health must be replaced (backend service status is replaced)');
    expect(plan.stdout).toContain('# authorization monitor:opsGroup/health must be replaced (API opsGroup/health is replaced)');

    const apply = await h.cli('apply', '-f', file, '--auto-approve');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(JSON.parse((await callGateway(h.gateway, 'ops.localhost', '/health')).body).backend).toBe('http');
    expect((await h.cli('plan', '-f', file, '--detailed-exitcode')).code).toBe(0);
  });

  it('shows a rename as a delete and a create, each with its reason', async () => {
    const file = h.write('renamed.json', doc({ name: 'status', type: 'HTTP', environments: { RELEASE: { url: backend.url } } }, 'healthz'));
    const plan = await h.cli('plan', '-f', file);
    expect(plan.stdout).toContain('# API opsGroup/health will be destroyed (renamed to opsGroup/healthz; a name is an identity)');
    expect(plan.stdout).toContain('# API opsGroup/healthz will be created (renamed from opsGroup/health; a name is an identity)');
    const apply = await h.cli('apply', '-f', file, '--auto-approve');
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect((await h.cli('plan', '-f', file, '--detailed-exitcode')).code).toBe(0);
  });
});
