import { ApiGroup, App, BackendService, Testing, type Api, type GatewayStack } from '@apigw/constructs';

/** A small valid stack: one HTTP backend, one group, one signed API, one app authorized in RELEASE. */
export function smallStack(name = 'test'): { stack: GatewayStack; users: BackendService; shop: ApiGroup; getUser: Api; mobile: App } {
  const stack = Testing.stack(name);
  const users = new BackendService(stack, 'users', {
    type: 'HTTP',
    environments: { TEST: { url: 'http://127.0.0.1:9001' }, RELEASE: { url: 'http://127.0.0.1:9002' } },
  });
  const shop = new ApiGroup(stack, 'shop', { domains: ['api.shop.localhost'] });
  const getUser = shop.addApi('getUser', {
    request: { method: 'GET', path: '/users/{id}', mode: 'MAPPING', parameters: [{ name: 'id', in: 'PATH', required: true }] },
    backend: { service: users, path: '/v1/users/{id}' },
    stages: ['TEST', 'RELEASE'],
  });
  const mobile = new App(stack, 'mobile');
  mobile.authorize(getUser, ['RELEASE']);
  return { stack, users, shop, getUser, mobile };
}
