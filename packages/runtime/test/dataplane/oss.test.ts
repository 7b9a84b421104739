/**
 * OSS backends on embedded buckets: what an OSS client relies on, through
 * the gateway (signed calls, ranges, conditions, appends, overwrite
 * refusal, form uploads, keys beside "folders"), with OSS's XML errors.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendService } from '@apigw/schema';
import type { DataPlane } from '../../src/dataplane';
import { sign } from '../../src/dataplane/signature';
import { send, startDataPlane, view, type ApiSpec, type Reply } from './fixtures';

const APP = { name: 'mobile', appKey: '204000001', appSecret: 's3cr3t-mobile-secret', appCode: 'c0de-mobile-0001' };
const HOST = 'api.shop.localhost';
const md5b64 = (s: string | Buffer): string => createHash('md5').update(s).digest('base64');
const etagOf = (s: string | Buffer): string => `"${createHash('md5').update(s).digest('hex').toUpperCase()}"`;

const SERVICE: BackendService = { name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files', region: 'oss-cn-hangzhou' } } } };
const APIS: ApiSpec[] = [
  {
    name: 'signedObject',
    auth: { type: 'APP' },
    request: { path: '/s/{name}', method: 'ANY', parameters: [{ name: 'name', in: 'PATH', type: 'STRING', required: true }] },
    backend: { service: 'files', path: '/docs/{name}' },
  },
  { name: 'object', request: { path: '/o', method: 'ANY', matchAllChildPaths: true }, backend: { service: 'files', path: '/' } },
  {
    name: 'meta',
    request: { path: '/meta/{name}', method: 'HEAD', parameters: [{ name: 'name', in: 'PATH', type: 'STRING', required: true }] },
    backend: { service: 'files', path: '/{name}', ossAction: 'GetObjectMeta' },
  },
  {
    name: 'append',
    request: { path: '/append/{name}', method: 'POST', parameters: [{ name: 'name', in: 'PATH', type: 'STRING', required: true }] },
    backend: { service: 'files', path: '/{name}', ossAction: 'AppendObject' },
  },
  { name: 'upload', request: { path: '/upload', method: 'POST' }, backend: { service: 'files', path: '/' } },
  { name: 'patch', request: { path: '/p', method: 'PATCH', matchAllChildPaths: true }, backend: { service: 'files', path: '/' } },
];

describe('OSS backends (embedded buckets)', () => {
  let dp: DataPlane;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-oss-'));
    ({ dp, port } = await startDataPlane(view({ backendServices: [SERVICE], apis: APIS, apps: [APP], authorizations: [{ app: 'mobile', api: 'shop/signedObject', stages: ['RELEASE'] }] }), {
      ossRoot: dir,
      maxBodyBytes: 1024 * 1024,
    }));
  });

  afterAll(async () => {
    await dp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A signed call, as Alibaba's SDKs make one (Content-MD5 and Content-Type signed too). */
  function signed(method: string, path: string, body?: string, extra: Record<string, string> = {}): Promise<Reply> {
    const headers: Record<string, string> = {
      host: HOST,
      accept: '*/*',
      'x-ca-key': APP.appKey,
      'x-ca-timestamp': String(Date.now()),
      'x-ca-nonce': randomUUID(),
      'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
      ...extra,
    };
    if (body !== undefined) {
      headers['content-type'] = headers['content-type'] ?? 'text/plain';
      headers['content-md5'] = md5b64(body);
    }
    headers['x-ca-signature'] = sign('HmacSHA256', APP.appSecret, { method, headers, path, query: null, form: null });
    return send(port, { method, path, headers, ...(body === undefined ? {} : { body }) });
  }

  test('put, get, head, delete, then get answers 404 NoSuchKey as OSS XML, all through signed calls', async () => {
    const text = 'hello, object storage';
    const put = await signed('PUT', '/s/hello.txt', text, { 'x-oss-meta-owner': 'ann', 'content-type': 'text/plain; charset=utf-8' });
    expect([put.status, put.headers['etag']]).toEqual([200, etagOf(text)]);

    const get = await signed('GET', '/s/hello.txt');
    expect([get.status, get.body, get.headers['content-type'], get.headers['etag'], get.headers['x-oss-meta-owner']]).toEqual([200, text, 'text/plain; charset=utf-8', etagOf(text), 'ann']);
    expect(get.headers['last-modified']).toBeDefined();

    const head = await signed('HEAD', '/s/hello.txt');
    expect([head.status, head.headers['content-length'], head.headers['etag'], head.body]).toEqual([200, String(Buffer.byteLength(text)), etagOf(text), '']);

    expect((await signed('DELETE', '/s/hello.txt')).status).toBe(204);
    const gone = await signed('GET', '/s/hello.txt');
    expect([gone.status, gone.headers['content-type']]).toEqual([404, 'application/xml']);
    expect(gone.body).toContain('<Code>NoSuchKey</Code>');
    expect(gone.body).toContain('<Key>docs/hello.txt</Key>');
    expect(gone.body).toContain(`<RequestId>${gone.headers['x-ca-request-id']}</RequestId>`);
    // A backend answer, not a gateway error.
    expect(gone.headers['x-ca-error-code']).toBeUndefined();
    const unsigned = await send(port, { path: '/s/hello.txt' });
    expect([unsigned.status, unsigned.headers['x-ca-error-code']]).toEqual([400, 'A400IK']);
  });

  test('a Content-MD5 that does not match the body is refused with InvalidDigest and stores nothing', async () => {
    const r = await send(port, { method: 'PUT', path: '/o/bad-digest', headers: { 'content-md5': md5b64('something else') }, body: 'payload' });
    expect([r.status, r.body.includes('<Code>InvalidDigest</Code>')]).toEqual([400, true]);
    expect((await send(port, { path: '/o/bad-digest' })).status).toBe(404);
  });

  test('Range answers 206 with Content-Range, 416 past the end, and the whole object when not understood', async () => {
    await send(port, { method: 'PUT', path: '/o/range.txt', body: '0123456789' });
    const mid = await send(port, { path: '/o/range.txt', headers: { range: 'bytes=2-5' } });
    expect([mid.status, mid.body, mid.headers['content-range'], mid.headers['content-length']]).toEqual([206, '2345', 'bytes 2-5/10', '4']);
    expect((await send(port, { path: '/o/range.txt', headers: { range: 'bytes=-3' } })).body).toBe('789');
    expect((await send(port, { path: '/o/range.txt', headers: { range: 'bytes=7-' } })).body).toBe('789');
    expect((await send(port, { path: '/o/range.txt', headers: { range: 'bytes=8-100' } })).body).toBe('89');
    const past = await send(port, { path: '/o/range.txt', headers: { range: 'bytes=10-' } });
    expect([past.status, past.headers['content-range'], past.body.includes('<Code>InvalidRange</Code>')]).toEqual([416, 'bytes */10', true]);
    const odd = await send(port, { path: '/o/range.txt', headers: { range: 'lines=1-2' } });
    expect([odd.status, odd.body]).toEqual([200, '0123456789']);
  });

  test('conditional GET answers 304 and 412', async () => {
    const put = await send(port, { method: 'PUT', path: '/o/cond.txt', body: 'v1' });
    const etag = put.headers['etag'] as string;
    const lastModified = (await send(port, { method: 'HEAD', path: '/o/cond.txt' })).headers['last-modified'] as string;
    expect((await send(port, { path: '/o/cond.txt', headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await send(port, { path: '/o/cond.txt', headers: { 'if-none-match': '"OTHER"' } })).status).toBe(200);
    expect((await send(port, { path: '/o/cond.txt', headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await send(port, { path: '/o/cond.txt', headers: { 'if-match': etag } })).body).toBe('v1');
    const wrong = await send(port, { path: '/o/cond.txt', headers: { 'if-match': '"OTHER"' } });
    expect([wrong.status, wrong.body.includes('<Code>PreconditionFailed</Code>')]).toEqual([412, true]);
    const old = await send(port, { path: '/o/cond.txt', headers: { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } });
    expect(old.status).toBe(412);
  });

  test('appends go at the given position; a wrong position answers 409 with the next position', async () => {
    const first = await send(port, { method: 'POST', path: '/append/log.txt?position=0', body: 'abc' });
    expect([first.status, first.headers['x-oss-next-append-position']]).toEqual([200, '3']);
    const again = await send(port, { method: 'POST', path: '/append/log.txt?position=0', body: 'zzz' });
    expect([again.status, again.headers['x-oss-next-append-position'], again.body.includes('<Code>PositionNotEqualToLength</Code>')]).toEqual([409, '3', true]);
    const second = await send(port, { method: 'POST', path: '/append/log.txt?position=3', body: 'def' });
    expect(second.headers['x-oss-next-append-position']).toBe('6');
    const read = await send(port, { path: '/o/log.txt' });
    expect([read.body, read.headers['x-oss-object-type']]).toEqual(['abcdef', 'Appendable']);
    // Derived from the method: POST with ?append.
    const derived = await send(port, { method: 'POST', path: '/o/log.txt?append&position=6', body: 'g' });
    expect(derived.headers['x-oss-next-append-position']).toBe('7');
    await send(port, { method: 'PUT', path: '/o/normal.txt', body: 'x' });
    const normal = await send(port, { method: 'POST', path: '/append/normal.txt?position=1', body: 'y' });
    expect([normal.status, normal.body.includes('<Code>ObjectNotAppendable</Code>')]).toEqual([409, true]);
    const noPosition = await send(port, { method: 'POST', path: '/append/log.txt', body: 'y' });
    expect([noPosition.status, noPosition.body.includes('<Code>InvalidArgument</Code>')]).toEqual([400, true]);
  });

  test('x-oss-forbid-overwrite refuses to replace an object with 409 FileAlreadyExists', async () => {
    await send(port, { method: 'PUT', path: '/o/keep.txt', body: 'original' });
    const refused = await send(port, { method: 'PUT', path: '/o/keep.txt', headers: { 'x-oss-forbid-overwrite': 'true' }, body: 'replacement' });
    expect([refused.status, refused.body.includes('<Code>FileAlreadyExists</Code>')]).toEqual([409, true]);
    expect((await send(port, { path: '/o/keep.txt' })).body).toBe('original');
    expect((await send(port, { method: 'PUT', path: '/o/fresh.txt', headers: { 'x-oss-forbid-overwrite': 'true' }, body: 'new' })).status).toBe(200);
    expect((await send(port, { method: 'PUT', path: '/o/keep.txt', headers: { 'x-oss-forbid-overwrite': 'false' }, body: 'replaced' })).status).toBe(200);
    expect((await send(port, { path: '/o/keep.txt' })).body).toBe('replaced');
  });

  test('a key and a "folder" with the same prefix both work; odd keys stay keys, never paths', async () => {
    await send(port, { method: 'PUT', path: '/o/a', body: 'file a' });
    await send(port, { method: 'PUT', path: '/o/a/b', body: 'file a/b' });
    await send(port, { method: 'PUT', path: '/o/%E6%96%87%E4%BB%B6%20name', body: 'unicode' });
    expect((await send(port, { path: '/o/a' })).body).toBe('file a');
    expect((await send(port, { path: '/o/a/b' })).body).toBe('file a/b');
    expect((await send(port, { path: '/o/%E6%96%87%E4%BB%B6%20name' })).body).toBe('unicode');
    const climb = await send(port, { path: '/o/%2e%2e/%2e%2e/index.db' });
    expect(climb.status).toBe(400);
    // Content files are named by the store, never by key.
    expect(readdirSync(join(dir, 'shop-files', 'objects')).every((f) => /^[0-9a-f-]{36}$/.test(f))).toBe(true);
  });

  test('GetObjectMeta answers ETag, size and Last-Modified (explicit or HEAD ?objectMeta)', async () => {
    await send(port, { method: 'PUT', path: '/o/m.txt', headers: { 'x-oss-meta-owner': 'ann' }, body: '12345' });
    for (const path of ['/meta/m.txt', '/o/m.txt?objectMeta']) {
      const r = await send(port, { method: 'HEAD', path });
      expect([r.status, r.headers['etag'], r.headers['x-oss-object-size'], r.headers['x-oss-meta-owner']]).toEqual([200, etagOf('12345'), '5', undefined]);
    }
  });

  test('PostObject stores the file of a multipart form under the form key', async () => {
    const boundary = '----apigw' + randomUUID();
    const part = (name: string, value: string): string => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body =
      part('key', 'uploads/${filename}') +
      part('x-oss-meta-origin', 'form') +
      part('success_action_status', '201') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n\u0089PNG-bytes\r\n--${boundary}--\r\n`;
    const r = await send(port, { method: 'POST', path: '/upload', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(r.status).toBe(201);
    const got = await send(port, { path: '/o/uploads/photo.png' });
    expect([got.status, got.headers['content-type'], got.headers['x-oss-meta-origin']]).toEqual([200, 'image/png', 'form']);
    const notForm = await send(port, { method: 'POST', path: '/upload', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect([notForm.status, notForm.body.includes('<Code>MalformedPOSTRequest</Code>')]).toEqual([400, true]);
  });

  test('a method that performs no object action answers 405 MethodNotAllowed', async () => {
    const r = await send(port, { method: 'PATCH', path: '/p/x', body: 'x' });
    expect([r.status, r.body.includes('<Code>MethodNotAllowed</Code>')]).toEqual([405, true]);
  });

  test('uploads over the body limit answer 413 and store nothing, with or without Content-Length', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const r = await send(port, { method: 'PUT', path: '/o/too-big', body: big });
    expect([r.status, r.headers['x-ca-error-code']]).toEqual([413, 'I413RL']);
    const chunked = await send(port, { method: 'PUT', path: '/o/too-big', headers: { 'transfer-encoding': 'chunked' }, body: big });
    expect([chunked.status, chunked.headers['x-ca-error-code']]).toEqual([413, 'I413RL']);
    expect((await send(port, { path: '/o/too-big' })).status).toBe(404);
    expect(existsSync(join(dir, 'shop-files', 'index.db'))).toBe(true);
  });
});
