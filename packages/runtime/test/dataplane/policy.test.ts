/**
 * Where per-API policies run in the pipeline: `beforeAuth` after routing
 * with no caller known yet, `afterAuth` once the caller is authenticated
 * and authorized and before the nonce is spent; a refusal is answered with
 * the error contract and stops the request. The policies are put on a
 * compiled API entry directly, as a snapshot compiler would.
 */
import { randomUUID } from 'node:crypto';
import { ErrorAnswer, GatewayDataPlane, sign, type Exchange, type RequestPolicy } from '../../src/dataplane';
import type { ApiEntry } from '../../src/snapshot';
import { httpService, send, startDataPlane, startEcho, view } from './fixtures';

const HOST = 'api.shop.localhost';
const APP = { name: 'mobile', appKey: '204000001', appSecret: 'secret-mobile-000000000000000000', appCode: 'code-mobile-00000000000000000000' };

describe('per-API policies in the pipeline', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: GatewayDataPlane;
  let port: number;
  const seen: string[] = [];
  let refuseAfterAuth = false;

  const policy: RequestPolicy = {
    name: 'test:recorder',
    beforeAuth(ex: Exchange) {
      seen.push(`before:${ex.api!.name}:${ex.app === null ? 'nobody' : ex.app.name}`);
      return ex.req.headers['x-block'] === 'before' ? new ErrorAnswer('UNAUTHORIZED', ': blocked before authentication') : null;
    },
    afterAuth(ex: Exchange) {
      seen.push(`after:${ex.api!.name}:${ex.app === null ? 'nobody' : ex.app.name}`);
      return refuseAfterAuth ? new ErrorAnswer('UNAUTHORIZED', ': blocked after authentication') : null;
    },
  };

  beforeAll(async () => {
    echo = await startEcho();
    const started = await startDataPlane(
      view({
        backendServices: [httpService('users', { RELEASE: echo.url })],
        apis: [
          { name: 'open', request: { path: '/open' }, backend: { service: 'users', path: '/open' } },
          { name: 'signed', auth: { type: 'APP', antiReplay: true }, request: { path: '/signed' }, backend: { service: 'users', path: '/signed' } },
        ],
        apps: [APP],
        authorizations: [{ app: 'mobile', api: 'shop/signed', stages: ['RELEASE'] }],
      }),
    );
    dp = started.dp as GatewayDataPlane;
    port = started.port;
    const router = dp.snapshot.hosts.get(HOST)!.routers[2];
    for (const path of ['/open', '/signed']) {
      const found = router.find('GET', path);
      if (typeof found !== 'object') throw new Error(`no route for ${path}`);
      (found.route.value as { policies: ApiEntry['policies'] }).policies = [policy];
    }
  });

  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  function signed(nonce: string): Record<string, string> {
    const headers: Record<string, string> = {
      'x-ca-key': APP.appKey,
      'x-ca-timestamp': String(Date.now()),
      'x-ca-nonce': nonce,
      'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
    };
    headers['x-ca-signature'] = sign('HmacSHA256', APP.appSecret, { method: 'GET', headers: { host: HOST, ...headers }, path: '/signed', query: null, form: null });
    return headers;
  }

  test('beforeAuth runs with no caller, afterAuth with the authenticated app', async () => {
    seen.length = 0;
    expect((await send(port, { path: '/open' })).status).toBe(200);
    expect((await send(port, { path: '/signed', headers: signed(randomUUID()) })).status).toBe(200);
    expect(seen).toEqual(['before:open:nobody', 'after:open:nobody', 'before:signed:nobody', 'after:signed:mobile']);
  });

  test('a refusal before authentication stops the request before any credential is looked at', async () => {
    seen.length = 0;
    const r = await send(port, { path: '/signed', headers: { 'x-block': 'before', 'x-ca-key': 'nobody' } });
    expect([r.status, r.headers['x-ca-error-code'], r.headers['x-ca-error-message']]).toEqual([403, 'A403PR', 'Unauthorized: blocked before authentication']);
    expect(r.headers['x-ca-request-id']).toBeDefined();
    expect(seen).toEqual(['before:signed:nobody']);
  });

  test('a refusal after authentication leaves the nonce unspent', async () => {
    const nonce = randomUUID();
    refuseAfterAuth = true;
    try {
      const refused = await send(port, { path: '/signed', headers: signed(nonce) });
      expect([refused.status, refused.headers['x-ca-error-message']]).toEqual([403, 'Unauthorized: blocked after authentication']);
    } finally {
      refuseAfterAuth = false;
    }
    expect((await send(port, { path: '/signed', headers: signed(nonce) })).status).toBe(200);
    expect((await send(port, { path: '/signed', headers: signed(nonce) })).headers['x-ca-error-code']).toBe('A400NU');
  });
});
