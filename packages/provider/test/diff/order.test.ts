import { parseDocument } from '@apigw/schema';
import type { Operation } from '@apigw/runtime';
import { computePlan } from '../../src/diff';
import { liveStateOf } from '../scenarios/live-state';

const label = (o: Operation) =>
  o.op === 'publish' || o.op === 'unpublish' ? `${o.op} ${o.api} ${o.stage}` : o.op === 'create' || o.op === 'update' ? `${o.op} ${o.kind}` : `${o.op} ${o.kind} ${o.id}`;

const base = {
  apiVersion: 'apigw/v1',
  stack: 'shop',
  backendServices: [{ name: 'users', type: 'HTTP', environments: { TEST: { url: 'http://127.0.0.1:1' }, RELEASE: { url: 'http://127.0.0.1:2' } } }],
  groups: [{ name: 'shop' }],
  apis: [{ group: 'shop', name: 'listUsers', request: { method: 'GET', path: '/users' }, backend: { service: 'users', path: '/users' }, stages: ['TEST', 'RELEASE'] }],
  apps: [{ name: 'mobile' }],
  authorizations: [{ app: 'mobile', api: 'shop/listUsers', stages: ['TEST', 'RELEASE'] }],
};

describe('operation order', () => {
  it('adopts before it unpublishes or updates what it adopted', () => {
    const desired = parseDocument({ ...base, apis: [{ ...base.apis[0], stages: ['RELEASE'] }], authorizations: [] });
    const live = liveStateOf({ ...base, owners: { 'api shop/listUsers': 'billing' } });
    const ops = computePlan(desired, live, { adopt: true }).operations.map(label);
    expect(ops).toEqual(['adopt api shop/listUsers', 'delete authorization mobile:shop/listUsers', 'unpublish shop/listUsers TEST']);
  });

  it('narrows an authorization before unpublishing the stage it drops', () => {
    const desired = parseDocument({ ...base, apis: [{ ...base.apis[0], stages: ['RELEASE'] }], authorizations: [{ ...base.authorizations[0], stages: ['RELEASE'] }] });
    const ops = computePlan(desired, liveStateOf(base)).operations.map(label);
    expect(ops).toEqual(['update authorization', 'unpublish shop/listUsers TEST']);
  });

  it('updates what moves away from a resource before deleting it', () => {
    const desired = parseDocument({
      ...base,
      backendServices: [{ name: 'orders', type: 'HTTP', environments: { TEST: { url: 'http://127.0.0.1:3' }, RELEASE: { url: 'http://127.0.0.1:4' } } }],
      apis: [{ ...base.apis[0], backend: { service: 'orders', path: '/users' } }],
    });
    const ops = computePlan(desired, liveStateOf(base)).operations.map(label);
    expect(ops).toEqual(['create backendService', 'update api', 'publish shop/listUsers TEST', 'publish shop/listUsers RELEASE', 'delete backendService users']);
  });

  it('grants authorizations after publishing', () => {
    const ops = computePlan(parseDocument(base), liveStateOf({ apiVersion: 'apigw/v1', stack: 'shop' })).operations.map(label);
    expect(ops).toEqual([
      'create backendService',
      'create group',
      'create api',
      'publish shop/listUsers TEST',
      'publish shop/listUsers RELEASE',
      'create app',
      'create authorization',
    ]);
  });
});
