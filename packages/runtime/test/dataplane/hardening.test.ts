/**
 * Attacks on the request path, each done as an attacker would do it, with
 * what the gateway must answer: traversal through mapped values and
 * server-specific dot segments, fragments, duplicate Host, CONNECT,
 * Expect: 100-continue, 1xx answers from backends, answers that are not
 * HTTP, unbounded signature-header lists, bodies sent by callers with no
 * credentials, and 503 messages that would name the gateway's insides.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { sign, type DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view, type Echo } from './fixtures';

const HOST = 'api.shop.localhost';
const APP = { name: 'mobile', appKey: '204000001', appSecret: 'secret-mobile-000000000000000000', appCode: 'code-mobile-00000000000000000000' };

/** Sends raw bytes and collects everything the gateway answers until it closes (or `until` matches). */
function raw(port: number, text: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      got += d;
      if (until !== undefined && until.test(got)) socket.destroy();
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    socket.write(text, 'latin1');
  });
}

/** An upstream that answers every request with the same raw bytes. */
async function rawUpstream(answer: string): Promise<{ server: TcpServer; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', () => s.end(answer, 'latin1'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('hardening of the request path', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let early: Awaited<ReturnType<typeof rawUpstream>>;
  /** Backends that send interim answers before their final one, by API path. */
  const interim: Record<string, Awaited<ReturnType<typeof rawUpstream>>> = {};
  let notHttp: Awaited<ReturnType<typeof rawUpstream>>;
  let dp: DataPlane;
  let port: number;
  const log: Record<string, unknown>[] = [];
  let bodiesRead = 0;

  beforeAll(async () => {
    echo = await startEcho((req) => {
      if (req.url?.startsWith('/v1/upload')) bodiesRead++;
      return false;
    });
    early = await rawUpstream('HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok');
    const final = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nfinal answer';
    interim['/cont'] = await rawUpstream('HTTP/1.1 100 Continue\r\n\r\n' + final);
    interim['/cont-twice'] = await rawUpstream('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\nX-Step: 2\r\n\r\n' + final);
    interim['/cont-hints'] = await rawUpstream('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n\r\n' + final);
    interim['/hints-cont'] = await rawUpstream('HTTP/1.1 103 Early Hints\r\nLink: </app.js>; rel=preload\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n' + final);
    interim['/switch'] = await rawUpstream('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n' + final);
    interim['/cont-huge'] = await rawUpstream(`HTTP/1.1 100 Continue\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n` + final);
    notHttp = await rawUpstream('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    const accessLog = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') log.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    ({ dp, port } = await startDataPlane(
      view({
        vpcAccesses: [{ name: 'secretAccess', vpcId: 'vpc-1', instanceId: 'i-0secret42', port: 1 }],
        backendServices: [
          httpService('users', { RELEASE: echo.url, TEST: echo.url }),
          httpService('early', { RELEASE: `http://127.0.0.1:${early.port}` }),
          ...Object.entries(interim).map(([path, up]) => httpService(`interim${path.replace(/\W/g, '')}`, { RELEASE: `http://127.0.0.1:${up.port}` })),
          httpService('notHttp', { RELEASE: `http://127.0.0.1:${notHttp.port}` }),
          { name: 'vpcGone', type: 'VPC', environments: { RELEASE: { vpcAccess: 'secretAccess' } } },
          httpService('testOnly', { TEST: 'http://10.1.2.3:8080/internal' }),
        ],
        apis: [
          {
            name: 'files',
            request: {
              path: '/files',
              mode: 'MAPPING',
              parameters: [
                { name: 'name', in: 'QUERY', type: 'STRING', required: true, backendIn: 'PATH' },
                { name: 'x-dir', in: 'HEAD', type: 'STRING', required: false, default: 'public', backendName: 'dir', backendIn: 'PATH' },
              ],
            },
            backend: { service: 'users', path: '/v1/{dir}/files/{name}/meta' },
          },
          {
            name: 'chained',
            request: {
              path: '/chained/{a}',
              mode: 'MAPPING',
              parameters: [
                { name: 'a', in: 'PATH', type: 'STRING', required: true, backendName: 'b' },
                { name: 'b', in: 'QUERY', type: 'STRING', required: false, backendName: 'a', backendIn: 'PATH' },
              ],
            },
            backend: { service: 'users', path: '/v1/{a}/x/{b}/meta' },
          },
          { name: 'orders', request: { path: '/orders/{id}' }, backend: { service: 'users', path: '/v1/orders/{id}/public' } },
          { name: 'static', request: { path: '/static', matchAllChildPaths: true }, backend: { service: 'users', path: '/assets' } },
          {
            name: 'expectHeader',
            request: { path: '/mapped-expect', mode: 'MAPPING', parameters: [{ name: 'x-e', in: 'HEAD', type: 'STRING', required: false, backendName: 'Expect' }] },
            backend: { service: 'users', path: '/v1/mapped', constantParameters: [{ name: 'Connection', in: 'HEAD', value: 'x-secret' }] },
          },
          { name: 'upload', request: { path: '/upload', method: 'POST' }, backend: { service: 'users', path: '/v1/upload' } },
          {
            name: 'signedUpload',
            auth: { type: 'APP', antiReplay: true },
            request: { path: '/signed-upload', method: 'POST' },
            backend: { service: 'users', path: '/v1/upload' },
          },
          { name: 'signed', auth: { type: 'APP', antiReplay: true }, request: { path: '/signed', method: 'ANY' }, backend: { service: 'users', path: '/v1/signed' }, stages: ['RELEASE', 'TEST'] },
          {
            name: 'signedMapped',
            auth: { type: 'APP', antiReplay: true },
            request: { path: '/signed-mapped', mode: 'MAPPING', parameters: [{ name: 'id', in: 'QUERY', type: 'INT', required: true }] },
            backend: { service: 'users', path: '/v1/mapped' },
          },
          { name: 'notMine', auth: { type: 'APP', antiReplay: true }, request: { path: '/not-mine' }, backend: { service: 'users', path: '/v1/not-mine' } },
          { name: 'hints', request: { path: '/hints' }, backend: { service: 'early', path: '/' } },
          ...Object.keys(interim).map((path) => ({ name: `interim${path.replace(/\W/g, '')}`, request: { path }, backend: { service: `interim${path.replace(/\W/g, '')}`, path: '/' } })),
          { name: 'ssh', request: { path: '/ssh' }, backend: { service: 'notHttp', path: '/' } },
          { name: 'gone', request: { path: '/gone' }, backend: { service: 'vpcGone', path: '/' } },
          { name: 'nodef', request: { path: '/nodef' }, backend: { service: 'testOnly', path: '/' } },
        ],
        apps: [APP],
        authorizations: [
          { app: 'mobile', api: 'shop/signed', stages: ['RELEASE', 'TEST'] },
          { app: 'mobile', api: 'shop/signedUpload', stages: ['RELEASE'] },
          { app: 'mobile', api: 'shop/signedMapped', stages: ['RELEASE'] },
        ],
      }),
      { accessLog },
    ));
  });

  afterAll(async () => {
    await dp.close();
    await Promise.all([echo.close(), early.close(), notHttp.close(), ...Object.values(interim).map((up) => up.close())]);
  });

  const echoed = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; url?: string; code?: string }> => {
    const r = await send(port, { path, headers });
    if (r.status !== 200) return { status: r.status, code: r.headers['x-ca-error-code'] as string };
    return { status: 200, url: (JSON.parse(r.body) as Echo).url };
  };

  test('no value mapped into the backend path becomes a . or .. segment, whatever its source', async () => {
    expect(await echoed('/files?name=report')).toEqual({ status: 200, url: '/v1/public/files/report/meta' });
    for (const name of ['..', '.', '%2e%2e', '%2E.', '..%5c', '%2e%2e%5cx']) {
      expect([name, await echoed(`/files?name=${name}`)]).toEqual([name, { status: 400, code: 'I400PT' }]);
    }
    expect(await echoed('/files?name=a', { 'x-dir': '..' })).toEqual({ status: 400, code: 'I400PT' });
    expect(await echoed('/files?name=a', { 'x-dir': '.' })).toEqual({ status: 400, code: 'I400PT' });
    // A name with dots that is no dot segment is served.
    expect(await echoed('/files?name=..a')).toEqual({ status: 200, url: '/v1/public/files/..a/meta' });
    // Chained: a query parameter mapped onto a path parameter's name, and the path parameter renamed.
    expect(await echoed('/chained/p?b=..')).toEqual({ status: 400, code: 'I400PT' });
    expect(await echoed('/chained/p?b=q')).toEqual({ status: 200, url: '/v1/q/x/p/meta' });
  });

  test('backslash, %5c and ;-parameter dot segments are refused in the request path', async () => {
    for (const path of ['/static/..%5csecret', '/static/..%5Csecret', '/static/..;/secret', '/static/%2e%2e;jsessionid=1/secret', '/orders/..;']) {
      expect([path, await echoed(path)]).toEqual([path, { status: 400, code: 'I400RU' }]);
    }
    const text = await raw(port, `GET /static/..\\secret HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/X-Ca-Error-Code: I400RU/i);
    expect(await echoed('/static/a.b/c')).toEqual({ status: 200, url: '/assets/a.b/c' });
  });

  test('a raw # in the request target is refused, never forwarded', async () => {
    const text = await raw(port, `GET /orders/42# HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toMatch(/X-Ca-Error-Code: I400RU/i);
    expect(await echoed('/orders/42%23')).toEqual({ status: 200, url: '/v1/orders/42%23/public' });
  });

  test('two Host headers answer 400; a missing Host, an unknown Expect and CONNECT get the error contract', async () => {
    const two = await raw(port, `GET /orders/1 HTTP/1.1\r\nHost: ${HOST}\r\nHost: other.example\r\nConnection: close\r\n\r\n`);
    expect(two).toMatch(/^HTTP\/1\.1 400 /);
    expect(two).toMatch(/X-Ca-Error-Code: I400HD/i);
    const none = await raw(port, 'GET /orders/1 HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(none).toMatch(/^HTTP\/1\.1 400 /);
    expect(none).toMatch(/X-Ca-Request-Id: \w+/i);
    expect(none).toMatch(/X-Ca-Error-Code: I400DO/i);
    const expectation = await raw(port, `GET /orders/1 HTTP/1.1\r\nHost: ${HOST}\r\nExpect: teapot\r\nConnection: close\r\n\r\n`);
    expect(expectation).toMatch(/^HTTP\/1\.1 417 /);
    expect(expectation).toMatch(/X-Ca-Error-Code: I417EF/i);
    const tunnel = await raw(port, `CONNECT ${HOST}:443 HTTP/1.1\r\nHost: ${HOST}:443\r\n\r\n`);
    expect(tunnel).toMatch(/^HTTP\/1\.1 405 /);
    expect(tunnel).toMatch(/X-Ca-Error-Code: I405UM/i);
    expect(tunnel).toMatch(/X-Ca-Request-Id: \w+/i);
  });

  test('Expect: 100-continue is answered by the gateway and never forwarded', async () => {
    const body = 'x'.repeat(2000);
    const reply = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { host: HOST, expect: '100-continue', 'content-length': body.length }, agent: false });
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, continued }));
      });
      req.on('error', reject);
    });
    expect(reply.status).toBe(200);
    expect(reply.continued).toBe(true);
    const e = JSON.parse(reply.body) as Echo;
    expect(e.body).toBe(body);
    expect(e.headers.expect).toBeUndefined();
    // A mapped header or a constant parameter never sends a header the gateway does not forward.
    const mapped = await send(port, { path: '/mapped-expect', headers: { 'x-e': '100-continue' } });
    expect(mapped.status).toBe(200);
    const m = JSON.parse(mapped.body) as Echo;
    expect([m.headers.expect, m.headers.connection]).toEqual([undefined, 'keep-alive']);
  });

  test('a caller with no valid credential is refused before its body is read, and without 100 Continue', async () => {
    const before = bodiesRead;
    const text = await raw(
      port,
      `POST /signed-upload HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-MD5: AAAAAAAAAAAAAAAAAAAAAA==\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\nX-Ca-Key: nobody\r\nX-Ca-Signature: AAAA\r\nConnection: close\r\n\r\n`,
      /\r\n\r\n[\s\S]*\}/,
    );
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).not.toMatch(/100 Continue/);
    expect(text).toMatch(/X-Ca-Error-Code: A400IK/i);
    expect(bodiesRead).toBe(before);
  });

  /** A GET through node:http, with the Link header of every 1xx answer the client was sent. */
  const withHints = (path: string): Promise<{ status: number; body: string; links: string[] }> =>
    new Promise((resolve, reject) => {
      const links: string[] = [];
      const req = request({ host: '127.0.0.1', port, path, headers: { host: HOST }, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, links }));
      });
      req.on('information', (info) => links.push(String(info.headers.link)));
      req.on('error', reject);
      req.end();
    });

  test('1xx answers from a backend: 103 Early Hints is passed on, an unsolicited 100 is passed over', async () => {
    expect(await withHints('/hints')).toEqual({ status: 200, body: 'ok', links: ['</app.css>; rel=preload'] });
    expect(await withHints('/cont')).toEqual({ status: 200, body: 'final answer', links: [] });
    expect(await withHints('/cont-twice')).toEqual({ status: 200, body: 'final answer', links: [] });
    expect(await withHints('/cont-hints')).toEqual({ status: 200, body: 'final answer', links: ['</app.js>; rel=preload'] });
    expect(await withHints('/hints-cont')).toEqual({ status: 200, body: 'final answer', links: ['</app.js>; rel=preload'] });
  });

  test('a backend that switches protocols, or sends a 100 head without end, gets a 502 that names the cause', async () => {
    const switched = await send(port, { path: '/switch' });
    expect([switched.status, switched.headers['x-ca-error-code']]).toEqual([502, 'D502FB']);
    expect(switched.headers['x-ca-error-message']).toBe('Failed To Invoke Backend Service: the backend switched protocols');
    const huge = await send(port, { path: '/cont-huge' });
    expect([huge.status, huge.headers['x-ca-error-code'], huge.headers['x-ca-error-message']]).toEqual([502, 'D502FB', 'Failed To Invoke Backend Service: UND_ERR_HEADERS_OVERFLOW']);
  });

  test('a backend that does not speak HTTP gets a 502 that names the cause', async () => {
    const r = await send(port, { path: '/ssh' });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([502, 'D502FB']);
    const message = r.headers['x-ca-error-message'] as string;
    expect(message).toMatch(/^Failed To Invoke Backend Service: \S/);
    expect(message).not.toMatch(/undefined/);
  });

  test('503 answers hide instance ids, service names and addresses; the access log keeps them', async () => {
    for (const path of ['/gone', '/nodef']) {
      const r = await send(port, { path });
      expect([r.status, r.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
      const message = `${r.headers['x-ca-error-message'] as string} ${r.body}`;
      expect(message).not.toMatch(/i-0secret42|vpcGone|secretAccess|testOnly|10\.1\.2\.3/);
      const line = log.find((l) => l.requestId === r.headers['x-ca-request-id']);
      expect(line?.errorDetail).toMatch(path === '/gone' ? /i-0secret42/ : /testOnly/);
    }
  });

  function signedHeaders(opts: {
    signed: string;
    nonce?: string;
    stage?: string;
    extra?: Record<string, string>;
    path?: string;
    query?: Record<string, string>;
  }): Record<string, string> {
    const headers: Record<string, string> = {
      host: HOST,
      'x-ca-key': APP.appKey,
      'x-ca-timestamp': String(Date.now()),
      'x-ca-nonce': opts.nonce ?? randomUUID(),
      'x-ca-signature-headers': opts.signed,
      ...opts.extra,
    };
    if (opts.stage !== undefined) headers['x-ca-stage'] = opts.stage;
    headers['x-ca-signature'] = sign('HmacSHA256', APP.appSecret, { method: 'GET', headers, path: opts.path ?? '/signed', query: opts.query ?? null, form: null });
    return headers;
  }

  test('anti-replay APIs require the nonce, the timestamp and a sent stage to be signed, and say so', async () => {
    const ok = await send(port, { path: '/signed', headers: signedHeaders({ signed: 'x-ca-key,x-ca-nonce,x-ca-timestamp' }) });
    expect(ok.status).toBe(200);
    for (const [signed, stage] of [
      ['x-ca-key,x-ca-timestamp', undefined],
      ['x-ca-key,x-ca-nonce', undefined],
      ['x-ca-key,x-ca-nonce,x-ca-timestamp', 'TEST'],
    ] as const) {
      const r = await send(port, { path: '/signed', headers: signedHeaders({ signed, ...(stage ? { stage } : {}) }) });
      expect([r.status, r.headers['x-ca-error-code']]).toEqual([400, 'A403IS']);
      expect(r.headers['x-ca-error-message']).toMatch(/X-Ca-Signature-Headers must include x-ca-nonce, x-ca-timestamp/);
    }
    const staged = await send(port, { path: '/signed', headers: signedHeaders({ signed: 'x-ca-key,x-ca-nonce,x-ca-timestamp,x-ca-stage', stage: 'TEST' }) });
    expect(staged.status).toBe(200);
  });

  test('X-Ca-Signature-Headers is bounded, and no answer echoes unbounded input', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `x-h${i}`).join(',');
    const r = await send(port, { path: '/signed', headers: signedHeaders({ signed: `x-ca-key,x-ca-nonce,x-ca-timestamp,${names}` }) });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([400, 'A403IS']);
    expect(r.headers['x-ca-error-message']).toMatch(/X-Ca-Signature-Headers names more than \d+ headers/);
    // A wrong signature over many long signed headers echoes a bounded string to sign.
    const extra: Record<string, string> = {};
    for (let i = 0; i < 20; i++) extra[`x-long-${i}`] = 'v'.repeat(500);
    const headers = signedHeaders({ signed: `x-ca-key,x-ca-nonce,x-ca-timestamp,${Object.keys(extra).join(',')}`, extra });
    headers['x-ca-signature'] = 'AAAA';
    const wrong = await send(port, { path: '/signed', headers });
    expect(wrong.headers['x-ca-error-code']).toBe('A403IS');
    expect((wrong.headers['x-ca-error-message'] as string).length).toBeLessThan(1200);
  });

  test('a nonce is spent only by a request that is served', async () => {
    const nonce = randomUUID();
    const signed = 'x-ca-key,x-ca-nonce,x-ca-timestamp';
    const refused = await send(port, { path: '/not-mine', headers: signedHeaders({ signed, nonce, path: '/not-mine' }) });
    expect([refused.status, refused.headers['x-ca-error-code']]).toEqual([403, 'A403PR']);
    const served = await send(port, { path: '/signed', headers: signedHeaders({ signed, nonce }) });
    expect(served.status).toBe(200);
    const replayed = await send(port, { path: '/signed', headers: signedHeaders({ signed, nonce }) });
    expect([replayed.status, replayed.headers['x-ca-error-code']]).toEqual([400, 'A400NU']);
  });

  test('a request refused for its parameters spends no nonce', async () => {
    const nonce = randomUUID();
    const signed = 'x-ca-key,x-ca-nonce,x-ca-timestamp';
    const missing = await send(port, { path: '/signed-mapped', headers: signedHeaders({ signed, nonce, path: '/signed-mapped' }) });
    expect([missing.status, missing.headers['x-ca-error-code']]).toEqual([400, 'I400PR']);
    const served = await send(port, { path: '/signed-mapped?id=7', headers: signedHeaders({ signed, nonce, path: '/signed-mapped', query: { id: '7' } }) });
    expect(served.status).toBe(200);
  });

  test('an external OSS endpoint that refuses the connection is a 503 that does not name it', async () => {
    const dead = createTcpServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const saved = { id: process.env['APIGW_OSS_ACCESS_KEY_ID'], secret: process.env['APIGW_OSS_SECRET_ACCESS_KEY'] };
    process.env['APIGW_OSS_ACCESS_KEY_ID'] = 'key';
    process.env['APIGW_OSS_SECRET_ACCESS_KEY'] = 'secret';
    const lines: Record<string, unknown>[] = [];
    const accessLog = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    const oss = await startDataPlane(
      view({
        backendServices: [{ name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files' } } } }],
        apis: [{ name: 'object', request: { path: '/o', matchAllChildPaths: true }, backend: { service: 'files', path: '/' } }],
      }),
      { accessLog, oss: { 'shop-files': { endpoint: `http://127.0.0.1:${deadPort}`, bucket: 'remote' } } },
    );
    try {
      const r = await send(oss.port, { path: '/o/readme.txt' });
      expect([r.status, r.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
      expect(`${r.headers['x-ca-error-message'] as string} ${r.body}`).not.toContain(String(deadPort));
      expect(lines.find((l) => l.requestId === r.headers['x-ca-request-id'])?.errorDetail).toContain(`127.0.0.1:${deadPort}`);
    } finally {
      await oss.dp.close();
      for (const [k, v] of [['APIGW_OSS_ACCESS_KEY_ID', saved.id], ['APIGW_OSS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
