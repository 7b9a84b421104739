import type { DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view, type Echo } from './fixtures';

describe('anonymous HTTP proxying', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;

  beforeAll(async () => {
    echo = await startEcho();
    ({ dp, port } = await startDataPlane(
      view({
        backendServices: [httpService('users', { RELEASE: echo.url + '/base', TEST: echo.url + '/test' })],
        apis: [
          { name: 'getUser', request: { path: '/users/{id}', parameters: [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] }, backend: { service: 'users', path: '/v1/users/{id}' }, stages: ['RELEASE', 'TEST'] },
          { name: 'files', request: { path: '/files', matchAllChildPaths: true, method: 'ANY' }, backend: { service: 'users', path: '/storage' } },
          { name: 'cookies', request: { path: '/cookies' }, backend: { service: 'users', path: '/cookies' } },
          { name: 'postThing', request: { path: '/things', method: 'POST' }, backend: { service: 'users', path: '/things' } },
        ],
      }),
    ));
  });

  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  test('routes by host, stage and path, substituting path parameters', async () => {
    const r = await send(port, { path: '/users/42?x=1&y=two' });
    expect(r.status).toBe(200);
    const e = JSON.parse(r.body) as Echo;
    expect(e.url).toBe('/base/v1/users/42?x=1&y=two');
    expect(r.headers['x-ca-request-id']).toMatch(/^[0-9A-F-]{36}$/);
    expect(e.headers['x-ca-request-id']).toBe(r.headers['x-ca-request-id']);

    const t = await send(port, { path: '/users/7', headers: { 'x-ca-stage': 'TEST' } });
    expect((JSON.parse(t.body) as Echo).url).toBe('/test/v1/users/7');
  });

  test('host matching ignores case and port', async () => {
    const r = await send(port, { path: '/users/1', host: 'API.Shop.LOCALHOST:8080' });
    expect(r.status).toBe(200);
  });

  test('appends the remainder of a match-all-child-paths route', async () => {
    const r = await send(port, { path: '/files/a/b.txt?v=1', method: 'DELETE' });
    expect(r.status).toBe(200);
    const e = JSON.parse(r.body) as Echo;
    expect(e.url).toBe('/base/storage/a/b.txt?v=1');
    expect(e.method).toBe('DELETE');
    const exact = await send(port, { path: '/files' });
    expect((JSON.parse(exact.body) as Echo).url).toBe('/base/storage');
  });

  test('streams request bodies to the backend', async () => {
    const body = 'x'.repeat(200_000);
    const r = await send(port, { path: '/things', method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as Echo).body).toBe(body);
  });

  test('strips hop-by-hop headers both ways and appends X-Forwarded-For', async () => {
    const r = await send(port, {
      path: '/users/1',
      headers: { 'x-forwarded-for': '203.0.113.9', 'proxy-authorization': 'Basic x', te: 'trailers', 'x-custom': 'kept', connection: 'keep-alive, x-drop-me', 'x-drop-me': '1' },
    });
    const e = JSON.parse(r.body) as Echo;
    expect(e.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(e.headers['proxy-authorization']).toBeUndefined();
    expect(e.headers['te']).toBeUndefined();
    expect(e.headers['x-custom']).toBe('kept');
    expect(e.headers['x-drop-me']).toBeUndefined();
    expect(r.headers['proxy-authenticate']).toBeUndefined();
    expect(r.headers['x-hop']).toBeUndefined();
    expect(r.headers['x-upstream']).toBe('echo');
  });

  test('relays repeated response headers and drops error signals the backend tries to send', async () => {
    const r = await send(port, { path: '/cookies', headers: { 'x-ca-stage': 'RELEASE' } });
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r.headers['x-ca-error-message']).toBeUndefined();
    expect(r.body).toBe('cookies');
  });

  test('unknown domain, path, method and stage answer gateway errors', async () => {
    const domain = await send(port, { path: '/users/1', host: 'nope.localhost' });
    expect([domain.status, domain.headers['x-ca-error-code'], domain.headers['x-ca-error-message']]).toEqual([400, 'I400DO', 'Invalid Domain']);
    const path = await send(port, { path: '/nothing/here' });
    expect([path.status, path.headers['x-ca-error-code'], path.headers['x-ca-error-message']]).toEqual([404, 'I404NF', 'API Not Found']);
    expect(path.headers['x-ca-request-id']).toBeDefined();
    const method = await send(port, { path: '/things' });
    expect([method.status, method.headers['x-ca-error-code']]).toEqual([400, 'I400HM']);
    const stage = await send(port, { path: '/users/1', headers: { 'x-ca-stage': 'PROD' } });
    expect([stage.status, stage.headers['x-ca-error-code']]).toEqual([400, 'I400HD']);
    const unpublished = await send(port, { path: '/things', method: 'POST', headers: { 'x-ca-stage': 'PRE' } });
    expect(unpublished.status).toBe(404);
  });
});
