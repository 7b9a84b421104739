import { request } from 'node:https';
import { connect } from 'node:tls';
import { generate } from 'selfsigned';
import type { DataPlane } from '../../src/dataplane';
import { httpService, send, startDataPlane, startEcho, view, type Echo } from './fixtures';

interface TlsReply {
  status: number;
  headers: import('node:http').IncomingHttpHeaders;
  body: string;
  subject: string;
}

function httpsGet(port: number, servername: string, path: string, ca: string): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername, ca, headers: { host: servername }, agent: false }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), subject: cert.subject.CN as string }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS with SNI', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let dp: DataPlane;
  let port: number;
  let tlsPort: number;
  const certs: Record<string, { cert: string; key: string }> = {};

  beforeAll(async () => {
    for (const domain of ['secure.shop.localhost', 'other.shop.localhost']) {
      const pems = await generate([{ name: 'commonName', value: domain }], {
        keySize: 2048,
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: domain }] }],
      });
      certs[domain] = { cert: pems.cert, key: pems.private };
    }
    echo = await startEcho();
    const started = await startDataPlane(
      view({
        groups: [
          {
            domains: ['secure.shop.localhost', 'other.shop.localhost', 'api.shop.localhost'],
            certificates: Object.entries(certs).map(([domain, c]) => ({ domain, certificatePem: c.cert, privateKeyPem: c.key })),
          },
        ],
        backendServices: [httpService('users', { RELEASE: echo.url })],
        apis: [
          { name: 'both', request: { path: '/both', protocols: ['HTTP', 'HTTPS'] }, backend: { service: 'users', path: '/both' } },
          { name: 'httpsOnly', request: { path: '/secure', protocols: ['HTTPS'] }, backend: { service: 'users', path: '/secure' } },
        ],
      }),
      { tlsPort: 0 },
    );
    dp = started.dp;
    port = started.port;
    tlsPort = started.tlsPort!;
  });

  afterAll(async () => {
    await dp.close();
    await echo.close();
  });

  test('SNI selects the certificate of the domain', async () => {
    const a = await httpsGet(tlsPort, 'secure.shop.localhost', '/secure', certs['secure.shop.localhost']!.cert);
    expect([a.status, a.subject]).toEqual([200, 'secure.shop.localhost']);
    expect((JSON.parse(a.body) as Echo).headers['x-forwarded-proto']).toBe('https');
    const b = await httpsGet(tlsPort, 'other.shop.localhost', '/both', certs['other.shop.localhost']!.cert);
    expect([b.status, b.subject]).toEqual([200, 'other.shop.localhost']);
  });

  test('a handshake without SNI, or for a name without a certificate, is refused', async () => {
    const noSni = new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false });
      socket.on('secureConnect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', () => resolve('refused'));
    });
    expect(await noSni).toBe('refused');
    await expect(httpsGet(tlsPort, 'api.shop.localhost', '/both', certs['secure.shop.localhost']!.cert)).rejects.toThrow();
  });

  test('APIs answer only the protocols they list', async () => {
    const plain = await send(port, { path: '/secure' });
    expect([plain.status, plain.headers['x-ca-error-code']]).toEqual([403, 'I403PT']);
    expect((await send(port, { path: '/both' })).status).toBe(200);
  });
});
