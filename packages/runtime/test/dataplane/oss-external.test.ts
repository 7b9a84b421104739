/**
 * External buckets: OSS actions relayed to a real S3-compatible server
 * (s3rver) on loopback, signed with Signature V4 from credentials in the
 * runtime's environment.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { DataPlane } from '../../src/dataplane';
import { send, startDataPlane, view } from './fixtures';

const etagOf = (s: string): string => `"${createHash('md5').update(s).digest('hex')}"`;

describe('OSS backends on an external S3-compatible endpoint', () => {
  let s3: S3rver;
  let dp: DataPlane;
  let port: number;
  let dir: string;
  const saved = { id: process.env['APIGW_OSS_ACCESS_KEY_ID'], secret: process.env['APIGW_OSS_SECRET_ACCESS_KEY'] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-s3-'));
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: 'remote-files', configs: [] }] });
    const addr = (await s3.run()) as AddressInfo;
    process.env['APIGW_OSS_ACCESS_KEY_ID'] = 'S3RVER';
    process.env['APIGW_OSS_SECRET_ACCESS_KEY'] = 'S3RVER';
    ({ dp, port } = await startDataPlane(
      view({
        backendServices: [{ name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files' } } } }],
        apis: [{ name: 'object', request: { path: '/o', method: 'ANY', matchAllChildPaths: true }, backend: { service: 'files', path: '/' } }],
      }),
      { ossRoot: join(dir, 'embedded'), oss: { 'shop-files': { endpoint: `http://127.0.0.1:${addr.port}`, bucket: 'remote-files' } } },
    ));
  });

  afterAll(async () => {
    await dp.close();
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
    expect((await send(port, { method: 'DELETE', path: '/o/docs/readme.txt' })).status).toBe(204);
    const gone = await send(port, { path: '/o/docs/readme.txt' });
    expect([gone.status, gone.body.includes('<Code>NoSuchKey</Code>'), gone.headers['x-ca-error-code']]).toEqual([404, true, undefined]);
  });

  test("requests carry the runtime's credentials: an access key the endpoint does not know is refused", async () => {
    // s3rver checks the access key of a Signature V4 request, not the signature itself.
    expect((await send(port, { method: 'PUT', path: '/o/signed.txt', body: 'x' })).status).toBe(200);
    process.env['APIGW_OSS_ACCESS_KEY_ID'] = 'UNKNOWNKEY';
    try {
      const r = await send(port, { path: '/o/signed.txt' });
      expect(r.status).toBe(403);
      expect(r.body).toContain('InvalidAccessKeyId');
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
