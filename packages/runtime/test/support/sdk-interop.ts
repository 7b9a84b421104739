/**
 * The interop suite with Alibaba's own Node SDK (`aliyun-api-gateway`), an
 * independent signer: its Client (AppKey/AppSecret) and SimpleClient
 * (AppCode) must be accepted by the gateway exactly as by Alibaba's. The
 * suite runs against any set of data planes serving the same document
 * (one data plane, or several gateway nodes on one store): every call is
 * made through each of them.
 */
import type { Echo } from '../dataplane/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client, SimpleClient } = require('aliyun-api-gateway') as {
  Client: new (key: string, secret: string, stage?: string) => SdkClient;
  SimpleClient: new (code: string) => SdkClient;
};

/** The SDK's client: answers the backend's parsed JSON, rejects with `{ code: status }`. */
export interface SdkClient {
  get(url: string, opts?: object): Promise<unknown>;
  post(url: string, opts?: object): Promise<unknown>;
}

/** What the suite calls. */
export interface InteropTarget {
  /** Base URLs of the data planes (`http://127.0.0.1:port`); the group answers host 127.0.0.1. */
  readonly bases: readonly string[];
  /** An app authorized for `/signed` in RELEASE only. */
  readonly app: { readonly appKey: string; readonly appSecret: string; readonly appCode: string };
}

/**
 * Registers the SDK tests in the enclosing `describe`. The target's
 * `/signed` is an APP API (AppCode in the header accepted, anti-replay on)
 * published in RELEASE and TEST, whose backend echoes the request as JSON
 * (`startEcho`). `target` is read when the tests run (after beforeAll).
 */
export function sdkInteropTests(target: () => InteropTarget): void {
  const each = async (call: (base: string) => Promise<void>): Promise<void> => {
    const { bases } = target();
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) await call(base);
  };

  test("Alibaba's SDK Client (AppKey/AppSecret) signs GET with query, and it verifies", () =>
    each(async (base) => {
      const { app } = target();
      const client = new Client(app.appKey, app.appSecret);
      const e = (await client.get(`${base}/signed?b=2&a=1&empty=`, { headers: { 'X-Custom': 'v' }, signHeaders: { 'X-Custom': 'v' } })) as Echo;
      expect(e.method).toBe('GET');
      expect(e.url).toBe('/signed?b=2&a=1&empty=');
      expect(e.headers['x-ca-key']).toBe(app.appKey);
    }));

  test("Alibaba's SDK Client signs form POSTs (form parameters in the signature)", () =>
    each(async (base) => {
      const { app } = target();
      const client = new Client(app.appKey, app.appSecret);
      const e = (await client.post(`${base}/signed?q=1`, {
        data: { nickname: 'nick name', room_id: '6893' },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })) as Echo;
      expect(e.method).toBe('POST');
      expect(e.body).toBe('nickname=nick%20name&room_id=6893');
    }));

  test("Alibaba's SDK Client signs JSON POSTs with Content-MD5", () =>
    each(async (base) => {
      const { app } = target();
      const client = new Client(app.appKey, app.appSecret);
      const e = (await client.post(`${base}/signed`, { data: { hello: 'world' } })) as Echo;
      expect(JSON.parse(e.body)).toEqual({ hello: 'world' });
      expect(e.headers['content-md5']).toBeDefined();
    }));

  test("Alibaba's SDK SimpleClient (AppCode) is accepted and its credential is not forwarded", () =>
    each(async (base) => {
      const e = (await new SimpleClient(target().app.appCode).get(`${base}/signed`)) as Echo;
      expect(e.url).toBe('/signed');
      expect(e.headers['authorization']).toBeUndefined();
    }));

  test('SDK requests of an unauthorized stage are refused with 403', () =>
    each(async (base) => {
      const { app } = target();
      const client = new Client(app.appKey, app.appSecret, 'TEST');
      await expect(client.get(`${base}/signed`)).rejects.toMatchObject({ code: 403 });
    }));
}
