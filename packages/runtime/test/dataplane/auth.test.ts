import { randomUUID } from 'node:crypto';
import { sign, type DataPlane, type SignatureMethod } from '../../src/dataplane';
import { sdkInteropTests } from '../support/sdk-interop';
import { httpService, send, startDataPlane, startEcho, view, type Echo, type Reply } from './fixtures';

const APP = { name: 'mobile', appKey: '204000001', appSecret: 's3cr3t-mobile-secret', appCode: 'c0de-mobile-0001' };
const OTHER = { name: 'other', appKey: '204000002', appSecret: 'other-secret', appCode: 'c0de-other-0002' };
const LATE = { name: 'late', appKey: '204000003', appSecret: 'late-secret', appCode: 'c0de-late-0003' };
const HOST = '127.0.0.1';

describe('APP authentication', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;
  let base: string;

  beforeAll(async () => {
    echo = await startEcho();
    ({ dp, port } = await startDataPlane(
      view({
        groups: [{ domains: [HOST] }],
        backendServices: [httpService('users', { RELEASE: echo.url, TEST: echo.url })],
        apis: [
          { name: 'signed', auth: { type: 'APP', appCode: 'HEADER', antiReplay: true }, request: { path: '/signed', method: 'ANY' }, backend: { service: 'users', path: '/signed' }, stages: ['RELEASE', 'TEST'] },
          { name: 'queryCode', auth: { type: 'APP', appCode: 'HEADER_QUERY' }, request: { path: '/qc' }, backend: { service: 'users', path: '/qc' } },
          { name: 'sha1', auth: { type: 'APP', signatureMethod: 'HmacSHA1,HmacSHA256' }, request: { path: '/sha1' }, backend: { service: 'users', path: '/sha1' } },
          {
            name: 'withSystem',
            auth: { type: 'APP', appCode: 'HEADER' },
            request: { path: '/sys' },
            backend: {
              service: 'users',
              path: '/sys',
              systemParameters: [
                { name: 'CaAppKey', in: 'HEAD', as: 'x-app-key' },
                { name: 'CaAppId', in: 'HEAD', as: 'x-app-id' },
                { name: 'CaClientUa', in: 'HEAD', as: 'x-ua' },
                { name: 'CaRequestHandleTime', in: 'HEAD', as: 'x-handled' },
                { name: 'CaProxy', in: 'QUERY', as: 'proxy' },
                { name: 'CaInstanceId', in: 'QUERY', as: 'instance' },
              ],
            },
          },
        ],
        apps: [APP, OTHER, LATE],
        authorizations: [
          { app: 'mobile', api: 'shop/signed', stages: ['RELEASE'] },
          { app: 'mobile', api: 'shop/queryCode', stages: ['RELEASE'] },
          { app: 'mobile', api: 'shop/sha1', stages: ['RELEASE'] },
          { app: 'mobile', api: 'shop/withSystem', stages: ['RELEASE'] },
          { app: 'late', api: 'shop/signed', stages: ['RELEASE'], expiresAt: '2020-01-01T00:00:00Z' },
        ],
      }),
      { instanceId: 'gw-test-1' },
    ));
    base = `http://${HOST}:${port}`;
  });

  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  /** Signs with our signer, as a client would (independent check: the SDK tests below). */
  function signed(
    path: string,
    opts: { app?: typeof APP; method?: string; timestamp?: number; nonce?: string; algorithm?: SignatureMethod; stage?: string; secret?: string } = {},
  ): Promise<Reply> {
    const app = opts.app ?? APP;
    const headers: Record<string, string> = {
      host: HOST,
      accept: 'application/json',
      'x-ca-key': app.appKey,
      'x-ca-timestamp': String(opts.timestamp ?? Date.now()),
      'x-ca-nonce': opts.nonce ?? randomUUID(),
      'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
    };
    if (opts.algorithm !== undefined) headers['x-ca-signature-method'] = opts.algorithm;
    if (opts.stage !== undefined) headers['x-ca-stage'] = opts.stage;
    const q = path.indexOf('?');
    const query = q === -1 ? null : Object.fromEntries(new URLSearchParams(path.slice(q + 1)));
    headers['x-ca-signature'] = sign(opts.algorithm ?? 'HmacSHA256', opts.secret ?? app.appSecret, {
      method: opts.method ?? 'GET',
      headers,
      path: q === -1 ? path : path.slice(0, q),
      query,
      form: null,
    });
    return send(port, { method: opts.method ?? 'GET', path, host: HOST, headers });
  }

  sdkInteropTests(() => ({ bases: [base], app: APP }));

  test('AppCode in the query string works only for HEADER_QUERY APIs', async () => {
    const ok = await send(port, { path: `/qc?AppCode=${APP.appCode}&x=1`, host: HOST });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as Echo).url).toBe('/qc?x=1');
    const refused = await send(port, { path: `/signed?AppCode=${APP.appCode}`, host: HOST });
    expect([refused.status, refused.headers['x-ca-error-code']]).toEqual([400, 'A400IK']);
    const wrong = await send(port, { path: `/qc?AppCode=nope`, host: HOST });
    expect([wrong.status, wrong.headers['x-ca-error-code']]).toEqual([400, 'A400AC']);
  });

  test('a wrong secret answers Invalid Signature with the server string to sign', async () => {
    const r = await signed('/signed?z=1&a=', { secret: 'not-the-secret', nonce: 'n-fixed-1' });
    expect(r.status).toBe(400);
    expect(r.headers['x-ca-error-code']).toBe('A403IS');
    const msg = r.headers['x-ca-error-message'] as string;
    expect(msg.startsWith('Invalid Signature, Server StringToSign:`GET#application/json####x-ca-key:204000001#x-ca-nonce:n-fixed-1#x-ca-timestamp:')).toBe(true);
    expect(msg.endsWith('#/signed?a&z=1`')).toBe(true);
    expect(r.headers['x-ca-request-id']).toBeDefined();
  });

  test('unknown AppKey, expired timestamp, reused nonce', async () => {
    const unknown = await signed('/signed', { app: { ...APP, appKey: 'nobody' } });
    expect(unknown.headers['x-ca-error-code']).toBe('A400IK');
    const old = await signed('/signed', { timestamp: Date.now() - 16 * 60_000 });
    expect([old.status, old.headers['x-ca-error-code'], old.headers['x-ca-error-message']]).toEqual([400, 'A400TE', 'Timestamp Expired']);
    // A client that sends seconds is told so.
    const seconds = await signed('/signed', { timestamp: Math.floor(Date.now() / 1000) });
    expect([seconds.status, seconds.headers['x-ca-error-code'], seconds.headers['x-ca-error-message']]).toEqual([
      400,
      'A400TE',
      'Timestamp Expired: X-Ca-Timestamp looks like seconds since the epoch; send milliseconds',
    ]);
    const nonce = randomUUID();
    const first = await signed('/signed', { nonce });
    expect(first.status).toBe(200);
    const again = await signed('/signed', { nonce });
    expect([again.status, again.headers['x-ca-error-message']]).toEqual([400, 'Nonce Used']);
  });

  test('apps not authorized, or whose authorization expired, get 403', async () => {
    const other = await signed('/signed', { app: OTHER });
    expect([other.status, other.headers['x-ca-error-code'], other.headers['x-ca-error-message']]).toEqual([403, 'A403PR', 'Unauthorized']);
    const late = await signed('/signed', { app: LATE });
    expect(late.status).toBe(403);
  });

  test('system parameters carry the authenticated app and the request facts', async () => {
    const r = await send(port, { path: '/sys', host: HOST, headers: { authorization: `APPCODE ${APP.appCode}`, 'user-agent': 'probe/1.0' } });
    expect(r.status).toBe(200);
    const e = JSON.parse(r.body) as Echo;
    expect(e.headers['x-app-key']).toBe(APP.appKey);
    expect(e.headers['x-app-id']).toBe(APP.name);
    expect(e.headers['x-ua']).toBe('probe/1.0');
    expect(Date.parse(e.headers['x-handled'] as string)).toBeGreaterThan(0);
    expect(e.url).toBe('/sys?proxy=apigw&instance=gw-test-1');
  });

  test('signature methods follow the API', async () => {
    expect((await signed('/sha1', { algorithm: 'HmacSHA1' })).status).toBe(200);
    expect((await signed('/sha1', { algorithm: 'HmacSHA256' })).status).toBe(200);
    const refused = await signed('/signed', { algorithm: 'HmacSHA1' });
    expect(refused.headers['x-ca-error-code']).toBe('A400SM');
  });

  test('a Content-MD5 that does not match the body is refused', async () => {
    const body = '{"a":1}';
    const headers: Record<string, string> = {
      'x-ca-key': APP.appKey,
      'x-ca-timestamp': String(Date.now()),
      'x-ca-nonce': randomUUID(),
      'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
      'content-type': 'application/json',
      'content-md5': Buffer.alloc(16).toString('base64'),
    };
    headers['x-ca-signature'] = sign('HmacSHA256', APP.appSecret, { method: 'POST', headers, path: '/signed', query: null, form: null });
    const r = await send(port, { method: 'POST', path: '/signed', host: HOST, headers, body });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([400, 'A400MD']);
  });

  test('signed-header names that look like object properties are plain missing headers', async () => {
    const headers: Record<string, string> = {
      'x-ca-key': APP.appKey,
      'x-ca-nonce': randomUUID(),
      'x-ca-timestamp': String(Date.now()),
      'x-ca-signature-headers': 'constructor,__proto__,toString,x-ca-key',
      'x-ca-signature': 'AAAA',
    };
    const r = await send(port, { path: '/signed', host: HOST, headers });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([400, 'A403IS']);
    expect(r.headers['x-ca-error-message']).toContain('#__proto__:#constructor:#tostring:#x-ca-key:204000001#');
  });

  test('a signature spelled without padding or in the URL-safe alphabet is the same signature; other bytes are not', async () => {
    const spelled = async (respell: (b64: string) => string): Promise<number> => {
      const headers: Record<string, string> = {
        'x-ca-key': APP.appKey,
        'x-ca-timestamp': String(Date.now()),
        'x-ca-nonce': randomUUID(),
        'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
      };
      headers['x-ca-signature'] = respell(sign('HmacSHA256', APP.appSecret, { method: 'GET', headers, path: '/signed', query: null, form: null }));
      return (await send(port, { path: '/signed', host: HOST, headers })).status;
    };
    expect(await spelled((b64) => b64)).toBe(200);
    expect(await spelled((b64) => b64.replace(/=+$/, ''))).toBe(200);
    expect(await spelled((b64) => b64.replace(/\+/g, '-').replace(/\//g, '_'))).toBe(200);
    expect(await spelled((b64) => (b64[0] === 'A' ? 'B' : 'A') + b64.slice(1))).toBe(400);
  });

  test('anti-replay APIs require a nonce', async () => {
    const headers: Record<string, string> = { 'x-ca-key': APP.appKey, 'x-ca-timestamp': String(Date.now()), 'x-ca-signature-headers': 'x-ca-key,x-ca-timestamp' };
    headers['x-ca-signature'] = sign('HmacSHA256', APP.appSecret, { method: 'GET', headers, path: '/signed', query: null, form: null });
    const r = await send(port, { path: '/signed', host: HOST, headers });
    expect(r.headers['x-ca-error-code']).toBe('A400IN');
  });
});
