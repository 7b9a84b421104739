/**
 * Helpers of the multi-node tests: a published MOCK API to follow from
 * node to node, a data-plane GET, and a wait for what a node learns
 * asynchronously.
 */
import { request } from 'node:http';
import type { Operation } from '../../src/model';

/** GET on a node's data plane for the shop group (or, with `host`, on any listener). */
export function get(url: string, path: string, host = 'api.shop.localhost'): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', agent: false, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
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
