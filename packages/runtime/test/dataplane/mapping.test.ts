import type { DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view, type Echo } from './fixtures';

describe('MAPPING parameters', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;

  beforeAll(async () => {
    echo = await startEcho();
    ({ dp, port } = await startDataPlane(
      view({
        backendServices: [httpService('users', { RELEASE: echo.url })],
        apis: [
          {
            name: 'getUser',
            request: {
              path: '/users/{id}',
              mode: 'MAPPING',
              parameters: [
                { name: 'id', in: 'PATH', type: 'INT', required: true, backendName: 'userId' },
                { name: 'verbose', in: 'QUERY', type: 'BOOLEAN', required: false, default: 'false' },
                { name: 'limit', in: 'QUERY', type: 'INT', required: false },
                { name: 'X-Tenant', in: 'HEAD', type: 'STRING', required: true, backendName: 'tenant', backendIn: 'QUERY' },
                { name: 'ratio', in: 'QUERY', type: 'DOUBLE', required: false, backendIn: 'HEAD', backendName: 'x-ratio' },
              ],
            },
            backend: {
              service: 'users',
              path: '/v1/users/{userId}',
              method: 'POST',
              constantParameters: [
                { name: 'x-constant', in: 'HEAD', value: 'c1' },
                { name: 'src', in: 'QUERY', value: 'gateway' },
              ],
              systemParameters: [
                { name: 'CaClientIp', in: 'HEAD', as: 'x-client-ip' },
                { name: 'CaRequestId', in: 'HEAD', as: 'x-rid' },
                { name: 'CaApiName', in: 'QUERY', as: 'api' },
                { name: 'CaStage', in: 'HEAD', as: 'x-stage' },
                { name: 'CaDomain', in: 'HEAD', as: 'x-domain' },
                { name: 'CaHttpSchema', in: 'HEAD', as: 'x-schema' },
              ],
            },
          },
          {
            name: 'form',
            request: {
              path: '/form',
              method: 'POST',
              mode: 'MAPPING',
              parameters: [
                { name: 'name', in: 'BODY', type: 'STRING', required: true },
                { name: 'age', in: 'BODY', type: 'INT', required: false, backendIn: 'QUERY' },
              ],
            },
            backend: { service: 'users', path: '/form' },
          },
          {
            name: 'pass',
            request: { path: '/pass/{id}', parameters: [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] },
            backend: { service: 'users', path: '/p/{id}', constantParameters: [{ name: 'k', in: 'QUERY', value: 'v w' }] },
          },
        ],
      }),
    ));
  });

  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  test('forwards only declared parameters, mapped, with defaults, constants and system values', async () => {
    const r = await send(port, { path: '/users/42?limit=5&ratio=0.5&undeclared=1', headers: { 'x-tenant': 'acme', 'x-undeclared': 'no', accept: 'text/plain' } });
    expect(r.status).toBe(200);
    const e = JSON.parse(r.body) as Echo;
    expect(e.method).toBe('POST');
    const url = new URL(e.url, 'http://x');
    expect(url.pathname).toBe('/v1/users/42');
    expect(Object.fromEntries(url.searchParams)).toEqual({ verbose: 'false', limit: '5', tenant: 'acme', src: 'gateway', api: 'getUser' });
    expect(e.headers['x-ratio']).toBe('0.5');
    expect(e.headers['x-undeclared']).toBeUndefined();
    expect(e.headers['x-tenant']).toBeUndefined();
    expect(e.headers['accept']).toBe('text/plain');
    expect(e.headers['x-constant']).toBe('c1');
    expect(e.headers['x-client-ip']).toBe('127.0.0.1');
    expect(e.headers['x-rid']).toBe(r.headers['x-ca-request-id']);
    expect(e.headers['x-stage']).toBe('RELEASE');
    expect(e.headers['x-domain']).toBe('api.shop.localhost');
    expect(e.headers['x-schema']).toBe('http');
  });

  test('a missing required parameter answers 400 naming it', async () => {
    const r = await send(port, { path: '/users/42' });
    expect([r.status, r.headers['x-ca-error-code'], r.headers['x-ca-error-message']]).toEqual([400, 'I400MH', 'Header Required: X-Tenant']);
    const form = await send(port, { method: 'POST', path: '/form', body: 'age=3', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect([form.status, form.headers['x-ca-error-message']]).toEqual([400, 'Invalid Param Required: name in body']);
  });

  test('values that do not parse as their type answer 400 naming the parameter', async () => {
    const r = await send(port, { path: '/users/abc', headers: { 'x-tenant': 'a' } });
    expect([r.status, r.headers['x-ca-error-code'], r.headers['x-ca-error-message']]).toEqual([400, 'I400PT', 'Invalid Param Type: id in path must be INT']);
    const b = await send(port, { path: '/users/1?verbose=yes', headers: { 'x-tenant': 'a' } });
    expect(b.headers['x-ca-error-message']).toBe('Invalid Param Type: verbose in query must be BOOLEAN');
    const big = await send(port, { path: '/users/99999999999', headers: { 'x-tenant': 'a' } });
    expect(big.status).toBe(400);
  });

  test('form bodies are rebuilt from declared BODY parameters', async () => {
    const r = await send(port, { method: 'POST', path: '/form', body: 'name=Ann&age=30&extra=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(200);
    const e = JSON.parse(r.body) as Echo;
    expect(e.url).toBe('/form?age=30');
    expect(e.body).toBe('name=Ann');
    expect(e.headers['content-length']).toBe('8');
  });

  test('PASSTHROUGH substitutes raw path parameters and adds constant query parameters', async () => {
    const r = await send(port, { path: '/pass/a%20b?x=1' });
    expect((JSON.parse(r.body) as Echo).url).toBe('/p/a%20b?x=1&k=v%20w');
  });
});
