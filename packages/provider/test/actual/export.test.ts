import { parseDocument } from '@apigw/schema';
import { exportDocument, stacksOf } from '../../src/actual';
import { computePlan } from '../../src/diff';
import { ExportAmbiguousError } from '../../src/errors';
import { liveStateOf } from '../scenarios/live-state';

const live = liveStateOf({
  apiVersion: 'apigw/v1',
  stack: 'shop',
  revision: 3,
  owners: { 'backendService users': 'platform', 'app opsApp': 'platform' },
  backendServices: [{ name: 'users', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:1' } } }],
  groups: [{ name: 'shop', domains: ['a.localhost'], certificates: [{ domain: 'a.localhost', certificatePem: 'CERT', privateKeyPem: 'KEY' }] }],
  apis: [{ group: 'shop', name: 'listUsers', request: { method: 'GET', path: '/users' }, backend: { service: 'users', path: '/' }, stages: ['RELEASE'] }],
  apps: [{ name: 'opsApp' }],
  authorizations: [{ app: 'opsApp', api: 'shop/listUsers', stages: ['RELEASE'] }],
} as never);

describe('export', () => {
  it("exports one stack's resources, with references to others as imports and no secrets", () => {
    const doc = exportDocument(live, 'shop');
    expect(doc.backendServices).toEqual([]);
    expect(doc.apis.map((a) => `${a.group}/${a.name} ${a.stages.join(',')}`)).toEqual(['shop/listUsers RELEASE']);
    expect(doc.imports).toEqual({ backendServices: ['users'], apps: ['opsApp'] });
    expect(JSON.stringify(doc)).not.toContain('KEY');
  });

  it('needs --stack when several stacks own resources', () => {
    expect(stacksOf(live)).toEqual(['platform', 'shop']);
    expect(() => exportDocument(live)).toThrow(ExportAmbiguousError);
    expect(exportDocument(live, 'platform').backendServices.map((b) => b.name)).toEqual(['users']);
  });

  it('plans no change when fed back', () => {
    const doc = exportDocument(live, 'platform');
    expect(computePlan(parseDocument(doc), live).events).toEqual([]);
  });
});
