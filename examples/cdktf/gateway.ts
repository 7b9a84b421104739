/**
 * The shop gateway as constructs. The same program serves every tool:
 *
 *   apigw plan -f gateway.ts             the apigw CLI applies it directly
 *   cdktf deploy shop                    main.ts turns it into Terraform resources
 *
 * Backend addresses come from the environment, loopback ports by default:
 *
 *   EXAMPLE_USERS_TEST_URL      users service, TEST      (http://127.0.0.1:9001)
 *   EXAMPLE_USERS_RELEASE_URL   users service, RELEASE   (http://127.0.0.1:9002)
 */
import { ApiGroup, App, BackendService, GatewayStack } from '@apigw/constructs';

/** Builds the shop stack from `env` (process.env by default). */
export default function shop(env: Readonly<Record<string, string | undefined>> = process.env): GatewayStack {
  const stack = new GatewayStack('shop');

  const users = new BackendService(stack, 'users', {
    type: 'HTTP',
    description: 'The users service.',
    environments: {
      TEST: { url: env['EXAMPLE_USERS_TEST_URL'] ?? 'http://127.0.0.1:9001' },
      RELEASE: { url: env['EXAMPLE_USERS_RELEASE_URL'] ?? 'http://127.0.0.1:9002' },
    },
  });

  const status = new BackendService(stack, 'status_mock', { type: 'MOCK', description: 'Answers health checks from the gateway itself.' });
  for (const stage of ['TEST', 'RELEASE'] as const)
    status.addEnvironment(stage, { mock: { statusCode: 200, body: JSON.stringify({ status: 'ok', stage }), headers: { 'content-type': 'application/json' } } });

  const group = new ApiGroup(stack, 'shop', { description: 'Public shop API.', domains: ['api.shop.localhost'] });

  const getUser = group.addApi('getUser', {
    description: 'One user, for authorized apps.',
    auth: { type: 'APP', appCode: 'HEADER' },
    request: { method: 'GET', path: '/users/{id}', mode: 'MAPPING', parameters: [{ name: 'id', in: 'PATH', type: 'LONG', required: true }] },
    backend: { service: users, path: '/v1/users/{id}', method: 'GET' },
    stages: ['TEST', 'RELEASE'],
  });

  group.addApi('health', {
    description: 'Liveness, for anyone.',
    auth: { type: 'ANONYMOUS' },
    request: { method: 'GET', path: '/health' },
    backend: { service: status, path: '/' },
    stages: ['TEST', 'RELEASE'],
  });

  new App(stack, 'mobile', { description: 'The shop mobile app.' }).authorize(getUser, ['TEST', 'RELEASE']);

  return stack;
}
