/**
 * prepareCall + performCall against a real data plane and a real upstream:
 * a signed call (path parameters, query, JSON body, form body) verifies and
 * reaches the backend as given; an AppCode call works in the header and the
 * query; the gateway's refusals come back explained; bad input is refused
 * before anything is sent.
 */
import { apiDef, httpService, startDataPlane, startEcho, view, type Echo } from '../dataplane/fixtures';
import { CallError } from '../../src/errors';
import { explainGatewayError, performCall, prepareCall, type CallCredentials } from '../../src/call';
import type { DataPlane } from '../../src/dataplane';

const group = { name: 'shop', basePath: '/v1', domains: ['api.shop.localhost'] };
const items = apiDef({
  name: 'putItem',
  auth: { type: 'APP', appCode: 'HEADER_QUERY' },
  request: { method: 'POST', path: '/items/{id}', parameters: [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] },
  backend: { service: 'echo', path: '/items/{id}' },
});
const app = { name: 'mobile', appKey: 'key-1', appSecret: 'secret-1', appCode: 'code-1' };
const signed: CallCredentials = { kind: 'signature', appKey: app.appKey, appSecret: app.appSecret };

describe('prepareCall + performCall', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let gateway: string;
  beforeAll(async () => {
    echo = await startEcho();
    const started = await startDataPlane(
      view({
        groups: [group],
        backendServices: [httpService('echo', { RELEASE: echo.url, TEST: echo.url })],
        apis: [{ ...items, stages: ['RELEASE', 'TEST'] } as never],
        apps: [app],
        authorizations: [{ app: 'mobile', api: 'shop/putItem', stages: ['RELEASE'] }],
      }),
    );
    dp = started.dp;
    gateway = `http://127.0.0.1:${started.port}`;
  });
  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  test('a signed call with path parameter, query and JSON body verifies and reaches the backend as given', async () => {
    const call = prepareCall({ group, api: items, credentials: signed, pathParams: { id: 'a b/c' }, query: [['q', 'x y'], ['tag', '1'], ['tag', '2']], body: '{"n":1}', headers: { 'X-Ca-Trace': 't1' } });
    expect(call.target).toBe('/v1/items/a%20b%2Fc?q=x+y&tag=1&tag=2');
    expect(call.headers['host']).toBe('api.shop.localhost');
    expect(call.stringToSign).toContain('x-ca-trace:t1');
    expect(call.stringToSign!.split('\n')[0]).toBe('POST');
    const res = await performCall(call, { gateway });
    expect(res.gatewayError).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.requestId).toMatch(/.+/);
    const seen = JSON.parse(res.body.toString('utf8')) as Echo;
    expect(seen).toMatchObject({ method: 'POST', body: '{"n":1}' });
    expect(seen.url).toBe('/items/a%20b%2Fc?q=x+y&tag=1&tag=2');
  });

  test('a form body is signed as form parameters', async () => {
    const call = prepareCall({ group, api: items, credentials: signed, pathParams: { id: '1' }, body: 'b=2&a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(call.stringToSign!.endsWith('/v1/items/1?a=1&b=2')).toBe(true);
    expect(call.headers['content-md5']).toBeUndefined();
    expect((await performCall(call, { gateway })).status).toBe(200);
  });

  test('an AppCode call works in the header and in the query', async () => {
    for (const where of ['header', 'query'] as const) {
      const call = prepareCall({ group, api: items, credentials: { kind: 'appCode', appCode: app.appCode, in: where }, pathParams: { id: '1' } });
      expect(call.stringToSign).toBeUndefined();
      const res = await performCall(call, { gateway });
      expect([where, res.status, res.gatewayError?.code]).toEqual([where, 200, undefined]);
    }
  });

  test("the gateway's refusals come back explained", async () => {
    const wrong = await performCall(prepareCall({ group, api: items, credentials: { ...signed, appSecret: 'nope' } as CallCredentials, pathParams: { id: '1' } }), { gateway });
    expect(wrong.status).toBe(400);
    expect(wrong.gatewayError).toMatchObject({ code: 'A403IS', message: 'Invalid Signature' });
    expect(wrong.gatewayError!.sent).toContain('Server StringToSign');
    expect(wrong.gatewayError!.doc).toMatch(/signature does not match/);

    const testStage = await performCall(prepareCall({ group, api: items, stage: 'TEST', credentials: signed, pathParams: { id: '1' } }), { gateway });
    expect(testStage.gatewayError).toMatchObject({ code: 'A403PR' });

    const stale = await performCall(prepareCall({ group, api: items, credentials: signed, pathParams: { id: '1' }, now: () => Date.now() - 3600_000 }), { gateway });
    expect(stale.gatewayError).toMatchObject({ code: 'A400TE' });
  });

  test('explainGatewayError reads the code, or the message when no code came', () => {
    expect(explainGatewayError('I400DO', 'Invalid Domain')).toMatchObject({ status: 400, doc: expect.stringMatching(/Host header/) });
    expect(explainGatewayError(undefined, 'Invalid Param Required: id')).toMatchObject({ code: 'I400PR', sent: 'Invalid Param Required: id' });
    expect(explainGatewayError(undefined, undefined)).toBeUndefined();
  });

  test('bad input is refused before anything is sent, naming what is wrong', () => {
    expect(() => prepareCall({ group, api: items, credentials: signed })).toThrow(/path parameter \{id\}/);
    expect(() => prepareCall({ group, api: items, credentials: signed, pathParams: { id: '1', idd: '2' } })).toThrow(/no path parameter \{idd\}/);
    expect(() => prepareCall({ group: { ...group, domains: [] }, api: items, credentials: signed, pathParams: { id: '1' } })).toThrow(CallError);
    expect(() => prepareCall({ group, api: items, credentials: signed, pathParams: { id: '1' }, headers: { 'x-a': 'b\r\nx-evil: 1' } })).toThrow(/line break/);
    expect(() => prepareCall({ group, api: items, credentials: signed, pathParams: { id: '1' }, headers: { 'bad name': 'v' } })).toThrow(/header name/);
  });

  test('no answer rejects with a CallError naming the address', async () => {
    await expect(performCall(prepareCall({ group, api: items, credentials: signed, pathParams: { id: '1' } }), { gateway: 'http://127.0.0.1:1' })).rejects.toThrow(/127\.0\.0\.1:1/);
  });
});
