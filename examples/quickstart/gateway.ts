/**
 * The quickstart gateway: a small shop with a public API group and an admin
 * group, three kinds of backend (HTTP, VPC and MOCK) defined for TEST and
 * RELEASE, and two apps.
 *
 * Backend addresses come from the environment so the demo can point them at
 * the servers it starts; the defaults are loopback ports:
 *
 *   QUICKSTART_USERS_TEST_URL      users service, TEST      (http://127.0.0.1:9001)
 *   QUICKSTART_USERS_RELEASE_URL   users service, RELEASE   (http://127.0.0.1:9002)
 *   QUICKSTART_ORDERS_PORT         port of i-quickstart-orders behind the VPC access (9003)
 *
 * The VPC access names instance `i-quickstart-orders`; the runtime's
 * inventory maps that id to a loopback address.
 *
 *   apigw synth examples/quickstart/gateway.ts -o examples/quickstart/gateway.json
 */
import { ApiGroup, App, BackendService, GatewayStack, VpcAccess } from '@apigw/constructs';

/** Environment variables the quickstart reads. */
export type QuickstartEnv = Readonly<Record<string, string | undefined>>;

/** Builds the quickstart stack from `env` (process.env by default). */
export default function quickstart(env: QuickstartEnv = process.env): GatewayStack {
  const stack = new GatewayStack('shop');

  // --- Backends: one definition per environment -------------------------
  const ordersVpc = new VpcAccess(stack, 'orders_vpc', {
    vpcId: 'vpc-quickstart',
    instanceId: 'i-quickstart-orders',
    port: Number(env.QUICKSTART_ORDERS_PORT ?? 9003),
    host: 'orders.internal',
    description: 'The orders service inside the shop VPC.',
  });

  const users = new BackendService(stack, 'users', {
    type: 'HTTP',
    description: 'The users service.',
    environments: {
      TEST: { url: env.QUICKSTART_USERS_TEST_URL ?? 'http://127.0.0.1:9001' },
      RELEASE: { url: env.QUICKSTART_USERS_RELEASE_URL ?? 'http://127.0.0.1:9002' },
    },
  });

  const orders = new BackendService(stack, 'orders', { type: 'VPC', description: 'The orders service, reached through the VPC access.' })
    .addEnvironment('TEST', { vpcAccess: ordersVpc })
    .addEnvironment('RELEASE', { vpcAccess: ordersVpc, https: false });

  const status = new BackendService(stack, 'status_mock', { type: 'MOCK', description: 'Answers health checks from the gateway itself.' });
  for (const stage of ['TEST', 'RELEASE'] as const) {
    status.addEnvironment(stage, {
      mock: { statusCode: 200, body: JSON.stringify({ status: 'ok', stage }), headers: { 'content-type': 'application/json' } },
    });
  }

  // --- The public shop API ---------------------------------------------
  const shop = new ApiGroup(stack, 'shop', {
    description: 'Public shop API.',
    domains: ['api.shop.localhost'],
  });

  const getUser = shop.addApi('getUser', {
    description: 'One user, for signed-in apps.',
    auth: { type: 'APP', appCode: 'HEADER_QUERY', signatureMethod: 'HmacSHA256', antiReplay: true },
    request: {
      method: 'GET',
      path: '/users/{id}',
      mode: 'MAPPING',
      parameters: [
        { name: 'id', in: 'PATH', type: 'LONG', required: true },
        { name: 'verbose', in: 'QUERY', type: 'BOOLEAN', default: 'false' },
        { name: 'fields', in: 'QUERY', type: 'STRING', backendName: 'select' },
      ],
    },
    backend: {
      service: users,
      path: '/v1/users/{id}',
      method: 'GET',
      timeoutMs: 5000,
      constantParameters: [{ name: 'x-tenant', in: 'HEAD', value: 'shop' }],
      systemParameters: [{ name: 'CaClientIp', in: 'HEAD', as: 'x-client-ip' }],
    },
    stages: ['TEST', 'RELEASE'],
  });
  getUser.addSystemParameter({ name: 'CaRequestId', in: 'HEAD', as: 'x-request-id' });

  const listUsers = shop.addApi('listUsers', {
    description: 'Public user directory; anyone may call it.',
    auth: { type: 'ANONYMOUS' },
    request: { method: 'GET', path: '/users' },
    backend: { service: users, path: '/v1/users', method: 'GET' },
  });
  listUsers.publish('TEST', 'RELEASE');

  const getOrder = shop.addApi('getOrder', {
    description: 'One order, from the orders service in the VPC.',
    request: {
      method: 'GET',
      path: '/orders/{orderId}',
      mode: 'MAPPING',
      parameters: [{ name: 'orderId', in: 'PATH', type: 'STRING', required: true, backendName: 'id' }],
    },
    backend: { service: orders, path: '/orders/{id}', method: 'GET' },
    stages: ['TEST', 'RELEASE'],
  });

  shop.addApi('health', {
    description: 'Liveness answered by the gateway.',
    auth: { type: 'ANONYMOUS' },
    request: { method: 'GET', path: '/health' },
    backend: { service: status, path: '/health' },
    stages: ['TEST', 'RELEASE'],
  });

  // --- The admin API -----------------------------------------------------
  const admin = new ApiGroup(stack, 'admin_api', {
    description: 'Back-office API.',
    basePath: '/admin',
    domains: ['admin.shop.localhost'],
  });

  const createUser = admin.addApi('createUser', {
    description: 'Creates a user.',
    auth: { type: 'APP', appCode: 'HEADER' },
    request: {
      method: 'POST',
      path: '/users',
      mode: 'MAPPING',
      parameters: [
        { name: 'name', in: 'BODY', type: 'STRING', required: true },
        { name: 'age', in: 'BODY', type: 'INT' },
        { name: 'X-Admin-Reason', in: 'HEAD', type: 'STRING', default: 'unspecified', backendName: 'x-audit-reason' },
      ],
    },
    backend: { service: users, path: '/v1/users', method: 'POST', timeoutMs: 15000 },
    stages: ['TEST', 'RELEASE'],
  });

  const deleteUser = admin.addApi('deleteUser', {
    description: 'Deletes a user; only in TEST until it is reviewed.',
    request: {
      method: 'DELETE',
      path: '/users/{id}',
      mode: 'MAPPING',
      parameters: [{ name: 'id', in: 'PATH', type: 'LONG', required: true }],
    },
    backend: { service: users, path: '/v1/users/{id}', method: 'DELETE' },
    stages: ['TEST'],
  });

  admin.addApi('ping', {
    description: 'The admin group answers.',
    auth: { type: 'ANONYMOUS' },
    request: { method: 'GET', path: '/ping' },
    backend: { service: status, path: '/ping' },
    stages: ['TEST', 'RELEASE'],
  });

  // --- Apps and what they may call ----------------------------------------
  const mobile = new App(stack, 'mobile', { description: 'The shop mobile app.' });
  mobile.authorize(getUser, ['RELEASE']);
  mobile.authorize(getOrder, ['RELEASE']);

  const backoffice = new App(stack, 'backoffice', { description: 'The back-office console.' });
  backoffice.authorize(createUser, ['TEST', 'RELEASE']);
  backoffice.authorize(deleteUser, ['TEST'], { expiresAt: '2030-01-01T00:00:00Z' });

  return stack;
}
