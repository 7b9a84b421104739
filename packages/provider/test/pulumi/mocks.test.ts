/**
 * The resource graph Pulumi programs build, under pulumi.runtime.setMocks:
 * references become inputs that order registration, app credentials are
 * secrets, the component expands a construct stack into one resource per
 * document entry, and the example project's program builds the graph its
 * README promises.
 */
import * as pulumi from '@pulumi/pulumi';
import { ApiGroup as GroupConstruct, BackendService as BackendConstruct, GatewayStack } from '@apigw/constructs';
import { Api, ApiGroup, App, Authorization, BackendService, GatewayStackResources, VpcAccess } from '@apigw/provider/pulumi';

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        registered.push({ type: args.type, name: args.name, inputs });
        // The state a create would return: the inputs, plus what the gateway generates for apps.
        const state = args.type === App.TYPE ? { ...inputs, appKey: `key-${String(inputs['name'])}`, appSecret: 'secret', appCode: 'code' } : inputs;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    'shop.example',
    'dev',
  );
});

beforeEach(() => {
  pulumi.runtime.setAllConfig({});
});

/** The value of an output once Pulumi has resolved it. */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Every resource registered under `prefix`, waiting until `count` have arrived. */
async function registeredWith(prefix: string, count: number): Promise<Registered[]> {
  for (let i = 0; i < 200; i++) {
    const found = registered.filter((r) => r.name.startsWith(prefix));
    if (found.length >= count) return found;
    await new Promise((r) => setImmediate(r));
  }
  return registered.filter((r) => r.name.startsWith(prefix));
}

function indexOf(name: string): number {
  return registered.findIndex((r) => r.name === name);
}

describe('Pulumi resources under mocks', () => {
  it('turns resource references into inputs, so a resource registers after what it refers to', async () => {
    const vpc = new VpcAccess('ref-vpc', { name: 'ref_vpc', vpcId: 'vpc-1', instanceId: 'i-1', port: 8080, stack: 'shop' });
    const orders = new BackendService('ref-orders', { name: 'orders', type: 'VPC', environments: { RELEASE: { vpcAccess: vpc } }, stack: 'shop' });
    const group = new ApiGroup('ref-group', { name: 'shop', domains: ['api.shop.localhost'], stack: 'shop' });
    const api = new Api('ref-api', {
      group,
      name: 'listOrders',
      request: { method: 'GET', path: '/orders' },
      backend: { service: orders, path: '/orders' },
      stages: ['RELEASE'],
      stack: 'shop',
    });
    const app = new App('ref-app', { name: 'mobile', stack: 'shop' });
    const grant = new Authorization('ref-grant', { app, api, stages: ['RELEASE'], stack: 'shop' });

    await valueOf(grant.id);
    expect(await valueOf(api.ref)).toBe('shop/listOrders');
    const byName = Object.fromEntries((await registeredWith('ref-', 6)).map((r) => [r.name, r.inputs]));
    expect(byName['ref-orders']).toMatchObject({ environments: { RELEASE: { vpcAccess: 'ref_vpc' } } });
    expect(byName['ref-api']).toMatchObject({ group: 'shop', backend: { service: 'orders', path: '/orders' } });
    expect(byName['ref-grant']).toMatchObject({ app: 'mobile', api: 'shop/listOrders', stages: ['RELEASE'], stack: 'shop' });
    expect(indexOf('ref-vpc')).toBeLessThan(indexOf('ref-orders'));
    expect(indexOf('ref-group')).toBeLessThan(indexOf('ref-api'));
    expect(indexOf('ref-orders')).toBeLessThan(indexOf('ref-api'));
    expect(indexOf('ref-app')).toBeLessThan(indexOf('ref-grant'));
    expect(indexOf('ref-api')).toBeLessThan(indexOf('ref-grant'));
    // Every resource carries its serialized provider, as Pulumi stores it.
    expect(String(byName['ref-api']!['__provider'])).toContain('exports.handler');
  });

  it('takes FUNCTION and OSS services and an API ossAction as typed inputs', async () => {
    const fn = new BackendService('fo-fn', {
      name: 'hello_fc',
      type: 'FUNCTION',
      environments: { RELEASE: { function: { type: 'HTTP', service: 'shop', function: 'hello', url: 'https://hello.fc.example.com' } } },
      stack: 'shop',
    });
    const files = new BackendService('fo-files', { name: 'files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files', region: 'oss-cn-hangzhou' } } }, stack: 'shop' });
    const group = new ApiGroup('fo-group', { name: 'files', domains: ['files.localhost'], stack: 'shop' });
    const api = new Api('fo-api', {
      group,
      name: 'objectMeta',
      request: { method: 'HEAD', path: '/f' },
      backend: { service: files, path: '/f', ossAction: 'GetObjectMeta' },
      stages: ['RELEASE'],
      stack: 'shop',
    });
    await Promise.all([valueOf(fn.id), valueOf(api.id)]);
    const byName = Object.fromEntries((await registeredWith('fo-', 4)).map((r) => [r.name, r.inputs]));
    expect(byName['fo-fn']).toMatchObject({ type: 'FUNCTION', environments: { RELEASE: { function: { type: 'HTTP', url: 'https://hello.fc.example.com' } } } });
    expect(byName['fo-files']).toMatchObject({ type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files' } } } });
    expect(byName['fo-api']).toMatchObject({ backend: { service: 'files', ossAction: 'GetObjectMeta' } });
  });

  it('keeps an app’s AppSecret and AppCode secret, and asks the engine to store them encrypted', async () => {
    const requested: string[][] = [];
    const record: pulumi.ResourceTransformation = (args) => {
      requested.push([...(args.opts.additionalSecretOutputs ?? [])]);
      return undefined;
    };
    const app = new App('secret-app', { name: 'partner', stack: 'shop' }, { transformations: [record] });
    expect(await valueOf(app.appKey)).toBe('key-partner');
    expect(await pulumi.isSecret(app.appSecret)).toBe(true);
    expect(await pulumi.isSecret(app.appCode)).toBe(true);
    expect(await pulumi.isSecret(app.appKey)).toBe(false);
    expect(requested).toEqual([['appSecret', 'appCode']]);
  });

  it('hands certificates, private keys included, to the engine as a secret input', async () => {
    const secrets: boolean[] = [];
    const record: pulumi.ResourceTransformation = (args) => {
      secrets.push(args.props['certificates'] !== undefined);
      void pulumi.isSecret(pulumi.output(args.props['certificates'])).then((secret) => secrets.push(secret));
      return undefined;
    };
    const certificates = [{ domain: 'tls.shop.localhost', certificatePem: 'CERT', privateKeyPem: 'KEY' }];
    new ApiGroup('tls-group', { name: 'tls_shop', domains: ['tls.shop.localhost'], certificates, stack: 'shop' }, { transformations: [record] });
    await registeredWith('tls-group', 1);
    expect(secrets).toEqual([true, true]);
  });

  it('owns resources by the apigw:stack config, else by the Pulumi project and stack', async () => {
    new App('owner-default', { name: 'ownerless' });
    pulumi.runtime.setAllConfig({ 'apigw:stack': 'shop_ops' });
    new App('owner-config', { name: 'configured' });
    const [byDefault, byConfig] = await Promise.all([registeredWith('owner-default', 1), registeredWith('owner-config', 1)]);
    expect(byDefault[0]!.inputs['stack']).toBe('shop-example-dev');
    expect(byConfig[0]!.inputs['stack']).toBe('shop_ops');
  });

  it('expands a construct stack into one resource per document entry, children of the component', async () => {
    const stack = new GatewayStack('shop');
    const users = new BackendConstruct(stack, 'users', { type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9002' } } });
    const imported = GroupConstruct.fromGroupName(stack, 'partners', 'partners');
    imported.addApi('getUser', { request: { method: 'GET', path: '/users' }, backend: { service: users, path: '/users' }, stages: ['RELEASE'] });

    const component = new GatewayStackResources('expand', { stack });
    const doc = component.document;
    expect(Object.keys(component.backendServices)).toEqual(doc.backendServices.map((b) => b.name));
    expect(Object.keys(component.apis)).toEqual(['partners/getUser']);
    expect(component.groups).toEqual({});

    const api = component.apis['partners/getUser']!;
    expect(await valueOf(api.urn)).toContain(`${GatewayStackResources.TYPE}$${Api.TYPE}::expand-partners/getUser`);
    const children = await registeredWith('expand-', 2);
    const apiInputs = children.find((r) => r.type === Api.TYPE)!.inputs;
    // The imported group stays a name; the defined backend service is a reference; the owner is the document's stack.
    expect(apiInputs).toMatchObject({ group: 'partners', backend: { service: 'users' }, stack: 'shop' });
    expect(indexOf('expand-users')).toBeLessThan(indexOf('expand-partners/getUser'));
  });

  it('refuses anything but a GatewayStack, and a stack that does not synthesize, registering nothing', async () => {
    expect(() => new GatewayStackResources('wrong', { stack: {} as GatewayStack })).toThrow(/GatewayStackResources wrong: stack must be a GatewayStack/);
    const broken = new GatewayStack('broken');
    new BackendConstruct(broken, 'users', { type: 'HTTP', environments: { RELEASE: { url: 'not a url' } } });
    expect(() => new GatewayStackResources('broken', { stack: broken })).toThrow(expect.objectContaining({ code: expect.any(String), message: expect.stringContaining('broken/users') }));
    await new Promise((r) => setImmediate(r));
    expect(registered.filter((r) => r.name === 'wrong' || r.name.startsWith('broken'))).toEqual([]);
  });

  it('builds the graph of examples/pulumi', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require('../../../../examples/pulumi/index') as Record<string, pulumi.Output<unknown>>;
    const children = await registeredWith('shop-', 7);
    expect(children.map((r) => r.type).sort()).toEqual([Api.TYPE, Api.TYPE, ApiGroup.TYPE, App.TYPE, Authorization.TYPE, BackendService.TYPE, BackendService.TYPE].sort());
    expect(children.map((r) => r.name).sort()).toEqual(
      ['shop-mobile', 'shop-mobile:shop/getUser', 'shop-shop', 'shop-shop/getUser', 'shop-shop/health', 'shop-status_mock', 'shop-users'].sort(),
    );
    expect(registered.filter((r) => r.type === GatewayStackResources.TYPE && r.name === 'shop')).toHaveLength(1);
    expect(await valueOf(program['mobileAppKey']!)).toBe('key-mobile');
    expect(await pulumi.isSecret(program['mobileAppCode'] as pulumi.Output<string>)).toBe(true);
    expect(await pulumi.isSecret(program['partnerAppSecret'] as pulumi.Output<string>)).toBe(true);
    expect(await valueOf(program['getUserStages']!)).toEqual(['TEST', 'RELEASE']);

    const grant = (await registeredWith('partner-getUser', 1))[0]!;
    // Declared in Pulumi only: owned by the Pulumi stack's default apigw stack, not by the construct stack.
    expect(grant.inputs).toMatchObject({ app: 'partner', api: 'shop/getUser', stages: ['RELEASE'], stack: 'shop-example-dev' });
    expect(indexOf('partner')).toBeLessThan(indexOf('partner-getUser'));
    expect(indexOf('shop-shop/getUser')).toBeLessThan(indexOf('partner-getUser'));
    expect(children.every((r) => r.inputs['stack'] === 'shop')).toBe(true);
  });
});
