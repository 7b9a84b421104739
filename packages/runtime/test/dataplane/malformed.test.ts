import { connect } from 'node:net';
import fc from 'fast-check';
import type { DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view } from './fixtures';

/** Writes raw bytes, resolves with the status line's code (0 when the server just closed) and the head. */
function raw(port: number, data: string | Buffer): Promise<{ status: number; head: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, head: text.split('\r\n\r\n')[0]! });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (Buffer.concat(chunks).includes('\r\n\r\n')) setTimeout(finish, 20);
    });
    socket.on('error', finish);
    socket.on('close', finish);
    setTimeout(finish, 1500);
    socket.write(data);
  });
}

describe('malformed requests', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;

  beforeAll(async () => {
    echo = await startEcho();
    ({ dp, port } = await startDataPlane(
      view({
        backendServices: [httpService('users', { RELEASE: echo.url })],
        apis: [
          { name: 'getUser', request: { path: '/users/{id}', mode: 'MAPPING', parameters: [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] }, backend: { service: 'users', path: '/u/{id}' } },
          { name: 'everything', request: { path: '/', matchAllChildPaths: true, method: 'ANY' }, backend: { service: 'users', path: '/' } },
          {
            name: 'signed',
            auth: { type: 'APP', appCode: 'HEADER_QUERY', antiReplay: true },
            request: { path: '/signed/{id}', method: 'ANY', mode: 'MAPPING', parameters: [{ name: 'id', in: 'PATH', type: 'INT', required: true }, { name: 'q', in: 'BODY', type: 'LONG', required: false }] },
            backend: { service: 'users', path: '/s/{id}' },
          },
        ],
        apps: [{ name: 'fuzzer', appKey: 'fuzz-key', appSecret: 'fuzz-secret', appCode: 'fuzz-code' }],
        authorizations: [{ app: 'fuzzer', api: 'shop/signed', stages: ['RELEASE'] }],
      }),
    ));
  });

  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  const host = 'Host: api.shop.localhost\r\n';

  test.each([
    ['absolute-form target', `GET http://api.shop.localhost/users/1 HTTP/1.1\r\n${host}\r\n`, 400, 'I400RU'],
    ['asterisk target', `OPTIONS * HTTP/1.1\r\n${host}\r\n`, 400, 'I400RU'],
    ['TRACE', `TRACE /users/1 HTTP/1.1\r\n${host}\r\n`, 405, 'I405UM'],
    ['too many segments', `GET ${'/a'.repeat(300)} HTTP/1.1\r\n${host}\r\n`, 400, 'I400PA'],
    ['too long a target', `GET /${'a'.repeat(9000)} HTTP/1.1\r\n${host}\r\n`, 414, 'I414UL'],
    ['broken header line', `GET /users/1 HTTP/1.1\r\n${host}Bad Header\r\n\r\n`, 400, 'I400HD'],
    ['oversized head', `GET /users/1 HTTP/1.1\r\n${host}X-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431, 'I431HL'],
    ['no Host', 'GET /users/1 HTTP/1.0\r\n\r\n', 400, 'I400DO'],
    ['bad percent-encoding in a mapped path parameter', `GET /users/%E0%A4%A HTTP/1.1\r\n${host}\r\n`, 400, 'I400PT'],
    ['a dot-dot segment', `GET /users/.. HTTP/1.1\r\n${host}\r\n`, 400, 'I400RU'],
    ['an encoded dot-dot segment under a prefix route', `GET /files/%2E%2e/secret HTTP/1.1\r\n${host}\r\n`, 400, 'I400RU'],
    ['a stage named like an object property', `GET /users/1 HTTP/1.1\r\n${host}X-Ca-Stage: constructor\r\n\r\n`, 400, 'I400HD'],
    ['content-length and chunked both', `POST /x HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'I400HD'],
  ])('%s answers %d %s', async (_name, request, status, code) => {
    const r = await raw(port, request);
    expect(r.status).toBe(status);
    expect(r.head.toLowerCase()).toContain(`x-ca-error-code: ${code.toLowerCase()}`);
    expect(r.head.toLowerCase()).toContain('x-ca-request-id: ');
  });

  test('clients that vanish in the middle of a body do not stop the gateway', async () => {
    for (const path of ['/nowhere-404-but-routed-by-prefix', '/users/1', '/missing']) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST ${path} HTTP/1.1\r\n${host}Content-Length: 100000\r\nContent-Type: text/plain\r\n\r\n` + 'x'.repeat(1000));
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
        socket.on('error', () => resolve());
      });
    }
    const chunked = connect(port, '127.0.0.1');
    chunked.write(`POST /upload HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`);
    await new Promise((r) => setTimeout(r, 50));
    chunked.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const ok = await send(port, { path: '/users/1' });
    expect(ok.status).toBe(200);
  });

  test('random request heads never get a 5xx and never stop the gateway', async () => {
    const token = fc.stringMatching(/^[!-~]{0,12}$/);
    const line = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'BREW', 'get', ''), fc.oneof(fc.webPath(), token), fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/9', '')).map(([m, p, v]) => `${m} ${p} ${v}`),
    );
    const header = fc.tuple(token, fc.string({ maxLength: 30 })).map(([k, v]) => `${k}: ${v}`);
    await fc.assert(
      fc.asyncProperty(line, fc.array(header, { maxLength: 6 }), fc.boolean(), async (requestLine, headers, withHost) => {
        const text = `${requestLine}\r\n${withHost ? host : ''}${headers.join('\r\n')}${headers.length ? '\r\n' : ''}\r\n`;
        const r = await raw(port, Buffer.from(text, 'utf8'));
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
    const ok = await send(port, { path: '/users/1' });
    expect(ok.status).toBe(200);
  });

  test('random authentication headers and bodies on an APP API never get a 5xx', async () => {
    const names = fc.constantFrom(
      'X-Ca-Key', 'X-Ca-Signature', 'X-Ca-Signature-Headers', 'X-Ca-Signature-Method', 'X-Ca-Timestamp', 'X-Ca-Nonce',
      'X-Ca-Stage', 'Content-MD5', 'Authorization', 'Content-Type', 'Accept', 'Date',
    );
    const values = fc.oneof(
      fc.constantFrom('constructor', '__proto__', 'toString,x-ca-key,__proto__', 'fuzz-key', 'APPCODE fuzz-code', 'APPCODE nope', 'HmacSHA1', 'HmacSHA256', 'application/x-www-form-urlencoded', '0', '99999999999999999999', String(Date.now()), 'AAAA', ''),
      fc.stringMatching(/^[ -~]{0,40}$/),
    );
    const body = fc.oneof(fc.constant(''), fc.string({ maxLength: 60 }), fc.constantFrom('q=1', 'q=abc', 'q=%zz', '&&==&', 'q=1&q=2'));
    const path = fc.constantFrom('/signed/1', '/signed/x', '/signed/1?AppCode=fuzz-code', '/signed/%zz', '/signed/1?a=&b=%ff', '/signed/-5');
    await fc.assert(
      fc.asyncProperty(path, fc.array(fc.tuple(names, values), { maxLength: 8 }), body, fc.constantFrom('GET', 'POST', 'PUT'), async (p, headers, b, method) => {
        const head = headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
        const bytes = Buffer.from(b, 'utf8');
        const text = `${method} ${p} HTTP/1.1\r\n${host}${head}Content-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`;
        const r = await raw(port, Buffer.concat([Buffer.from(text, 'utf8'), bytes]));
        expect(r.status).toBeGreaterThanOrEqual(200);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect((await send(port, { path: '/users/1' })).status).toBe(200);
  });
});
