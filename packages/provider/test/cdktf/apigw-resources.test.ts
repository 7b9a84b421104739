/**
 * ApigwResources inside a CDKTF TerraformStack, and the way back: a
 * synthesized cdk.tf.json read as an apigw document.
 */
import { App as CdktfApp, Testing, TerraformStack } from 'cdktf';
import { ApiGroup, App, BackendService, GatewayStack, VpcAccess } from '@apigw/constructs';
import { validateDocument } from '@apigw/schema';
import { ApigwResources } from '../../src/cdktf/apigw-resources';
import { TfJsonInvalidError } from '../../src/cdktf/errors';
import { documentFromTfJson } from '../../src/cdktf/from-tf-json';
import { ApigwProvider } from '../../src/cdktf/generated/provider';

/** A gateway using every kind, with references between them. */
function shop(): GatewayStack {
  const stack = new GatewayStack('shop');
  const vpc = new VpcAccess(stack, 'orders_vpc', { vpcId: 'vpc-1', instanceId: 'i-orders', port: 8081 });
  const orders = new BackendService(stack, 'orders', { type: 'VPC' }).addEnvironment('RELEASE', { vpcAccess: vpc, https: false });
  const mock = new BackendService(stack, 'status_mock', { type: 'MOCK' });
  mock.addEnvironment('TEST', { mock: { statusCode: 200, body: 'ok', headers: { 'content-type': 'text/plain', 'X-Mixed-Case': 'kept' } } });
  const group = new ApiGroup(stack, 'shop', { domains: ['api.shop.localhost'] });
  const list = group.addApi('listOrders', {
    auth: { type: 'APP', appCode: 'HEADER_QUERY' },
    request: { method: 'GET', path: '/orders', mode: 'MAPPING', parameters: [{ name: 'limit', in: 'QUERY', type: 'INT', default: '10' }] },
    backend: { service: orders, path: '/v1/orders', systemParameters: [{ name: 'CaClientIp', in: 'HEAD', as: 'x-client-ip' }] },
    stages: ['RELEASE'],
  });
  group.addApi('status', { auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/status' }, backend: { service: mock, path: '/' }, stages: ['TEST'] });
  new App(stack, 'mobile', { description: 'The mobile app.' }).authorize(list, ['RELEASE']);
  return stack;
}

type Json = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

function synthesize(build: (stack: TerraformStack) => void): Json {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  build(stack);
  return JSON.parse(Testing.synth(stack)) as Json;
}

describe('ApigwResources', () => {
  it('creates one generated resource per document resource, linked by references', () => {
    const gateway = shop();
    const tf = synthesize((stack) => new ApigwResources(stack, 'gw', gateway));
    const resources = tf['resource']!;
    expect(Object.fromEntries(Object.entries(resources).map(([type, byName]) => [type, Object.keys(byName).length]))).toEqual({
      apigw_vpc_access: 1,
      apigw_backend_service: 2,
      apigw_api_group: 1,
      apigw_api: 2,
      apigw_app: 1,
      apigw_authorization: 1,
    });
    const api = Object.values(resources['apigw_api']!).find((a) => a['name'] === 'listOrders')!;
    expect(api['group']).toMatch(/^\$\{apigw_api_group\.[A-Za-z0-9_]+\.name\}$/);
    expect((api['backend'] as Record<string, unknown>)['service']).toMatch(/^\$\{apigw_backend_service\.[A-Za-z0-9_]+\.name\}$/);
    const auth = Object.values(resources['apigw_authorization']!)[0]!;
    expect(auth['api']).toMatch(/^\$\{apigw_api\.[A-Za-z0-9_]+\.id\}$/);
    expect(auth['app']).toMatch(/^\$\{apigw_app\.[A-Za-z0-9_]+\.name\}$/);
    const orders = Object.values(resources['apigw_backend_service']!).find((b) => b['name'] === 'orders')!;
    expect(orders['environments']).toEqual({ release: { https: false, vpc_access: expect.stringMatching(/^\$\{apigw_vpc_access\.[A-Za-z0-9_]+\.name\}$/) } });
    // The provider acts for the gateway stack's name.
    expect(tf['provider']).toEqual({ apigw: [{ stack: 'shop' }] });
  });

  it('round-trips: the synthesized stack reads back as the document the constructs make', () => {
    const gateway = shop();
    const tf = synthesize((stack) => new ApigwResources(stack, 'gw', gateway));
    expect(validateDocument(documentFromTfJson(tf))).toEqual({ ok: true, value: gateway.synth() });
  });

  it("uses the stack's own apigw provider when it has one", () => {
    const tf = synthesize((stack) => {
      new ApigwProvider(stack, 'apigw', { endpoint: 'http://127.0.0.1:9080', stack: 'shop' });
      new ApigwResources(stack, 'gw', shop());
    });
    expect(tf['provider']).toEqual({ apigw: [{ endpoint: 'http://127.0.0.1:9080', stack: 'shop' }] });
  });

  it('reports a broken gateway stack with the construct path before making anything', () => {
    const broken = new GatewayStack('broken');
    new ApiGroup(broken, 'shop').addApi('getUser', { request: { method: 'GET', path: '/users/{id}' }, backend: { service: 'missing_service', path: '/' } });
    const app = new CdktfApp();
    const stack = new TerraformStack(app, 'test');
    expect(() => new ApigwResources(stack, 'gw', broken)).toThrow(/broken/);
  });
});

describe('documentFromTfJson', () => {
  const base = (resource: Record<string, unknown>): Record<string, unknown> => ({ provider: { apigw: [{ stack: 'pipeline' }] }, resource });

  it('reads literal values, blocks given as objects or lists, and references by name and id', () => {
    const doc = documentFromTfJson(
      base({
        apigw_app: { a: { name: 'mobile', depends_on: [], '//': { metadata: {} } } },
        apigw_api_group: { g: { name: 'shop' } },
        apigw_backend_service: { b: { name: 'users', type: 'HTTP', environments: [{ release: [{ url: 'http://127.0.0.1:9002' }] }] } },
        apigw_api: {
          x: {
            group: '${apigw_api_group.g.name}',
            name: 'getUser',
            request: { method: 'GET', path: '/users' },
            backend: { service: '${apigw_backend_service.b.name}', path: '/v1/users' },
            stages: ['RELEASE'],
          },
        },
        apigw_authorization: { z: { app: '${apigw_app.a.name}', api: '${apigw_api.x.id}', stages: ['RELEASE'] } },
      }),
    );
    expect(doc).toMatchObject({
      apiVersion: 'apigw/v1',
      stack: 'pipeline',
      backendServices: [{ name: 'users', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9002' } } }],
      apis: [{ group: 'shop', name: 'getUser', backend: { service: 'users' } }],
      authorizations: [{ app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'] }],
    });
    expect(validateDocument(doc).ok).toBe(true);
  });

  it('names the place of what it cannot read without Terraform', () => {
    const attempt = (resource: Record<string, unknown>) => {
      try {
        documentFromTfJson(base(resource), 'cdk.tf.json');
      } catch (error) {
        return error;
      }
      throw new Error('expected an error');
    };
    const variable = attempt({ apigw_app: { a: { name: '${var.app_name}' } } });
    expect(variable).toBeInstanceOf(TfJsonInvalidError);
    expect(variable).toMatchObject({ code: 'APIGW_TFJSON_INVALID', pointer: '/resource/apigw_app/a/name' });
    expect(attempt({ apigw_app: { a: { name: 'mobile', count: 2 } } })).toMatchObject({ pointer: '/resource/apigw_app/a/count' });
    expect(attempt({ apigw_app: { a: { name: 'mobile', colour: 'red' } } })).toMatchObject({ pointer: '/resource/apigw_app/a/colour' });
    expect(attempt({ apigw_authorization: { z: { app: '${apigw_app.nope.name}', api: 'shop/getUser', stages: ['RELEASE'] } } })).toMatchObject({
      pointer: '/resource/apigw_authorization/z/app',
    });
  });

  it('defaults the stack like the provider, and refuses two stacks in one file', () => {
    expect(documentFromTfJson({ resource: { apigw_app: { a: { name: 'mobile' } } } }).stack).toBe('terraform');
    expect(() => documentFromTfJson({ provider: { apigw: [{ stack: 'one' }, { alias: 'b', stack: 'two' }] } })).toThrow(/several stacks/);
  });
});
