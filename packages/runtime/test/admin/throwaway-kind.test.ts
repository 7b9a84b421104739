/**
 * A kind defined with one defineKind call (`banner`, in the document's
 * `banners`: schema/test/fixtures/banner-kind.ts, the provider's
 * throwaway-kind test's kind) is accepted by a real gateway's admin API
 * with no other edit: `POST /v1/batch` takes its operations (the batch
 * schema's kinds come from the registry), its collection URL follows from
 * its collection (`/v1/banners`), and the store keeps, checks, reads back
 * and deletes it like any other kind.
 */
import { RESOURCE_PATHS, resourcePath } from '../../src/client';
import { startHarness, type Harness } from './harness';
// Defined after the runtime's modules are loaded, as a program that imports
// @apigw/runtime and then calls defineKind does.
import '../../../../schema/test/fixtures/banner-kind';

const group = { name: 'shop', domains: ['api.shop.localhost'] };
const welcome = { name: 'welcome', group: 'shop', text: 'Hello' };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

test('every built-in kind keeps its published URL', () => {
  expect(
    ([
      ['vpcAccess', 'office'],
      ['backendService', 'users'],
      ['group', 'shop'],
      ['api', 'shop/getUser'],
      ['app', 'mobile'],
      ['authorization', 'mobile:shop/getUser'],
      ['plugin', 'cors'],
      ['pluginAttachment', 'cors:shop/getUser'],
      ['pluginAttachment', 'cors:shop'],
    ] as const).map(([kind, id]) => resourcePath(kind, id)),
  ).toEqual([
    '/v1/vpc-accesses/office',
    '/v1/backend-services/users',
    '/v1/groups/shop',
    '/v1/apis/shop/getUser',
    '/v1/apps/mobile',
    '/v1/authorizations/mobile/shop/getUser',
    '/v1/plugins/cors',
    '/v1/plugin-attachments/cors/shop%2FgetUser',
    '/v1/plugin-attachments/cors/shop',
  ]);
  expect([resourcePath('api', 'shop'), resourcePath('authorization', 'mobile:shop'), resourcePath('group', 'a/b'), resourcePath('pluginAttachment', 'cors:')]).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  expect(RESOURCE_PATHS.api.id(['shop', 'getUser'])).toBe('shop/getUser');
  expect(RESOURCE_PATHS.authorization.identity(['mobile', 'shop', 'getUser'])).toEqual({ app: 'mobile', api: 'shop/getUser' });
});

test('its admin path comes from the registry', () => {
  expect(RESOURCE_PATHS.banner.collection).toBe('/v1/banners');
  expect(resourcePath('banner', 'welcome')).toBe('/v1/banners/welcome');
  expect(resourcePath('banner', 'a/b')).toBeUndefined();
});

test('GIVEN a batch creating a banner THEN it is committed, read back by its URL, listed, in the state, updated and deleted', async () => {
  const created = await h.call('POST', '/v1/batch', {
    body: { stack: 'shop', operations: [{ op: 'create', kind: 'group', spec: group }, { op: 'create', kind: 'banner', spec: welcome }] },
  });
  expect(created.status).toBe(200);
  expect(created.json.results).toEqual([
    { index: 0, op: 'create', kind: 'group', id: 'shop' },
    { index: 1, op: 'create', kind: 'banner', id: 'welcome' },
  ]);

  const read = await h.call('GET', '/v1/banners/welcome');
  expect(read.status).toBe(200);
  expect(read.json).toMatchObject({ kind: 'banner', id: 'welcome', stack: 'shop', spec: { ...welcome, color: 'blue' } });
  expect((await h.call('GET', '/v1/banners')).json.items.map((n: { id: string }) => n.id)).toEqual(['welcome']);
  expect((await h.call('GET', '/v1/state')).json.banners.map((n: { id: string }) => n.id)).toEqual(['welcome']);

  // Its own collection URL takes a create and a replace like any kind's.
  const posted = await h.call('POST', '/v1/banners?stack=shop', { body: { name: 'closed', group: 'shop', text: 'Back soon', color: 'red' } });
  expect(posted.status).toBe(201);
  const replaced = await h.call('PUT', '/v1/banners/welcome?stack=shop', { body: { group: 'shop', text: 'Welcome back' } });
  expect(replaced.status).toBe(200);
  expect((await h.call('GET', '/v1/banners/welcome')).json.spec).toEqual({ name: 'welcome', group: 'shop', text: 'Welcome back', color: 'blue' });
  expect((await h.call('GET', '/v1/banners')).json.items.map((n: { id: string }) => n.id).sort()).toEqual(['closed', 'welcome']);

  const deleted = await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: [{ op: 'delete', kind: 'banner', id: 'closed' }] } });
  expect(deleted.status).toBe(200);
  expect((await h.call('GET', '/v1/banners/closed')).status).toBe(404);
});

test('GIVEN a banner its schema or its references refuse THEN the batch names the place and changes nothing', async () => {
  await h.call('POST', '/v1/batch', { body: { stack: 'shop', operations: [{ op: 'create', kind: 'group', spec: group }] } });
  const before = (await h.call('GET', '/v1/state')).json.revision;

  const tooLong = await h.call('POST', '/v1/batch', {
    body: { stack: 'shop', operations: [{ op: 'create', kind: 'banner', spec: { ...welcome, text: 'x'.repeat(201) } }] },
  });
  expect(tooLong.status).toBe(400);
  expect(JSON.stringify(tooLong.json)).toContain('APIGW_SPEC_INVALID');
  expect(JSON.stringify(tooLong.json)).toContain('/operations/0/spec/text');

  const nowhere = await h.call('POST', '/v1/batch', {
    body: { stack: 'shop', operations: [{ op: 'create', kind: 'banner', spec: { ...welcome, group: 'nowhere' } }] },
  });
  expect(nowhere.status).toBe(400);
  expect(JSON.stringify(nowhere.json)).toContain('/operations/0/spec/group');

  const renamed = await h.call('PUT', '/v1/banners/welcome?stack=shop', { body: { ...welcome, name: 'other' } });
  expect(renamed.status).toBe(400);

  expect((await h.call('GET', '/v1/state')).json.revision).toBe(before);
  expect((await h.call('GET', '/v1/banners')).json.items).toEqual([]);
});
