/**
 * `apigw call` against a running gateway, as a user debugs an API: the URL
 * comes from the group's domain and the API's path, the call is signed with
 * the app's credentials (or carries its AppCode), and the answer is printed
 * with the gateway's error explained.
 */
import { startBackend, startHarness, type Harness } from './harness';

let h: Harness;
let backend: { url: string; close(): Promise<void> };

const doc = (url: string) => ({
  apiVersion: 'apigw/v1',
  stack: 'shop',
  backendServices: [{ name: 'users', type: 'HTTP', environments: { TEST: { url }, RELEASE: { url } } }],
  groups: [{ name: 'shop', basePath: '/api', domains: ['api.shop.localhost'] }],
  apis: [
    {
      group: 'shop',
      name: 'getUser',
      auth: { type: 'APP', appCode: 'HEADER', antiReplay: true },
      request: { method: 'GET', path: '/users/{id}', mode: 'MAPPING', parameters: [{ name: 'id', in: 'PATH', type: 'INT', required: true }, { name: 'verbose', in: 'QUERY', type: 'BOOLEAN' }] },
      backend: { service: 'users', path: '/v1/users/{id}' },
      stages: ['TEST', 'RELEASE'],
    },
    { group: 'shop', name: 'health', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/health' }, backend: { service: 'users', path: '/health' }, stages: ['RELEASE'] },
  ],
  apps: [{ name: 'mobile' }, { name: 'backoffice' }],
  authorizations: [{ app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'] }],
});

beforeAll(async () => {
  [h, backend] = await Promise.all([startHarness(), startBackend('users')]);
  const applied = await h.cli('apply', '-f', h.write('gateway.json', doc(backend.url)), '--auto-approve');
  expect(applied.code).toBe(0);
});
afterAll(async () => {
  await Promise.all([h.close(), backend.close()]);
});

const call = (...args: string[]) => h.cli('call', ...args, '--gateway', h.gateway.dataUrl);

describe('apigw call', () => {
  it('signs with the one authorized app, fills the path and query, and prints status, headers and body', async () => {
    const run = await call('shop/getUser', '--path-param', 'id=42', '--query', 'verbose=true');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('> GET http://api.shop.localhost/api/users/42?verbose=true (stage RELEASE, signed by app mobile');
    expect(run.stdout).toContain('< 200');
    expect(run.stdout).toMatch(/< x-ca-request-id: \S+/);
    expect(run.stdout).toContain('{"backend":"users","path":"/v1/users/42?verbose=true"}');
  });

  it('-v shows the request headers and the string to sign', async () => {
    const run = await call('shop/getUser', '--path-param', 'id=1', '-v', '-H', 'X-Ca-Trace: abc');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('String to sign');
    expect(run.stdout).toMatch(/^ {2}GET$/m);
    expect(run.stdout).toContain('  x-ca-trace:abc');
    expect(run.stdout).toMatch(/^ {2}\/api\/users\/1$/m);
    expect(run.stdout).toMatch(/> x-ca-signature: \S+/);
  });

  it('--app-code sends the AppCode instead of a signature', async () => {
    const run = await call('shop/getUser', '--path-param', 'id=7', '--app-code');
    expect(run.stdout).toContain('with the AppCode of app mobile');
    expect(run.stdout).toContain('< 200');
  });

  it('explains X-Ca-Error-Message and exits 1 when the gateway refuses', async () => {
    const unauthorized = await call('shop/getUser', '--path-param', 'id=7', '--app', 'backoffice');
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stdout).toContain('< 403');
    expect(unauthorized.stdout).toContain('< x-ca-error-message: Unauthorized');
    expect(unauthorized.stdout).toContain('The gateway refused or failed the request: A403PR Unauthorized: The app is not authorized for this API in this stage');

    const badType = await call('shop/getUser', '--path-param', 'id=seven');
    expect(badType.code).toBe(1);
    expect(badType.stdout).toContain('I400PT Invalid Param Type');
  });

  it('warns when the API is not published to the stage, and calls an anonymous API without credentials', async () => {
    const pre = await call('shop/getUser', '--path-param', 'id=1', '--stage', 'PRE', '--app', 'mobile');
    expect(pre.stderr).toContain('Warning: API shop/getUser is not published to PRE (it is published to TEST, RELEASE: --stage TEST)');
    const health = await call('shop/health');
    expect(health.stdout).toContain('(stage RELEASE, without credentials');
    expect(health.code).toBe(0);
  });

  it('names what it cannot find, with a suggestion', async () => {
    expect((await call('shop/getUsr')).stderr).toContain('group shop has no API getUsr; did you mean shop/getUser?');
    expect((await call('shp/getUser')).stderr).toContain('the gateway has no group shp; did you mean shop?');
    expect((await call('shop/getUser')).stderr).toContain('path parameter {id}');
    expect((await call('getUser')).stderr).toContain('name the API as GROUP/API');
  });
});
