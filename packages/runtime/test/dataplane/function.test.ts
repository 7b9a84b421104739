/**
 * FUNCTION backends end to end: real handler code in worker threads, the
 * API Gateway event it receives, the result it returns, and every way a
 * function can fail without taking the data plane down.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendService } from '@apigw/schema';
import type { DataPlane } from '../../src/dataplane';
import { FunctionHost, type ApiGatewayEvent } from '../../src/dataplane';
import { send, startDataPlane, startEcho, view, type ApiSpec, type Echo } from './fixtures';

const FIXTURES = join(__dirname, '../fixtures/functions');
/** Alibaba's api-gateway-nodejs6 template, as examples/function serves it. */
const TEMPLATE = join(__dirname, '../../../../examples/function/code');
const APP = { name: 'mobile', appKey: '204000001', appSecret: 's3cr3t-mobile-secret', appCode: 'c0de-mobile-0001' };

const HANDLERS = ['echo', 'stringResult', 'bufferResult', 'throws', 'rejects', 'callbackError', 'loops', 'leaks', 'exits', 'throwsLater', 'noStatus', 'badStatus', 'notJson', 'badHeader', 'badBase64', 'functionInResult', 'env', 'counter'];

function fnService(name: string, fn: string, extra: Record<string, unknown> = {}): BackendService {
  return { name, type: 'FUNCTION', environments: { RELEASE: { function: { type: 'EVENT', service: 'behaviours', function: fn, qualifier: 'LATEST', ...extra } } } };
}

describe('FUNCTION backends', () => {
  let dp: DataPlane;
  let port: number;
  let invokeServer: Server;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-fn-'));
    invokeServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const event = JSON.parse(Buffer.concat(chunks).toString()) as ApiGatewayEvent;
        res.end(JSON.stringify({ statusCode: 200, headers: { 'x-remote': '1' }, body: { remotePath: event.path, method: event.httpMethod } }));
      });
    });
    await new Promise<void>((r) => invokeServer.listen(0, '127.0.0.1', r));
    const invokePort = (invokeServer.address() as AddressInfo).port;
    const functions: Record<string, object> = {
      'fc/template': { codeDir: TEMPLATE, handler: 'index.handler', timeoutSeconds: 10, memoryMB: 64 },
      'fc/remote': { invokeUrl: `http://127.0.0.1:${invokePort}/invoke` },
      'fc/deadRemote': { invokeUrl: 'http://127.0.0.1:9/invoke' },
    };
    for (const h of HANDLERS) functions[`behaviours/${h}`] = { codeDir: join(FIXTURES, 'behaviours'), handler: `index.${h}`, timeoutSeconds: h === 'loops' ? 2 : 30, memoryMB: 48, instances: 2 };
    const services: BackendService[] = [
      { name: 'template', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'EVENT', service: 'fc', function: 'template', qualifier: 'LATEST' } } } },
      { name: 'remote', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'EVENT', service: 'fc', function: 'remote', qualifier: 'LATEST' } } } },
      { name: 'deadRemote', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'EVENT', service: 'fc', function: 'deadRemote', qualifier: 'LATEST' } } } },
      { name: 'missing', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'EVENT', service: 'fc', function: 'nowhere', qualifier: 'prod' } } } },
      ...HANDLERS.map((h) => fnService(h, h)),
    ];
    const apis: ApiSpec[] = [
      { name: 'tpl', auth: { type: 'APP', appCode: 'HEADER' }, request: { path: '/fc/template' }, backend: { service: 'template', path: '/' } },
      { name: 'remote', request: { path: '/fc/remote' }, backend: { service: 'remote', path: '/remote/path' } },
      { name: 'deadRemote', request: { path: '/fc/deadRemote' }, backend: { service: 'deadRemote', path: '/' } },
      { name: 'missing', request: { path: '/fc/missing' }, backend: { service: 'missing', path: '/' } },
      {
        name: 'echoPass',
        request: { path: '/pass/{id}', method: 'ANY', parameters: [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] },
        backend: {
          service: 'echo',
          path: '/items/{id}',
          constantParameters: [{ name: 'x-tenant', in: 'HEAD', value: 'shop' }],
          systemParameters: [{ name: 'CaStage', in: 'QUERY', as: 'stage' }],
        },
      },
      {
        name: 'echoMap',
        request: {
          path: '/map/{id}',
          method: 'POST',
          mode: 'MAPPING',
          parameters: [
            { name: 'id', in: 'PATH', type: 'INT', required: true, backendName: 'itemId' },
            { name: 'q', in: 'QUERY', type: 'STRING', required: false, backendName: 'query' },
            { name: 'x-user', in: 'HEAD', type: 'STRING', required: true, backendName: 'user' },
          ],
        },
        backend: { service: 'echo', path: '/v2/items/{itemId}', systemParameters: [{ name: 'CaRequestId', in: 'HEAD', as: 'x-rid' }] },
      },
      { name: 'shortTimeout', request: { path: '/loops-short' }, backend: { service: 'loops', path: '/', timeoutMs: 300 } },
      ...HANDLERS.filter((h) => h !== 'echo').map((h): ApiSpec => ({ name: h, request: { path: `/b/${h}` }, backend: { service: h, path: '/' } })),
    ];
    ({ dp, port } = await startDataPlane(
      view({ backendServices: services, apis, apps: [APP], authorizations: [{ app: 'mobile', api: 'shop/tpl', stages: ['RELEASE'] }] }),
      { functions: functions as never, maxBodyBytes: 4096 },
    ));
  });

  afterAll(async () => {
    await dp.close();
    await new Promise<void>((r) => invokeServer.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("the api-gateway-nodejs6 template runs unchanged through an AppCode call", async () => {
    const auth = { authorization: `APPCODE ${APP.appCode}` };
    const html = await send(port, { path: '/fc/template?response=html', headers: auth });
    expect([html.status, html.headers['content-type'], html.body]).toEqual([200, 'text/html', '<html><h1>hello FunctionCompute</h1></html>']);
    expect(html.headers['x-ca-request-id']).toBeDefined();
    const json = await send(port, { path: '/fc/template?response=json', headers: auth });
    expect([json.status, json.headers['content-type'], JSON.parse(json.body)]).toEqual([200, 'application/json', { hello: 'FunctionCompute' }]);
    const anonymous = await send(port, { path: '/fc/template?response=html' });
    expect(anonymous.status).toBe(400);
  });

  test('GET in PASSTHROUGH: path, method, headers, query, path parameters, constant and system parameters', async () => {
    const r = await send(port, { path: '/pass/42?color=red&color=blue&empty=', headers: { 'x-custom': 'yes' } });
    expect([r.status, r.headers['x-fn'], r.headers['content-type']]).toEqual([201, 'echo', 'application/json; charset=utf-8']);
    expect(r.headers['x-request-id']).toBe(r.headers['x-ca-request-id']);
    const e = JSON.parse(r.body) as ApiGatewayEvent;
    expect(e.path).toBe('/items/42');
    expect(e.httpMethod).toBe('GET');
    expect(e.pathParameters).toEqual({ id: '42' });
    expect(e.queryParameters).toEqual({ color: 'red', empty: '', stage: 'RELEASE' });
    expect(e.headers['x-custom']).toBe('yes');
    expect(e.headers['x-tenant']).toBe('shop');
    expect([e.body, e.isBase64Encoded]).toEqual(['', false]);
  });

  test('path and path parameters arrive decoded; a path that is not valid percent-encoding is refused before its body is read', async () => {
    const r = await send(port, { path: '/pass/a%20b%C3%AB' });
    const e = JSON.parse(r.body) as ApiGatewayEvent;
    expect([r.status, e.path, e.pathParameters]).toEqual([201, '/items/a bë', { id: 'a bë' }]);
    for (const path of ['/pass/%ZZ', '/pass/100%', '/pass/%C0%AF']) {
      // The body never ends: the answer comes while it is still open.
      const bad = await new Promise<{ status: number; code: unknown; message: unknown }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { host: 'api.shop.localhost', 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode!, code: res.headers['x-ca-error-code'], message: res.headers['x-ca-error-message'] });
          req.destroy();
        });
        req.on('error', reject);
        req.write('x'.repeat(100));
      });
      expect([path, bad]).toEqual([path, { status: 400, code: 'I400RU', message: 'Invalid Url: the path is not valid percent-encoding' }]);
    }
  });

  test('a JSON POST arrives as UTF-8 text', async () => {
    const body = JSON.stringify({ name: 'Zoë', n: 1 });
    const r = await send(port, { method: 'POST', path: '/pass/7', headers: { 'content-type': 'application/json' }, body });
    const e = JSON.parse(r.body) as ApiGatewayEvent;
    expect([e.httpMethod, e.body, e.isBase64Encoded]).toEqual(['POST', body, false]);
  });

  test('a binary POST arrives base64-encoded', async () => {
    const bytes = Buffer.from([0, 1, 2, 200, 255, 10]);
    const r = await send(port, { method: 'POST', path: '/pass/7', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    const e = JSON.parse(r.body) as ApiGatewayEvent;
    expect(e.isBase64Encoded).toBe(true);
    expect(Buffer.from(e.body, 'base64')).toEqual(bytes);
  });

  test('MAPPING sends only declared parameters, renamed, plus system parameters', async () => {
    const r = await send(port, { method: 'POST', path: '/map/9?q=shoes&other=1', headers: { 'x-user': 'ann', 'x-undeclared': 'no', 'content-type': 'text/plain' }, body: 'hi' });
    expect(r.status).toBe(201);
    const e = JSON.parse(r.body) as ApiGatewayEvent;
    expect(e.path).toBe('/v2/items/9');
    expect(e.pathParameters).toEqual({ itemId: '9' });
    expect(e.queryParameters).toEqual({ query: 'shoes' });
    expect(e.headers['user']).toBe('ann');
    expect(e.headers['x-undeclared']).toBeUndefined();
    expect(e.headers['x-rid']).toBe(r.headers['x-ca-request-id']);
    expect(e.body).toBe('hi');
    const bad = await send(port, { method: 'POST', path: '/map/nine', headers: { 'x-user': 'ann' } });
    expect([bad.status, bad.headers['x-ca-error-code']]).toEqual([400, 'I400PT']);
  });

  test('results as a JSON string and as a Buffer; hop-by-hop and X-Ca-Error-* headers dropped', async () => {
    const s = await send(port, { path: '/b/stringResult' });
    expect([s.status, s.body, s.headers['x-kept']]).toEqual([200, 'plain', 'yes']);
    expect(s.headers['x-ca-error-message']).toBeUndefined();
    expect(s.headers['x-ca-error-code']).toBeUndefined();
    expect(s.headers['keep-alive']).toBeUndefined();
    expect(s.headers['transfer-encoding']).toBeUndefined();
    const b = await request(`http://127.0.0.1:${port}/b/bufferResult`, { headers: { host: 'api.shop.localhost' } });
    expect([b.statusCode, b.headers['content-type'], Buffer.from(await b.body.arrayBuffer())]).toEqual([200, 'application/octet-stream', Buffer.from([0, 1, 2, 255])]);
  });

  test.each([
    ['throws', 'TypeError: boom'],
    ['rejects', 'Error: async boom'],
    ['callbackError', 'Error: told you so'],
    ['exits', 'exited with code 7'],
    ['throwsLater', 'thrown outside the invocation'],
    ['leaks', 'ran out of memory'],
  ])('a function that %s answers 502 D502FE and the data plane lives on', async (name, text) => {
    const r = await send(port, { path: `/b/${name}` });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([502, 'D502FE']);
    expect(r.headers['x-ca-error-message']).toContain(text);
    expect(r.headers['x-ca-error-message']).toContain(`behaviours/${name}@LATEST`);
    const ok = await send(port, { path: '/pass/1' });
    expect(ok.status).toBe(201);
  });

  test.each([
    ['noStatus', 'has no statusCode'],
    ['badStatus', 'statusCode is not a number'],
    ['notJson', 'the result is not JSON'],
    ['badHeader', 'header name "bad header" is not valid'],
    ['badBase64', 'not base64'],
    ['functionInResult', 'cannot be copied'],
  ])('a malformed result (%s) answers 502 D502FR naming what is wrong', async (name, text) => {
    const r = await send(port, { path: `/b/${name}` });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([502, 'D502FR']);
    expect(r.headers['x-ca-error-message']).toContain(text);
  });

  test('a function that loops times out with 504, the function timeout or the shorter API timeout', async () => {
    const r = await send(port, { path: '/b/loops' });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([504, 'D504TO']);
    expect(r.headers['x-ca-error-message']).toContain('2000 ms');
    const short = await send(port, { path: '/loops-short' });
    expect([short.status, short.headers['x-ca-error-code']]).toEqual([504, 'D504TO']);
    expect(short.headers['x-ca-error-message']).toContain('300 ms');
    expect((await send(port, { path: '/pass/1' })).status).toBe(201);
  });

  test('a function missing from the function table answers 503 naming it', async () => {
    const r = await send(port, { path: '/fc/missing' });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
    expect(r.headers['x-ca-error-message']).toContain('fc/nowhere@prod');
  });

  test('instances stay warm; functions see their own environment, not the gateway', async () => {
    const counts = new Set<string>();
    for (let i = 0; i < 4; i++) counts.add((await send(port, { path: '/b/counter' })).body);
    // Sequential calls reuse one warm instance, so its count goes up.
    expect(counts).toEqual(new Set(['1', '2', '3', '4']));
    const env = JSON.parse((await send(port, { path: '/b/env' })).body) as { keys: string[] };
    expect(env.keys).toEqual(['FC_FUNCTION_KEY', 'FC_FUNC_CODE_PATH', 'NODE_ENV']);
  });

  test('an invoke URL serves the function: the event is POSTed and the body is the result', async () => {
    const r = await send(port, { path: '/fc/remote' });
    expect([r.status, r.headers['x-remote'], JSON.parse(r.body)]).toEqual([200, '1', { remotePath: '/remote/path', method: 'GET' }]);
    const dead = await send(port, { path: '/fc/deadRemote' });
    expect([dead.status, dead.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
  });

  test('a body over the limit answers 413', async () => {
    const r = await send(port, { method: 'POST', path: '/pass/1', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5000) });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([413, 'I413RL']);
  });
});

describe('functions.json', () => {
  test('is read from the file, reloaded when it or the code changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apigw-fnfile-'));
    const code = join(dir, 'code');
    mkdirSync(code);
    writeFileSync(join(code, 'index.js'), "exports.handler = async () => ({ statusCode: 200, body: 'v1' });");
    const file = join(dir, 'functions.json');
    const { dp, port } = await startDataPlane(
      view({ backendServices: [fnService('svc', 'hot')], apis: [{ name: 'hot', request: { path: '/hot' }, backend: { service: 'svc', path: '/' } }] }),
      { functionsFile: file },
    );
    try {
      const missing = await send(port, { path: '/hot' });
      expect([missing.status, missing.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
      // A relative codeDir is relative to the file's directory.
      writeFileSync(file, JSON.stringify({ 'behaviours/hot': { codeDir: 'code' } }));
      expect(await eventually(async () => (await send(port, { path: '/hot' })).body, 'v1')).toBe('v1');
      writeFileSync(join(code, 'index.js'), "exports.handler = async () => ({ statusCode: 200, body: 'v2' });");
      expect(await eventually(async () => (await send(port, { path: '/hot' })).body, 'v2')).toBe('v2');
      writeFileSync(file, JSON.stringify({ 'behaviours/hot@LATEST': { codeDir: 'code', handler: 'index.other' } }));
      const wrong = await eventually(async () => (await send(port, { path: '/hot' })).headers['x-ca-error-message'] ?? '', (m) => m.includes('exports no function other'));
      expect(wrong).toContain('exports no function other');
    } finally {
      await dp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('warm instances stop after the idle time, and the next call starts one again', async () => {
    const host = new FunctionHost({ functions: { 'fc/idle': { codeDir: join(FIXTURES, 'behaviours'), handler: 'index.counter', idleSeconds: 0.2, instances: 2 } } });
    host.reload();
    const fn = host.resolve('fc', 'idle', 'LATEST');
    if (fn?.kind !== 'local') throw new Error('fc/idle should be a local function');
    const context = { requestId: 'r', credentials: {}, function: { name: 'idle', handler: 'index.counter', memory: 256, timeout: 60 }, service: { name: 'fc', qualifier: 'LATEST' }, region: '' };
    try {
      expect(await host.invokeLocal(fn, Buffer.from('{}'), context, 10_000)).toMatchObject({ ok: true });
      expect(host.instanceCount('fc/idle')).toBe(1);
      expect(await eventually(async () => host.instanceCount('fc/idle'), 0)).toBe(0);
      // A fresh instance: its counter starts over.
      expect(await host.invokeLocal(fn, Buffer.from('{}'), context, 10_000)).toEqual({ ok: true, result: { statusCode: 200, body: '1' } });
    } finally {
      await host.close();
    }
  });

  test('a bad entry is refused naming its key and field', () => {
    const { resolveFunctions } = jest.requireActual<typeof import('../../src/dataplane')>('../../src/dataplane');
    expect(() => resolveFunctions({ 'a/b': { codeDir: 'x', memoryMB: -1 } }, '/tmp', 'functions.json')).toThrow('functions.json: /a/b/memoryMB must be a number');
    expect(() => resolveFunctions({ 'nokey': { codeDir: 'x' } }, '/tmp', 'functions.json')).toThrow('/nokey: keys are');
    expect(() => resolveFunctions({ 'a/b': { codeDir: 'x', handler: '../x.handler' } }, '/tmp', 'functions.json')).toThrow('/a/b/handler');
    expect(() => resolveFunctions({ 'a/b': { invokeUrl: 'ftp://x' } }, '/tmp', 'functions.json')).toThrow('/a/b/invokeUrl must be http');
  });
});

/** Polls `probe` until it yields `want` (or satisfies it), for changes noticed by file watching. */
async function eventually<T>(probe: () => Promise<T>, want: T | ((v: T) => boolean), deadlineMs = 20_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  const ok = typeof want === 'function' ? (want as (v: T) => boolean) : (v: T) => v === want;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('repointing RELEASE', () => {
  test('moving a service to another function or bucket takes effect at the next update, with no republish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apigw-repoint-'));
    const functions = {
      'fc/a': { codeDir: join(FIXTURES, 'behaviours'), handler: 'index.stringResult' },
      'fc/b': { codeDir: TEMPLATE, handler: 'index.handler' },
    };
    const services = (fn: string, bucket: string): BackendService[] => [
      { name: 'fn', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'EVENT', service: 'fc', function: fn, qualifier: 'LATEST' } } } },
      { name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket } } } },
    ];
    const apis: ApiSpec[] = [
      { name: 'fn', request: { path: '/fn' }, backend: { service: 'fn', path: '/' } },
      { name: 'file', request: { path: '/file', method: 'ANY' }, backend: { service: 'files', path: '/doc.txt' } },
    ];
    const { dp, port } = await startDataPlane(view({ backendServices: services('a', 'bucket-one'), apis }), { functions, ossRoot: dir });
    try {
      await send(port, { method: 'PUT', path: '/file', body: 'in bucket one' });
      expect((await send(port, { path: '/fn' })).body).toBe('plain');
      expect((await send(port, { path: '/file' })).body).toBe('in bucket one');
      // Only the services change; the published APIs are the same objects.
      dp.update(view({ revision: 2, backendServices: services('b', 'bucket-two'), apis }));
      expect((await send(port, { path: '/fn?response=json' })).body).toBe('{"hello":"FunctionCompute"}');
      expect((await send(port, { path: '/file' })).status).toBe(404);
    } finally {
      await dp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP functions', () => {
  test('are proxied to their trigger URL like an HTTP backend, base path kept', async () => {
    const echo = await startEcho();
    const services: BackendService[] = [
      { name: 'httpFn', type: 'FUNCTION', environments: { RELEASE: { function: { type: 'HTTP', service: 'fc', function: 'web', qualifier: 'LATEST', url: `${echo.url}/trigger` } } } },
    ];
    const { dp, port } = await startDataPlane(view({ backendServices: services, apis: [{ name: 'web', request: { path: '/web', method: 'ANY', matchAllChildPaths: true }, backend: { service: 'httpFn', path: '/app' } }] }));
    try {
      const r = await send(port, { method: 'POST', path: '/web/x?q=1', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      const e = JSON.parse(r.body) as Echo;
      expect([r.status, e.method, e.url, e.body, r.headers['x-upstream']]).toEqual([200, 'POST', '/trigger/app/x?q=1', 'hello', 'echo']);
    } finally {
      await dp.close();
      await echo.close();
    }
  });
});
