/**
 * External buckets: OSS actions relayed to a real S3-compatible server
 * (s3rver) on loopback, signed with Signature V4 from credentials in the
 * runtime's environment. s3rver checks a V4 request's access key but not its
 * signature, so a verifying relay in front of it recomputes every signature
 * with the algorithm as AWS documents it (independently of the signer the
 * runtime uses) and refuses a mismatch.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { DataPlane } from '../../src/dataplane';
import { send, startDataPlane, view } from './fixtures';

const etagOf = (s: string): string => `"${createHash('md5').update(s).digest('hex')}"`;
const SECRET = 'S3RVER';

const hmac = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** Whether a request carries a valid AWS Signature V4 (header form, S3 rules: the path is not encoded again). */
function validSignature(req: IncomingMessage, secret: string): boolean {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  if (m === null) return false;
  const [, , day, region, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
  const url = new URL(req.url!, 'http://x');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  const headers = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, url.pathname, query, headers, signedHeaders, req.headers['x-amz-content-sha256']].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', req.headers['x-amz-date'], scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + secret, day), region), 's3'), 'aws4_request');
  return hmac(key, toSign).toString('hex') === signature;
}

/** A relay to `port` that answers 403 SignatureDoesNotMatch to a request whose signature does not verify. */
async function verifyingRelay(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (!validSignature(req, SECRET)) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>verifying relay</Message></Error>');
      return;
    }
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe('OSS backends on an external S3-compatible endpoint', () => {
  let s3: S3rver;
  let relay: Server;
  let dp: DataPlane;
  let port: number;
  let dir: string;
  const saved = { id: process.env['APIGW_OSS_ACCESS_KEY_ID'], secret: process.env['APIGW_OSS_SECRET_ACCESS_KEY'] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-s3-'));
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: 'remote-files', configs: [] }] });
    const addr = (await s3.run()) as AddressInfo;
    relay = await verifyingRelay(addr.port);
    process.env['APIGW_OSS_ACCESS_KEY_ID'] = 'S3RVER';
    process.env['APIGW_OSS_SECRET_ACCESS_KEY'] = SECRET;
    ({ dp, port } = await startDataPlane(
      view({
        backendServices: [{ name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files' } } } }],
        apis: [{ name: 'object', request: { path: '/o', method: 'ANY', matchAllChildPaths: true }, backend: { service: 'files', path: '/' } }],
      }),
      { ossRoot: join(dir, 'embedded'), oss: { 'shop-files': { endpoint: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`, bucket: 'remote-files' } } },
    ));
  });

  afterAll(async () => {
    await dp.close();
    await new Promise<void>((r) => relay.close(() => r()));
    await s3.close();
    for (const [k, v] of [['APIGW_OSS_ACCESS_KEY_ID', saved.id], ['APIGW_OSS_SECRET_ACCESS_KEY', saved.secret]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('put, get, head, range, delete, then 404 NoSuchKey from the endpoint; x-oss-meta-* round-trip', async () => {
    const text = 'stored on the external endpoint';
    const put = await send(port, { method: 'PUT', path: '/o/docs/readme.txt', headers: { 'content-type': 'text/plain', 'x-oss-meta-owner': 'ann' }, body: text });
    expect([put.status, put.headers['etag']]).toEqual([200, etagOf(text)]);
    const get = await send(port, { path: '/o/docs/readme.txt' });
    expect([get.status, get.body, get.headers['content-type'], get.headers['x-oss-meta-owner']]).toEqual([200, text, 'text/plain', 'ann']);
    expect(get.headers['x-ca-request-id']).toBe(get.headers['x-oss-request-id']);
    const head = await send(port, { method: 'HEAD', path: '/o/docs/readme.txt' });
    expect([head.status, head.headers['content-length']]).toEqual([200, String(text.length)]);
    const range = await send(port, { path: '/o/docs/readme.txt', headers: { range: 'bytes=0-5' } });
    expect([range.status, range.body]).toEqual([206, 'stored']);
    // Nothing landed in the embedded store: the bucket is external.
    expect((await send(port, { path: '/o/docs/readme.txt' })).body).toBe(text);
    // Keys that need encoding are signed as sent.
    expect((await send(port, { method: 'PUT', path: "/o/docs/a%20b(1)*'!.txt", body: 'odd key' })).status).toBe(200);
    expect((await send(port, { path: "/o/docs/a%20b(1)*'!.txt" })).body).toBe('odd key');
    expect((await send(port, { method: 'DELETE', path: '/o/docs/readme.txt' })).status).toBe(204);
    const gone = await send(port, { path: '/o/docs/readme.txt' });
    expect([gone.status, gone.body.includes('<Code>NoSuchKey</Code>'), gone.headers['x-ca-error-code']]).toEqual([404, true, undefined]);
  });

  test('every request is signed with the secret from the environment: a wrong secret is refused', async () => {
    expect((await send(port, { method: 'PUT', path: '/o/signed.txt', body: 'x' })).status).toBe(200);
    process.env['APIGW_OSS_SECRET_ACCESS_KEY'] = 'not-the-secret';
    try {
      const r = await send(port, { path: '/o/signed.txt' });
      expect([r.status, r.body.includes('<Code>SignatureDoesNotMatch</Code>')]).toEqual([403, true]);
    } finally {
      process.env['APIGW_OSS_SECRET_ACCESS_KEY'] = SECRET;
    }
    // An access key the endpoint does not know is refused by s3rver itself.
    process.env['APIGW_OSS_ACCESS_KEY_ID'] = 'UNKNOWNKEY';
    try {
      const r = await send(port, { path: '/o/signed.txt' });
      expect([r.status, r.body.includes('InvalidAccessKeyId')]).toEqual([403, true]);
    } finally {
      process.env['APIGW_OSS_ACCESS_KEY_ID'] = 'S3RVER';
    }
  });

  test('without credentials in the environment the bucket answers 503 naming what is missing', async () => {
    delete process.env['APIGW_OSS_ACCESS_KEY_ID'];
    try {
      const r = await send(port, { path: '/o/anything' });
      expect([r.status, r.headers['x-ca-error-code']]).toEqual([503, 'D503SU']);
      expect(r.headers['x-ca-error-message']).toContain('APIGW_OSS_ACCESS_KEY_ID');
    } finally {
      process.env['APIGW_OSS_ACCESS_KEY_ID'] = 'S3RVER';
    }
  });

  test('an upload without Content-Length answers 411 MissingContentLength', async () => {
    const r = await send(port, { method: 'PUT', path: '/o/chunked.txt', headers: { 'transfer-encoding': 'chunked' }, body: 'abc' });
    expect([r.status, r.body.includes('<Code>MissingContentLength</Code>')]).toEqual([411, true]);
  });
});
