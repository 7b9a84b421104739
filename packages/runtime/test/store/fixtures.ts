/**
 * Resource specs and helpers shared by the control-plane tests: a small
 * shop with a VPC access, an HTTP backend with TEST and RELEASE
 * definitions, a group, an API, an app and an authorization.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Operation } from '../../src/model';

export const vpc = { name: 'shop_vpc', vpcId: 'vpc-1', instanceId: 'i-web1', port: 8081 };
export const users = {
  name: 'users',
  type: 'HTTP',
  environments: { TEST: { url: 'http://127.0.0.1:9001' }, RELEASE: { url: 'http://127.0.0.1:9002' } },
};
export const orders = { name: 'orders', type: 'VPC', environments: { RELEASE: { vpcAccess: 'shop_vpc' } } };
export const group = { name: 'shop', domains: ['api.shop.localhost'] };
export function api(name = 'getUser', path = '/users/{id}', service = 'users') {
  return {
    group: 'shop',
    name,
    request: { method: 'GET', path, parameters: path.includes('{id}') ? [{ name: 'id', in: 'PATH', type: 'STRING', required: true }] : [] },
    backend: { service, path: path.includes('{id}') ? '/v1/users/{id}' : '/v1/x' },
  };
}
export const app = { name: 'mobile' };
export const authorization = { app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'] };

/** Operations that build the whole shop, published to TEST and RELEASE. */
export function shopOperations(): Operation[] {
  return [
    { op: 'create', kind: 'vpcAccess', spec: vpc },
    { op: 'create', kind: 'backendService', spec: users },
    { op: 'create', kind: 'backendService', spec: orders },
    { op: 'create', kind: 'group', spec: group },
    { op: 'create', kind: 'api', spec: api() },
    { op: 'publish', api: 'shop/getUser', stage: 'TEST' },
    { op: 'publish', api: 'shop/getUser', stage: 'RELEASE' },
    { op: 'create', kind: 'app', spec: app },
    { op: 'create', kind: 'authorization', spec: authorization },
  ] as unknown as Operation[];
}

/** A fresh temporary directory; `cleanup` removes it. */
export function tempDir(prefix = 'apigw-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
