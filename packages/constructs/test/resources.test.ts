import {
  Api,
  ApiGroup,
  App,
  Authorization,
  BackendService,
  ConflictingAuthorizationError,
  DuplicateEnvironmentError,
  GatewayStack,
  Testing,
  VpcAccess,
} from '@apigw/constructs';
import { smallStack } from './fixtures';

describe('BackendService', () => {
  test('one definition per environment, VPC environments referring to a VpcAccess object', () => {
    const stack = Testing.stack();
    const vpc = new VpcAccess(stack, 'shop_vpc', { vpcId: 'vpc-1', instanceId: 'i-web1', port: 8081, host: 'shop.internal' });
    const orders = new BackendService(stack, 'orders', { type: 'VPC' })
      .addEnvironment('RELEASE', { vpcAccess: vpc, https: true })
      .addEnvironment('TEST', { vpcAccess: vpc });
    expect(orders.stages).toEqual(['TEST', 'RELEASE']);
    expect(orders.environment('RELEASE')).toEqual({ vpcAccess: vpc, https: true });
    expect(orders.environment('PRE')).toBeUndefined();
    expect(stack.synth().backendServices).toEqual([
      { name: 'orders', type: 'VPC', environments: { TEST: { vpcAccess: 'shop_vpc' }, RELEASE: { vpcAccess: 'shop_vpc', https: true } } },
    ]);
  });

  test('a second definition for one environment is refused at once', () => {
    const { users } = smallStack();
    expect(() => users.addEnvironment('TEST', { url: 'http://127.0.0.1:1' })).toThrow(DuplicateEnvironmentError);
    expect(() => users.addEnvironment('RELEASE', { url: 'http://127.0.0.1:1' })).toThrow('[test/users] backend service already has a RELEASE definition');
  });

  test('MOCK definitions get their defaults filled', () => {
    const stack = Testing.stack();
    new BackendService(stack, 'stub', { type: 'MOCK', environments: { TEST: { mock: { statusCode: 204 } } } });
    expect(stack.synth().backendServices[0]!.environments.TEST).toEqual({ mock: { statusCode: 204, body: '', headers: {} } });
  });
});

describe('Api', () => {
  test('group.addApi returns the Api, a child of the group, with the group filled in', () => {
    const { shop, getUser } = smallStack();
    expect(Api.isApi(getUser)).toBe(true);
    expect(getUser.group).toBe(shop);
    expect(getUser.node.path).toBe('test/shop/getUser');
    expect(getUser.apiRef).toBe('shop/getUser');
    expect(getUser.stages).toEqual(['TEST', 'RELEASE']);
  });

  test('an API can also be created with new, naming its group', () => {
    const { stack, shop, users } = smallStack();
    const api = new Api(stack, 'Health', {
      group: shop,
      apiName: 'health',
      auth: { type: 'ANONYMOUS' },
      request: { method: 'GET', path: '/health' },
      backend: { service: users, path: '/health' },
    });
    expect(api.apiRef).toBe('shop/health');
    expect(stack.synth().apis.map((a) => [a.name, a.auth.type, a.stages])).toEqual([
      ['getUser', 'APP', ['TEST', 'RELEASE']],
      ['health', 'ANONYMOUS', []],
    ]);
  });

  test('props are copied: changing the object passed in later changes nothing', () => {
    const { stack, shop, users } = smallStack();
    const request = { method: 'GET' as const, path: '/copy', parameters: [] as { name: string; in: 'QUERY' }[] };
    shop.addApi('copied', { request, backend: { service: users, path: '/' } });
    request.path = '/changed';
    request.parameters.push({ name: 'late', in: 'QUERY' });
    const api = stack.synth().apis.find((a) => a.name === 'copied')!;
    expect(api.request.path).toBe('/copy');
    expect(api.request.parameters).toEqual([]);
  });
});

describe('App and Authorization', () => {
  test('app.authorize makes one Authorization per API under the app', () => {
    const { mobile, getUser } = smallStack();
    const auth = mobile.authorize(getUser, ['TEST']);
    expect(Authorization.isAuthorization(auth)).toBe(true);
    expect(auth.node.path).toBe('test/mobile/shop.getUser');
    expect(auth.stages).toEqual(['TEST', 'RELEASE']);
    expect(auth.app).toBe(mobile);
    expect(auth.api).toBe(getUser);
  });

  test('expiry is written as an RFC 3339 time; a repeated grant must agree with it', () => {
    const { stack, mobile, shop, users } = smallStack();
    const listUsers = shop.addApi('listUsers', { request: { method: 'GET', path: '/users' }, backend: { service: users, path: '/' }, stages: ['RELEASE'] });
    mobile.authorize(listUsers, ['RELEASE'], { expiresAt: new Date(Date.UTC(2031, 5, 1)) });
    expect(() => mobile.authorize(listUsers, ['RELEASE'], { expiresAt: '2032-01-01T00:00:00Z' })).toThrow(ConflictingAuthorizationError);
    expect(mobile.authorize(listUsers, ['RELEASE'], { expiresAt: '2031-06-01T00:00:00.000Z' }).expiresAt).toBe('2031-06-01T00:00:00.000Z');
    expect(stack.synth().authorizations[1]).toEqual({ app: 'mobile', api: 'shop/listUsers', stages: ['RELEASE'], expiresAt: '2031-06-01T00:00:00.000Z' });
  });

  test('an invalid Date is reported at its pointer, not thrown while rendering', () => {
    const { stack, mobile, getUser } = smallStack();
    const app = new App(stack, 'tablet');
    app.authorize(getUser, ['RELEASE'], { expiresAt: new Date('not a date') });
    expect(mobile.appName).toBe('mobile');
    expect(Testing.synthProblems(stack).map((p) => [p.code, p.path, p.pointer])).toEqual([
      ['SCHEMA_VIOLATION', 'test/tablet/shop.getUser', '/authorizations/1/expiresAt'],
    ]);
  });
});

describe('imports', () => {
  test('fromXxxName() refers to resources of other stacks; the document lists them under imports', () => {
    // GIVEN a stack building on resources another stack owns
    const stack = new GatewayStack('edge');
    const partnerGroup = ApiGroup.fromGroupName(stack, 'PartnerGroup', 'partner');
    const sharedUsers = BackendService.fromBackendServiceName(stack, 'SharedUsers', 'shared_users');
    const sharedVpc = VpcAccess.fromVpcAccessName(stack, 'SharedVpc', 'shared_vpc');
    const partnerApp = App.fromAppName(stack, 'PartnerApp', 'partner_app');
    const remoteApi = Api.fromApiName(stack, 'RemoteApi', partnerGroup, 'listThings');
    new BackendService(stack, 'edge_orders', { type: 'VPC', environments: { RELEASE: { vpcAccess: sharedVpc } } });
    const api = partnerGroup.addApi('edgeUser', {
      request: { method: 'GET', path: '/edge/users' },
      backend: { service: sharedUsers, path: '/v1/users' },
      stages: ['PRE'],
    });
    partnerApp.authorize(api, ['PRE']);
    partnerApp.authorize(remoteApi, ['RELEASE']);
    // WHEN it is synthesized
    const doc = stack.synth();
    // THEN imported resources are referenced by name and listed, never defined
    expect(doc.imports).toEqual({
      apis: ['partner/listThings'],
      apps: ['partner_app'],
      backendServices: ['shared_users'],
      groups: ['partner'],
      vpcAccesses: ['shared_vpc'],
    });
    expect(doc.groups).toEqual([]);
    expect(doc.apps).toEqual([]);
    expect(doc.apis.map((a) => [a.group, a.name, a.backend.service])).toEqual([['partner', 'edgeUser', 'shared_users']]);
    expect(doc.authorizations.map((a) => [a.app, a.api])).toEqual([
      ['partner_app', 'partner/edgeUser'],
      ['partner_app', 'partner/listThings'],
    ]);
    expect(remoteApi.apiRef).toBe('partner/listThings');
    expect(ApiGroup.isApiGroup(partnerGroup)).toBe(false);
  });

  test('an unreferenced import adds nothing', () => {
    const stack = Testing.stack();
    App.fromAppName(stack, 'Unused', 'unused_app');
    expect('imports' in stack.synth()).toBe(false);
  });
});

describe('isXxx guards', () => {
  test('recognise their own class only', () => {
    const { stack, users, shop, getUser, mobile } = smallStack();
    const vpc = new VpcAccess(stack, 'vpc_one', { vpcId: 'vpc-1', instanceId: 'i-1', port: 80 });
    const all = [stack, vpc, users, shop, getUser, mobile, mobile.node.findChild('shop.getUser')];
    const guards = [
      GatewayStack.isGatewayStack,
      VpcAccess.isVpcAccess,
      BackendService.isBackendService,
      ApiGroup.isApiGroup,
      Api.isApi,
      App.isApp,
      Authorization.isAuthorization,
    ];
    expect(guards.map((guard) => all.map((c) => guard(c)))).toEqual(
      guards.map((_, i) => all.map((_c, j) => i === j)),
    );
    expect(guards.map((guard) => guard(undefined) || guard(null) || guard({}) || guard('x'))).toEqual(guards.map(() => false));
  });

  test('survive two copies of the package, and references across copies synthesize', () => {
    // GIVEN a second, separately loaded copy of @apigw/constructs
    let other: typeof import('@apigw/constructs') | undefined;
    jest.isolateModules(() => {
      other = require('@apigw/constructs') as typeof import('@apigw/constructs');
    });
    const copy = other!;
    expect(copy.GatewayStack).not.toBe(GatewayStack);
    // WHEN constructs of both copies are mixed in one stack
    const stack = new copy.GatewayStack('mixed');
    const users = new BackendService(stack, 'users', { type: 'HTTP', environments: { TEST: { url: 'http://127.0.0.1:9001' } } });
    const group = new copy.ApiGroup(stack, 'shop');
    const api = group.addApi('getUser', { request: { method: 'GET', path: '/u' }, backend: { service: users, path: '/' }, stages: ['TEST'] });
    // THEN each copy's guards recognise the other's constructs, and synthesis sees all of them
    expect(GatewayStack.isGatewayStack(stack)).toBe(true);
    expect(Api.isApi(api)).toBe(true);
    expect(copy.BackendService.isBackendService(users)).toBe(true);
    expect(stack.synth().apis.map((a) => a.backend.service)).toEqual(['users']);
  });
});
