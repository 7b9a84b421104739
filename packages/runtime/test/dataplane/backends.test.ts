import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view, type Echo, type Reply } from './fixtures';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function sendChunked(port: number, path: string, chunks: number, chunkSize: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { host: 'api.shop.localhost', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    for (let i = 0; i < chunks; i++) req.write(Buffer.alloc(chunkSize, 97));
    req.end();
  });
}

describe('backend types and failures', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;
  let dir: string;
  let deadPort: number;
  const hangs = new Set<import('node:http').ServerResponse>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-dp-'));
    echo = await startEcho((req, res) => {
      if (req.url?.startsWith('/hang')) {
        hangs.add(res);
        return true;
      }
      if (req.url?.startsWith('/drop')) {
        req.socket.destroy();
        return true;
      }
      if (req.url?.startsWith('/bigstream')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('y'.repeat(3000));
        setTimeout(() => res.end('y'.repeat(3000)), 20);
        return true;
      }
      if (req.url?.startsWith('/big')) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' });
        res.end('y'.repeat(5000));
        return true;
      }
      return false;
    });
    deadPort = await freePort();
    const inventoryFile = join(dir, 'inventory.json');
    writeFileSync(inventoryFile, JSON.stringify({ 'i-file': '127.0.0.1' }));
    ({ dp, port } = await startDataPlane(
      view({
        vpcAccesses: [
          { name: 'byInventory', vpcId: 'vpc-1', instanceId: 'i-web1', port: echo.port, host: 'shop.internal' },
          { name: 'byFile', vpcId: 'vpc-1', instanceId: 'i-file', port: echo.port },
          { name: 'byAddress', vpcId: 'vpc-1', instanceId: '127.0.0.1', port: echo.port },
          { name: 'unknownInstance', vpcId: 'vpc-1', instanceId: 'i-missing', port: echo.port },
        ],
        backendServices: [
          httpService('users', { RELEASE: echo.url }),
          httpService('dead', { RELEASE: `http://127.0.0.1:${deadPort}` }),
          { name: 'vpcInv', type: 'VPC', environments: { RELEASE: { vpcAccess: 'byInventory' } } },
          { name: 'vpcFile', type: 'VPC', environments: { RELEASE: { vpcAccess: 'byFile' } } },
          { name: 'vpcAddr', type: 'VPC', environments: { RELEASE: { vpcAccess: 'byAddress' } } },
          { name: 'vpcMissing', type: 'VPC', environments: { RELEASE: { vpcAccess: 'unknownInstance' } } },
          { name: 'stub', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 201, body: '{"ok":true}', headers: { 'Content-Type': 'application/json', 'x-mock': '1' } } } } },
          { name: 'fn', type: 'FUNCTION', environments: { RELEASE: { function: { service: 's', function: 'f', qualifier: 'LATEST' } } } },
          { name: 'bucket', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'bkt' } } } },
          httpService('testOnly', { TEST: echo.url }),
        ],
        apis: [
          { name: 'vpcInvApi', request: { path: '/vpc/inv' }, backend: { service: 'vpcInv', path: '/inside' } },
          { name: 'vpcFileApi', request: { path: '/vpc/file' }, backend: { service: 'vpcFile', path: '/inside' } },
          { name: 'vpcAddrApi', request: { path: '/vpc/addr' }, backend: { service: 'vpcAddr', path: '/inside' } },
          { name: 'vpcMissingApi', request: { path: '/vpc/missing' }, backend: { service: 'vpcMissing', path: '/inside' } },
          { name: 'mockApi', request: { path: '/mock' }, backend: { service: 'stub', path: '/' } },
          { name: 'fnApi', request: { path: '/fn' }, backend: { service: 'fn', path: '/' } },
          { name: 'ossApi', request: { path: '/oss' }, backend: { service: 'bucket', path: '/k' } },
          { name: 'hangApi', request: { path: '/hang' }, backend: { service: 'users', path: '/hang', timeoutMs: 300 } },
          { name: 'dropApi', request: { path: '/drop' }, backend: { service: 'users', path: '/drop' } },
          { name: 'deadApi', request: { path: '/dead' }, backend: { service: 'dead', path: '/' } },
          { name: 'bigApi', request: { path: '/big' }, backend: { service: 'users', path: '/big' } },
          { name: 'bigStreamApi', request: { path: '/bigstream' }, backend: { service: 'users', path: '/bigstream' } },
          { name: 'upload', request: { path: '/upload', method: 'POST' }, backend: { service: 'users', path: '/upload' } },
          { name: 'noDefinition', request: { path: '/nodef' }, backend: { service: 'testOnly', path: '/' } },
        ],
      }),
      { inventory: { 'i-web1': '127.0.0.1' }, inventoryFile, maxBodyBytes: 1000, maxResponseBytes: 4000, revealErrorDetail: true },
    ));
  });

  afterAll(async () => {
    for (const res of hangs) res.destroy();
    await dp.close();
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('VPC backends reach the authorized instance and port, with the access host as Host', async () => {
    const inv = await send(port, { path: '/vpc/inv' });
    expect(inv.status).toBe(200);
    const e = JSON.parse(inv.body) as Echo;
    expect(e.url).toBe('/inside');
    expect(e.headers.host).toBe('shop.internal');
    const file = JSON.parse((await send(port, { path: '/vpc/file' })).body) as Echo;
    expect(file.headers.host).toBe(`127.0.0.1:${echo.port}`);
    expect((await send(port, { path: '/vpc/addr' })).status).toBe(200);
    const missing = await send(port, { path: '/vpc/missing' });
    expect([missing.status, missing.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
    expect(missing.headers['x-ca-error-message']).toContain('i-missing');
  });

  test('MOCK backends answer from the definition', async () => {
    const r = await send(port, { path: '/mock' });
    expect([r.status, r.body, r.headers['content-type'], r.headers['x-mock']]).toEqual([201, '{"ok":true}', 'application/json', '1']);
    expect(r.headers['x-ca-request-id']).toBeDefined();
    expect(r.headers['x-ca-error-code']).toBeUndefined();
  });

  test('a FUNCTION backend whose function the runtime does not know answers 503 naming it', async () => {
    const r = await send(port, { path: '/fn' });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
    expect(r.headers['x-ca-error-message']).toContain('s/f@LATEST');
  });

  test('an OSS bucket a data plane without bucket storage cannot serve answers 503 naming it', async () => {
    const r = await send(port, { path: '/oss' });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
    expect(r.headers['x-ca-error-message']).toContain('bucket bkt');
  });

  test('a backend slower than the API timeout answers 504', async () => {
    const r = await send(port, { path: '/hang' });
    expect([r.status, r.headers['x-ca-error-code'], r.headers['x-ca-error-message']]).toEqual([504, 'D504TO', 'Backend timeout: UND_ERR_HEADERS_TIMEOUT']);
  });

  test('a refused connection answers 503 and a dropped one 502', async () => {
    const dead = await send(port, { path: '/dead' });
    expect([dead.status, dead.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
    const drop = await send(port, { path: '/drop' });
    expect([drop.status, drop.headers['x-ca-error-code']]).toEqual([502, 'D502FB']);
  });

  test('a stage without a backend definition answers 503', async () => {
    const r = await send(port, { path: '/nodef' });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
  });

  test('request bodies over the limit answer 413, with or without Content-Length', async () => {
    const ok = await send(port, { method: 'POST', path: '/upload', body: 'a'.repeat(1000) });
    expect(ok.status).toBe(200);
    const big = await send(port, { method: 'POST', path: '/upload', body: 'a'.repeat(1001) });
    expect([big.status, big.headers['x-ca-error-code']]).toEqual([413, 'I413RL']);
    const chunkedOk = await sendChunked(port, '/upload', 4, 250);
    expect(chunkedOk.status).toBe(200);
    expect((JSON.parse(chunkedOk.body) as Echo).body).toHaveLength(1000);
    const chunkedBig = await sendChunked(port, '/upload', 6, 250);
    expect([chunkedBig.status, chunkedBig.headers['x-ca-error-code']]).toEqual([413, 'I413RL']);
  });

  test('backend answers over the response limit are refused, or cut off once streaming', async () => {
    const r = await send(port, { path: '/big' });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([502, 'D502FB']);
    await expect(send(port, { path: '/bigstream' })).rejects.toThrow();
    expect((await send(port, { path: '/mock' })).status).toBe(201);
  });
});
