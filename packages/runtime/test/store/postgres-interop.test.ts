/**
 * Alibaba's SDK against two gateway nodes on one PostgreSQL: every call of
 * the interop suite goes through node A and through node B (one document,
 * applied once through A), and a signed request used on one node is
 * refused as a replay on the other.
 */
import { randomUUID } from 'node:crypto';
import { sign } from '../../src/dataplane';
import { createGateway, type Gateway } from '../../src/gateway';
import type { AppCredentials, Operation } from '../../src/model';
import { startEcho } from '../dataplane/fixtures';
import { eventually, getWith } from '../support/nodes';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { sdkInteropTests } from '../support/sdk-interop';
import { tempDir } from './fixtures';

const HOST = '127.0.0.1';

describe("Alibaba's SDK against two nodes on one PostgreSQL", () => {
  let server: TestPostgres;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let a: Gateway;
  let b: Gateway;
  let app: AppCredentials;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    server = await startTestPostgres();
    echo = await startEcho();
    const store = await server.createDatabase(`interop_${process.pid}`);
    [a, b] = await Promise.all(
      [0, 1].map(async () => {
        const dir = tempDir();
        const gateway = await createGateway({ dataDir: dir.dir, store, port: 0, adminPort: 0, adminToken: 'interop-token' });
        cleanups.push(dir.cleanup, () => gateway.close());
        return gateway;
      }),
    ) as [Gateway, Gateway];
    await a.client.batch({
      stack: 'shop',
      operations: [
        { op: 'create', kind: 'backendService', spec: { name: 'users', type: 'HTTP', environments: { RELEASE: { url: echo.url }, TEST: { url: echo.url } } } },
        { op: 'create', kind: 'group', spec: { name: 'shop', domains: [HOST] } },
        { op: 'create', kind: 'api', spec: { group: 'shop', name: 'signed', auth: { type: 'APP', appCode: 'HEADER', antiReplay: true }, request: { method: 'ANY', path: '/signed' }, backend: { service: 'users', path: '/signed' } } },
        { op: 'publish', api: 'shop/signed', stage: 'RELEASE' },
        { op: 'publish', api: 'shop/signed', stage: 'TEST' },
        { op: 'create', kind: 'app', spec: { name: 'mobile' } },
        { op: 'create', kind: 'authorization', spec: { app: 'mobile', api: 'shop/signed', stages: ['RELEASE'] } },
      ] as unknown as Operation[],
    });
    app = await a.client.getCredentials('mobile');
    // B learns the document from the database.
    await eventually(async () => (await b.client.getState()).revision === (await a.client.getState()).revision && b.revision === a.revision, 'B follows A');
  }, 120_000);

  afterAll(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
    await echo?.close();
    await server?.destroy();
  });

  sdkInteropTests(() => ({ bases: [a.dataUrl, b.dataUrl], app }));

  test('a signed request used on one node is refused as a replay on the other, both ways', async () => {
    for (const [first, second] of [
      [a, b],
      [b, a],
    ] as const) {
      const headers: Record<string, string> = {
        host: HOST,
        'x-ca-key': app.appKey,
        'x-ca-timestamp': String(Date.now()),
        'x-ca-nonce': randomUUID(),
        'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
      };
      headers['x-ca-signature'] = sign('HmacSHA256', app.appSecret, { method: 'GET', headers, path: '/signed', query: null, form: null });
      expect((await getWith(first.dataUrl, '/signed', headers)).status).toBe(200);
      const replay = await getWith(second.dataUrl, '/signed', headers);
      expect([replay.status, replay.headers['x-ca-error-code'], replay.headers['x-ca-error-message']]).toEqual([400, 'A400NU', 'Nonce Used']);
    }
  });
});
