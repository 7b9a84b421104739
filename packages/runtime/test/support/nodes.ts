/**
 * Helpers of the multi-node tests: a published MOCK API to follow from
 * node to node, a data-plane GET, and a wait for what a node learns
 * asynchronously.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { sign } from '../../src/dataplane';
import type { Operation } from '../../src/model';

/** GET with the given headers; the answer's status, body and headers. */
export function getWith(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET on a node's data plane for the shop group (or, with `host`, on any listener). */
export async function get(url: string, path: string, host = 'api.shop.localhost'): Promise<{ status: number; body: string }> {
  const { status, body } = await getWith(url, path, { host });
  return { status, body };
}

const ops = (list: unknown[]) => list as Operation[];
const stub = (body: string) => ({ name: 'stub', type: 'MOCK', environments: { RELEASE: { mock: { statusCode: 200, body, headers: { 'content-type': 'text/plain' } } } } });
const hello = { group: 'shop', name: 'hello', auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/hello' }, backend: { service: 'stub', path: '/hello' } };
export const helloOperations = (body: string): Operation[] =>
  ops([
    { op: 'create', kind: 'backendService', spec: stub(body) },
    { op: 'create', kind: 'group', spec: { name: 'shop', domains: ['api.shop.localhost'] } },
    { op: 'create', kind: 'api', spec: hello },
    { op: 'publish', api: 'shop/hello', stage: 'RELEASE' },
  ]);
export const repoint = (body: string): Operation[] => ops([{ op: 'update', kind: 'backendService', spec: stub(body) }]);

/** Resolves when `check` passes (polled: a node learns of a commit asynchronously), rejects after `ms`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Headers of a GET on `path` of the shop group signed with an app's AppKey and AppSecret (a fresh nonce and timestamp). */
export function signedHeaders(appKey: string, appSecret: string, path: string): Record<string, string> {
  const headers: Record<string, string> = {
    host: 'api.shop.localhost',
    'x-ca-key': appKey,
    'x-ca-timestamp': String(Date.now()),
    'x-ca-nonce': randomUUID(),
    'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
  };
  headers['x-ca-signature'] = sign('HmacSHA256', appSecret, { method: 'GET', headers, path, query: null, form: null });
  return headers;
}
