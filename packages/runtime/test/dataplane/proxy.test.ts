import { request } from 'node:http';
import { connect } from 'node:net';
import type { DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view, type Echo } from './fixtures';

const BIG_CHUNKS = 512;
/** Chunk `i` of the large answer: 64 KiB of the byte `i % 251`, so a lost or repeated chunk shows. */
const bigChunk = (i: number): Buffer => Buffer.alloc(64 * 1024, i % 251);

describe('anonymous HTTP proxying', () => {
  /** Backend-side: one promise per /stall request, settled when its connection from the gateway closes. */
  const stalled: Promise<void>[] = [];
  let stalledSeen: (() => void) | undefined;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;

  beforeAll(async () => {
    echo = await startEcho((req, res) => {
      if (req.url!.endsWith('/spelled')) {
        // Names in the spellings backends use, known to the relay and not, with hop-by-hop ones among them.
        res.writeHead(200, [
          'SERVER', 'raw/1', 'Content-Type', 'text/plain', 'CONTENT-LENGTH', '2', 'ETag', '"v1"', 'cache-CONTROL', 'no-store',
          'X-Custom', 'Kept', 'Keep-Alive', 'timeout=5', 'CoNnEcTiOn', 'keep-alive, X-Hop', 'x-hop', 'dropped',
          'Set-Cookie', 'a=1', 'SET-COOKIE', 'b=2', 'X-CA-REQUEST-ID', 'forged', 'Content-Typf', 'near miss', 'dATE', 'Sun, 29 Nov 2026 04:00:00 GMT',
        ]);
        res.end('ok');
        return true;
      }
      if (req.url!.endsWith('/stall')) {
        // Never answers: the test waits for the gateway to give the exchange up.
        stalled.push(new Promise<void>((gone) => req.socket.once('close', gone)));
        stalledSeen?.();
        return true;
      }
      if (!req.url!.endsWith('/big')) return false;
      // 32 MiB in 64 KiB chunks, written as fast as the gateway takes them, without Content-Length.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let i = 0;
      const pump = (): void => {
        while (i < BIG_CHUNKS) if (!res.write(bigChunk(i++))) return void res.once('drain', pump);
        res.end();
      };
      pump();
      return true;
    });
    ({ dp, port } = await startDataPlane(
      view({
        backendServices: [httpService('users', { RELEASE: echo.url + '/base', TEST: echo.url + '/test' })],
        apis: [
          { name: 'getUser', request: { path: '/users/{id}', parameters: [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] }, backend: { service: 'users', path: '/v1/users/{id}' }, stages: ['RELEASE', 'TEST'] },
          { name: 'files', request: { path: '/files', matchAllChildPaths: true, method: 'ANY' }, backend: { service: 'users', path: '/storage' } },
          { name: 'cookies', request: { path: '/cookies' }, backend: { service: 'users', path: '/cookies' } },
          { name: 'postThing', request: { path: '/things', method: 'POST' }, backend: { service: 'users', path: '/things' } },
          { name: 'big', request: { path: '/big' }, backend: { service: 'users', path: '/big' } },
          { name: 'spelled', request: { path: '/spelled' }, backend: { service: 'users', path: '/spelled' } },
          { name: 'stall', request: { path: '/stall' }, backend: { service: 'users', path: '/stall', timeoutMs: 60_000 } },
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

  test('a client that hangs up while the backend works has the backend exchange aborted at once', async () => {
    for (const hangUp of ['end', 'destroy'] as const) {
      const seen = new Promise<void>((resolve) => (stalledSeen = resolve));
      const client = connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      client.write('GET /stall HTTP/1.1\r\nHost: api.shop.localhost\r\n\r\n');
      await seen;
      if (hangUp === 'end') client.end();
      else client.destroy();
      // The backend's connection from the gateway closes long before the API's 60-second timeout.
      await stalled.at(-1);
    }
    // The gateway serves the next client as before.
    expect((await send(port, { path: '/users/1' })).status).toBe(200);
  }, 30_000);

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

  test('relays answer headers under lowercased names whatever their spelling, dropping hop-by-hop ones', async () => {
    const raw = await new Promise<string[]>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/spelled', headers: { host: 'api.shop.localhost' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.rawHeaders));
      });
      req.on('error', reject);
      req.end();
    });
    const names = raw.filter((_, i) => i % 2 === 0);
    const relayed = raw.slice(0, names.indexOf('x-ca-request-id') * 2);
    expect(relayed).toEqual([
      'server', 'raw/1', 'content-type', 'text/plain', 'content-length', '2', 'etag', '"v1"', 'cache-control', 'no-store',
      'x-custom', 'Kept', 'set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-typf', 'near miss', 'date', 'Sun, 29 Nov 2026 04:00:00 GMT',
    ]);
    expect(raw[names.indexOf('x-ca-request-id') * 2 + 1]).toMatch(/^[0-9A-F-]{36}$/);
    expect(names.filter((n) => n.toLowerCase() === 'x-ca-request-id')).toHaveLength(1);
    expect(names.map((n) => n.toLowerCase())).not.toContain('x-hop');
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

  test('a large answer reaches a client that reads slowly whole and in order (the backend is held back while the client is full)', async () => {
    const { status, chunks } = await new Promise<{ status: number; chunks: Buffer[] }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/big', headers: { host: 'api.shop.localhost' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          // Reads one chunk per turn of the event loop: the gateway's writes to this client fill up and must wait.
          res.pause();
          setImmediate(() => res.resume());
        });
        res.on('end', () => resolve({ status: res.statusCode!, chunks }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(BIG_CHUNKS * 64 * 1024);
    for (let i = 0; i < BIG_CHUNKS; i++) {
      const at = i * 64 * 1024;
      if (body[at] !== i % 251 || body[at + 64 * 1024 - 1] !== i % 251) throw new Error(`chunk ${i} is not where it belongs`);
    }
  }, 60_000);
});
