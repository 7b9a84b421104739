/**
 * Plugins with real traffic on loopback: a data plane serving a view with
 * plugins attached, an echo upstream, and requests over real sockets.
 * Traffic control runs on an injected clock, so window boundaries are
 * crossed exactly and without sleeping.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import type { Plugin, PluginAttachment } from '@apigw/schema';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import type { DataPlane } from '../../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view, type Echo, type ViewSpec } from '../fixtures';

const MOBILE = { name: 'mobile', appKey: '204000101', appSecret: 'mobile-secret-0101', appCode: 'code-mobile-0101' };
const WEB = { name: 'webapp', appKey: '204000102', appSecret: 'webapp-secret-0102', appCode: 'code-webapp-0102' };
const T0 = Date.UTC(2026, 10, 28); // midnight UTC: a window boundary of every unit

let echo: Awaited<ReturnType<typeof startEcho>>;
const planes: DataPlane[] = [];

beforeAll(async () => {
  echo = await startEcho((req, res) => {
    if (req.url === '/cors-backend') {
      res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'text/plain' });
      res.end('backend says any origin');
      return true;
    }
    return false;
  });
});
afterAll(async () => {
  await Promise.all(planes.map((p) => p.close()));
  await echo.close();
});

function gateway(plugins: Plugin[], pluginAttachments: PluginAttachment[], extra: Partial<ViewSpec> = {}) {
  return view({
    backendServices: [httpService('users', { RELEASE: echo.url, TEST: echo.url })],
    apis: [
      { name: 'open', request: { path: '/open' }, backend: { service: 'users', path: '/open' }, stages: ['TEST', 'RELEASE'] },
      { name: 'other', request: { path: '/other' }, backend: { service: 'users', path: '/other' } },
      { name: 'signed', auth: { type: 'APP', appCode: 'HEADER' }, request: { path: '/signed' }, backend: { service: 'users', path: '/signed' } },
      { name: 'corsy', request: { path: '/cors-backend', method: 'ANY' }, backend: { service: 'users', path: '/cors-backend' } },
      { name: 'preflightOwn', request: { path: '/own-options', method: 'OPTIONS' }, backend: { service: 'users', path: '/own-options' } },
      { name: 'ownOptionsGet', request: { path: '/own-options', method: 'GET' }, backend: { service: 'users', path: '/own-options' } },
    ],
    apps: [MOBILE, WEB],
    authorizations: [
      { app: 'mobile', api: 'shop/signed', stages: ['RELEASE'] },
      { app: 'webapp', api: 'shop/signed', stages: ['RELEASE'] },
    ],
    plugins,
    pluginAttachments,
    ...extra,
  });
}

async function start(v: ReturnType<typeof view>, options: Parameters<typeof startDataPlane>[1] = {}) {
  const started = await startDataPlane(v, options);
  planes.push(started.dp);
  return started;
}

const outcome = (r: { status: number; headers: IncomingHttpHeaders }): string =>
  r.status === 200 ? '200' : `${r.status} ${String(r.headers['x-ca-error-code'])} ${String(r.headers['x-ca-error-message'])}`;

describe('TRAFFIC_CONTROL with real traffic', () => {
  test.each([
    ['SECOND', 1_000],
    ['MINUTE', 60_000],
    ['HOUR', 3_600_000],
    ['DAY', 86_400_000],
  ] as const)('per %s: the limit holds exactly to the end of the window, and the next window starts afresh', async (unit, windowMs) => {
    let now = T0;
    const limits: Plugin = { name: 'limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit, apiDefault: 2 } };
    const { port } = await start(gateway([limits], [{ plugin: 'limits', api: 'shop/open', stages: ['RELEASE'] }]), { clock: () => now });
    expect(outcome(await send(port, { path: '/open' }))).toBe('200');
    now = T0 + windowMs - 1;
    expect(outcome(await send(port, { path: '/open' }))).toBe('200');
    const refused = await send(port, { path: '/open' });
    expect(outcome(refused)).toBe('429 P429AF Throttled by API Flow Control');
    expect(refused.headers['retry-after']).toBe('1');
    // Other APIs and other stages are not limited by it.
    expect(outcome(await send(port, { path: '/other' }))).toBe('200');
    expect(outcome(await send(port, { path: '/open', headers: { 'x-ca-stage': 'TEST' } }))).toBe('200');
    now = T0 + windowMs;
    expect(outcome(await send(port, { path: '/open' }))).toBe('200');
  });

  test('per-app limits: appDefault for each app, a special limit for one, the API limit over all', async () => {
    let now = T0 + 5_000;
    const limits: Plugin = {
      name: 'limits',
      type: 'TRAFFIC_CONTROL',
      trafficControl: { unit: 'MINUTE', apiDefault: 5, appDefault: 1, specials: [{ app: 'mobile', limit: 10 }] },
    };
    const { port } = await start(gateway([limits], [{ plugin: 'limits', group: 'shop', stages: ['RELEASE'] }]), { clock: () => now });
    const call = async (app: typeof MOBILE) => outcome(await send(port, { path: '/signed', headers: { authorization: `APPCODE ${app.appCode}` } }));
    expect(await call(WEB)).toBe('200');
    const refused = await send(port, { path: '/signed', headers: { authorization: `APPCODE ${WEB.appCode}` } });
    expect(outcome(refused)).toBe('429 P429PF Throttled by APP Flow Control');
    expect(refused.headers['retry-after']).toBe('55');
    // The app refusal was not counted against the API: mobile's special limit of 10 meets the API's 5 after four calls.
    const mobile = [];
    for (let i = 0; i < 5; i++) mobile.push(await call(MOBILE));
    expect(mobile).toEqual(['200', '200', '200', '200', '429 P429AF Throttled by API Flow Control']);
    now += 55_000;
    expect(await call(MOBILE)).toBe('200');
  });

  test('anonymous calls count against the API limit; the refusal carries its code in the JSON body too', async () => {
    const now = T0;
    const limits: Plugin = { name: 'limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'HOUR', apiDefault: 1, appDefault: 100 } };
    const { port } = await start(gateway([limits], [{ plugin: 'limits', api: 'shop/open', stages: ['RELEASE'] }]), { clock: () => now });
    expect(outcome(await send(port, { path: '/open' }))).toBe('200');
    const refused = await send(port, { path: '/open' });
    expect(outcome(refused)).toBe('429 P429AF Throttled by API Flow Control');
    expect(refused.headers['retry-after']).toBe('3600');
    expect(JSON.parse(refused.body)).toMatchObject({ errorCode: 'P429AF' });
  });
});

describe('IP_CONTROL with real traffic', () => {
  const allowLoopback: Plugin = { name: 'office_only', type: 'IP_CONTROL', ipControl: { mode: 'ALLOW', cidrs: ['127.0.0.0/8', '::1/128'], apps: [] } };
  const denyLoopback: Plugin = { name: 'no_loopback', type: 'IP_CONTROL', ipControl: { mode: 'DENY', cidrs: ['127.0.0.1', '::1'], apps: [] } };
  const denyDocs: Plugin = { name: 'no_docs_net', type: 'IP_CONTROL', ipControl: { mode: 'DENY', cidrs: ['203.0.113.0/24', '2001:db8::/32'], apps: [] } };

  test('IPv4: ALLOW lets a listed client in, DENY keeps it out; an API own plugin beats its group one', async () => {
    const { port } = await start(
      gateway([allowLoopback, denyLoopback], [
        { plugin: 'office_only', group: 'shop', stages: ['RELEASE'] },
        { plugin: 'no_loopback', api: 'shop/other', stages: ['RELEASE'] },
      ]),
    );
    expect(outcome(await send(port, { path: '/open' }))).toBe('200');
    const refused = await send(port, { path: '/other' });
    expect(outcome(refused)).toBe('403 P403IP Access Denied by IP Control Policy');
  });

  test('IPv6: the same lists over ::1', async () => {
    const allowed = await start(gateway([allowLoopback], [{ plugin: 'office_only', group: 'shop', stages: ['RELEASE'] }]), { host: '::1' });
    expect(outcome(await sendTo('::1', allowed.port, '/open'))).toBe('200');
    const denied = await start(gateway([denyLoopback], [{ plugin: 'no_loopback', group: 'shop', stages: ['RELEASE'] }]), { host: '::1' });
    expect(outcome(await sendTo('::1', denied.port, '/open'))).toBe('403 P403IP Access Denied by IP Control Policy');
    const onlyV4: Plugin = { name: 'only_v4', type: 'IP_CONTROL', ipControl: { mode: 'ALLOW', cidrs: ['127.0.0.1'], apps: [] } };
    const v4only = await start(gateway([onlyV4], [{ plugin: 'only_v4', group: 'shop', stages: ['RELEASE'] }]), { host: '::1' });
    expect(outcome(await sendTo('::1', v4only.port, '/open'))).toBe('403 P403IP Access Denied by IP Control Policy');
  });

  test('X-Forwarded-For counts only from a trusted proxy, and the backend still sees the real hop', async () => {
    const v = gateway([denyDocs], [{ plugin: 'no_docs_net', group: 'shop', stages: ['RELEASE'] }]);
    const untrusting = await start(v);
    const forged = await send(untrusting.port, { path: '/open', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(outcome(forged)).toBe('200');
    const trusting = await start(v, { trustedProxies: ['127.0.0.1'] });
    expect(outcome(await send(trusting.port, { path: '/open', headers: { 'x-forwarded-for': '203.0.113.9' } }))).toBe('403 P403IP Access Denied by IP Control Policy');
    expect(outcome(await send(trusting.port, { path: '/open', headers: { 'x-forwarded-for': '2001:db8::5' } }))).toBe('403 P403IP Access Denied by IP Control Policy');
    // A client's own entry left of the proxy's does not get it through.
    expect(outcome(await send(trusting.port, { path: '/open', headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' } }))).toBe('403 P403IP Access Denied by IP Control Policy');
    const through = await send(trusting.port, { path: '/open', headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(outcome(through)).toBe('200');
    expect((JSON.parse(through.body) as Echo).headers['x-forwarded-for']).toBe('198.51.100.1, 127.0.0.1');
  });

  test('per-app lists apply once the app is known', async () => {
    const partners: Plugin = { name: 'partners', type: 'IP_CONTROL', ipControl: { mode: 'ALLOW', cidrs: ['10.0.0.0/8'], apps: [{ app: 'mobile', cidrs: ['127.0.0.1'] }] } };
    const { port } = await start(gateway([partners], [{ plugin: 'partners', api: 'shop/signed', stages: ['RELEASE'] }]));
    expect(outcome(await send(port, { path: '/signed', headers: { authorization: `APPCODE ${MOBILE.appCode}` } }))).toBe('200');
    expect(outcome(await send(port, { path: '/signed', headers: { authorization: `APPCODE ${WEB.appCode}` } }))).toBe('403 P403IP Access Denied by IP Control Policy');
  });
});

describe('CORS with real traffic', () => {
  const web: Plugin = {
    name: 'web_cors',
    type: 'CORS',
    cors: {
      allowOrigins: ['https://shop.example'],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['Content-Type', 'X-Ca-Key'],
      exposeHeaders: ['X-Ca-Request-Id'],
      maxAge: 600,
      allowCredentials: false,
    },
  };
  const limits: Plugin = { name: 'limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'DAY', apiDefault: 1 } };

  test('the gateway answers preflights for APIs of the scope without their own OPTIONS API', async () => {
    const { port } = await start(gateway([web], [{ plugin: 'web_cors', group: 'shop', stages: ['RELEASE'] }]));
    const ok = await send(port, { method: 'OPTIONS', path: '/open', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-ca-key' } });
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'Content-Type, X-Ca-Key',
      'access-control-max-age': '600',
    });
    expect(ok.headers['x-ca-request-id']).toBeDefined();
    const evil = await send(port, { method: 'OPTIONS', path: '/open', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(outcome(evil)).toBe('403 P403CR CORS Request Refused: origin https://evil.example is not allowed');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    // An API declared for OPTIONS answers its own preflights.
    const own = await send(port, { method: 'OPTIONS', path: '/own-options', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
    expect(own.status).toBe(200);
    expect((JSON.parse(own.body) as Echo).method).toBe('OPTIONS');
  });

  test('every answer to an allowed origin carries the CORS headers (proxied, refused), a backend one is replaced, others get none', async () => {
    const { port } = await start(
      gateway([web, limits], [
        { plugin: 'web_cors', group: 'shop', stages: ['RELEASE'] },
        { plugin: 'limits', api: 'shop/other', stages: ['RELEASE'] },
      ]),
    );
    const proxied = await send(port, { path: '/open', headers: { origin: 'https://shop.example' } });
    expect(proxied.status).toBe(200);
    expect(proxied.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(proxied.headers['access-control-expose-headers']).toBe('X-Ca-Request-Id');
    const backendStar = await send(port, { path: '/cors-backend', headers: { origin: 'https://shop.example' } });
    expect(backendStar.headers['access-control-allow-origin']).toBe('https://shop.example');
    await send(port, { path: '/other', headers: { origin: 'https://shop.example' } });
    const throttled = await send(port, { path: '/other', headers: { origin: 'https://shop.example' } });
    expect(throttled.status).toBe(429);
    expect(throttled.headers['access-control-allow-origin']).toBe('https://shop.example');
    const stranger = await send(port, { path: '/open', headers: { origin: 'https://evil.example' } });
    expect(stranger.status).toBe(200);
    expect(Object.keys(stranger.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });
});

describe('JWT with real traffic', () => {
  let keys: { publicKey: KeyLike; privateKey: KeyLike };
  let sso: Plugin;
  let port: number;
  const now = T0;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    sso = {
      name: 'sso_jwt',
      type: 'JWT',
      jwt: {
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1' } as never] },
        algorithms: ['RS256'],
        issuer: 'https://id.shop.example',
        audience: ['shop'],
        from: { in: 'HEAD', name: 'Authorization', prefix: 'Bearer ' },
        clockSkewSeconds: 60,
        requireExp: true,
        claimsToHeaders: [{ claim: 'sub', header: 'x-user-id' }],
      },
    };
    ({ port } = await start(gateway([sso], [{ plugin: 'sso_jwt', api: 'shop/open', stages: ['RELEASE'] }]), { clock: () => now }));
  });

  const token = (exp: number, iss = 'https://id.shop.example') =>
    new SignJWT({ sub: 'user-7' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(iss).setAudience('shop').setExpirationTime(exp).sign(keys.privateKey);

  test('an ANONYMOUS API with a JWT plugin serves only callers with a valid token, and forwards its claims', async () => {
    const good = await send(port, { path: '/open', headers: { authorization: `Bearer ${await token(now / 1000 + 300)}`, 'x-user-id': 'forged' } });
    expect(good.status).toBe(200);
    expect((JSON.parse(good.body) as Echo).headers['x-user-id']).toBe('user-7');
  });

  test.each([
    ['no token', async () => undefined, '401 P401JM JWT Required'],
    ['an expired token', async () => `Bearer ${await token(T0 / 1000 - 120)}`, '401 P401JI Invalid JWT: token expired'],
    ['a token of another issuer', async () => `Bearer ${await token(T0 / 1000 + 300, 'https://evil.example')}`, '401 P401JI Invalid JWT: issuer not accepted'],
    ['a tampered token', async () => `Bearer ${(await token(T0 / 1000 + 300)).slice(0, -4)}AAAA`, '401 P401JI Invalid JWT: signature does not verify'],
    ['garbage', async () => 'Bearer not-a-token', '401 P401JI Invalid JWT: token is malformed'],
  ])('%s is refused with 401', async (_what, make, expected) => {
    const authorization = await make();
    const r = await send(port, { path: '/open', headers: authorization === undefined ? {} : { authorization } });
    expect(outcome(r)).toBe(expected);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test('a token that verified is remembered until it expires, then refused', async () => {
    let clock = T0;
    const { port: p2 } = await start(gateway([sso], [{ plugin: 'sso_jwt', api: 'shop/open', stages: ['RELEASE'] }]), { clock: () => clock });
    const jwt = `Bearer ${await token(T0 / 1000 + 10)}`;
    expect(outcome(await send(p2, { path: '/open', headers: { authorization: jwt } }))).toBe('200');
    const again = await send(p2, { path: '/open', headers: { authorization: jwt, 'x-user-id': 'forged' } });
    expect(again.status).toBe(200);
    expect((JSON.parse(again.body) as Echo).headers['x-user-id']).toBe('user-7');
    clock = T0 + (10 + 60) * 1000; // exp plus the 60 s skew
    expect(outcome(await send(p2, { path: '/open', headers: { authorization: jwt } }))).toBe('401 P401JI Invalid JWT: token expired');
  });

  test('APIs without the plugin are not affected', async () => {
    expect(outcome(await send(port, { path: '/other' }))).toBe('200');
  });
});

/** One GET to an address other than 127.0.0.1 (for IPv6). */
function sendTo(host: string, port: number, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers: { host: 'api.shop.localhost' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
