import { Construct } from 'constructs';
import {
  ApiGroup,
  App,
  BackendService,
  GatewayStack,
  NotInStackError,
  SynthError,
  Testing,
  VpcAccess,
  type SynthProblem,
} from '@apigw/constructs';
import { smallStack } from './fixtures';

function synthError(stack: GatewayStack): SynthError {
  try {
    stack.synth();
  } catch (err) {
    if (err instanceof SynthError) return err;
    throw err;
  }
  throw new Error('synth succeeded');
}

const brief = (p: SynthProblem) => [p.code, p.path, p.pointer];

describe('GatewayStack', () => {
  test('its construct id is the document stack unless stackName says otherwise', () => {
    expect(new GatewayStack('shop').synth().stack).toBe('shop');
    expect(new GatewayStack('shop', { stackName: 'shop_prod' }).synth().stack).toBe('shop_prod');
  });

  test('an empty stack synthesizes to an empty document with every list present', () => {
    expect(Testing.synth(Testing.stack('empty'))).toEqual({
      apiVersion: 'apigw/v1',
      stack: 'empty',
      apis: [],
      apps: [],
      authorizations: [],
      backendServices: [],
      groups: [],
      pluginAttachments: [],
      plugins: [],
      vpcAccesses: [],
    });
  });

  test('can live inside another construct tree', () => {
    const root = new Construct(undefined as unknown as Construct, 'program');
    const stack = new GatewayStack(root, 'edge');
    new App(stack, 'mobile');
    expect(stack.node.path).toBe('program/edge');
    expect(stack.synth()).toMatchObject({ stack: 'edge', apps: [{ name: 'mobile' }] });
    expect(GatewayStack.of(stack.node.findChild('mobile'))).toBe(stack);
  });

  test('two stacks in one tree synthesize separately', () => {
    const root = new Construct(undefined as unknown as Construct, 'program');
    new App(new GatewayStack(root, 'one'), 'app_one');
    new App(new GatewayStack(root, 'two'), 'app_two');
    const two = root.node.findChild('two') as GatewayStack;
    expect(two.synth().apps).toEqual([{ name: 'app_two' }]);
  });

  test('gateway constructs outside a stack are refused', () => {
    const root = new Construct(undefined as unknown as Construct, 'loose');
    expect(() => new App(root, 'mobile')).toThrow(NotInStackError);
    expect(() => GatewayStack.of(root)).toThrow(expect.objectContaining({ code: 'APIGW_NOT_IN_STACK' }));
  });

  test('synth output sorts resources by identity and keys alphabetically', () => {
    const stack = Testing.stack();
    new App(stack, 'zeta_app');
    new App(stack, 'alpha_app', { description: 'first' });
    const doc = stack.synth();
    expect(doc.apps.map((a) => a.name)).toEqual(['alpha_app', 'zeta_app']);
    expect(Object.keys(doc)).toEqual([...Object.keys(doc)].sort());
    expect(stack.toJson()).toMatch(/^\{\n  "apiVersion": "apigw\/v1",\n[\s\S]*\n\}\n$/);
  });

  test('resources added after construction still appear', () => {
    // GIVEN a stack whose resources are completed after they were created
    const { stack, users, shop, getUser, mobile } = smallStack();
    users.addEnvironment('PRE', { url: 'http://127.0.0.1:9005' });
    shop.addDomain('shop.example.localhost');
    getUser.publish('PRE').addParameter({ name: 'fields', in: 'QUERY' }).addConstantParameter({ name: 'x-env', in: 'HEAD', value: 'pre' });
    const later = shop.addApi('listUsers', { request: { method: 'GET', path: '/users' }, backend: { service: users, path: '/v1/users' } });
    later.publish('RELEASE');
    mobile.authorize(later, ['RELEASE']);
    mobile.authorize(getUser, ['PRE']);
    // WHEN it is synthesized
    const doc = stack.synth();
    // THEN every late addition is in the document
    expect(doc.backendServices[0]!.environments.PRE).toEqual({ url: 'http://127.0.0.1:9005' });
    expect(doc.groups[0]!.domains).toEqual(['api.shop.localhost', 'shop.example.localhost']);
    expect(doc.apis.map((a) => [a.name, a.stages])).toEqual([
      ['getUser', ['TEST', 'PRE', 'RELEASE']],
      ['listUsers', ['RELEASE']],
    ]);
    expect(doc.apis[0]!.request.parameters.map((p) => p.name)).toEqual(['id', 'fields']);
    expect(doc.apis[0]!.backend.constantParameters).toEqual([{ name: 'x-env', in: 'HEAD', value: 'pre' }]);
    expect(doc.authorizations).toEqual([
      { app: 'mobile', api: 'shop/getUser', stages: ['PRE', 'RELEASE'] },
      { app: 'mobile', api: 'shop/listUsers', stages: ['RELEASE'] },
    ]);
  });

  test('names default to construct ids and can be set apart from them', () => {
    const stack = Testing.stack();
    const vpc = new VpcAccess(stack, 'Vpc', { vpcAccessName: 'shop_vpc', vpcId: 'vpc-1', instanceId: 'i-web1', port: 8081 });
    new BackendService(stack, 'Orders', { backendServiceName: 'orders', type: 'VPC', environments: { TEST: { vpcAccess: vpc } } });
    const group = new ApiGroup(stack, 'Group', { groupName: 'shop' });
    expect(group.groupName).toBe('shop');
    const doc = stack.synth();
    expect(doc.backendServices).toEqual([{ name: 'orders', type: 'VPC', environments: { TEST: { vpcAccess: 'shop_vpc' } } }]);
    expect(doc.groups.map((g) => g.name)).toEqual(['shop']);
  });
});

describe('synth errors', () => {
  test('one error lists every problem with its construct path and pointer', () => {
    // GIVEN a stack with problems in four constructs
    const { stack, users, getUser, shop } = smallStack('shop');
    new App(stack, 'x'); // name too short
    users.addEnvironment('PRE', { url: 'ftp://127.0.0.1' });
    getUser.addParameter({ name: 'page', in: 'QUERY', type: 'INT', default: 'one' }); // a document rule
    shop.node.addValidation({ validate: () => ['needs an owner'] });
    // WHEN it is synthesized
    const err = synthError(stack);
    // THEN one SynthError names each construct and pointer: construct checks first, then
    // the schema (document rules run once the document matches the schema)
    expect(err.code).toBe('APIGW_SYNTH_INVALID');
    expect(err.problems.map(brief)).toEqual([
      ['CONSTRUCT_INVALID', 'shop/shop', '/groups/0'],
      ['SCHEMA_VIOLATION', 'shop/users', '/backendServices/0/environments/PRE/url'],
      ['SCHEMA_VIOLATION', 'shop/x', '/apps/1/name'],
    ]);
    expect(err.message.split('\n')).toEqual([
      'stack shop does not synthesize (3 problems):',
      '  [shop/shop] /groups/0: needs an owner [CONSTRUCT_INVALID]',
      expect.stringMatching(/^  \[shop\/users\] \/backendServices\/0\/environments\/PRE\/url: "ftp:\/\/127.0.0.1" does not match/),
      expect.stringMatching(/^  \[shop\/x\] \/apps\/1\/name: "x" does not match the name rule/),
    ]);
  });

  test('document rules point at the construct that breaks them', () => {
    const { stack, users, shop } = smallStack('shop');
    users.addEnvironment('PRE', { vpcAccess: VpcAccess.fromVpcAccessName(stack, 'Shared', 'shared_vpc') });
    const stub = new BackendService(stack, 'stub', { type: 'MOCK' });
    shop.addApi('ping', { request: { method: 'GET', path: '/ping' }, backend: { service: stub, path: '/' }, stages: ['TEST'] });
    const err = synthError(stack);
    expect(err.problems.map(brief)).toEqual([
      ['ENVIRONMENT_SHAPE', 'shop/users', '/backendServices/0/environments/PRE/url'],
      ['ENVIRONMENT_SHAPE', 'shop/users', '/backendServices/0/environments/PRE/vpcAccess'],
      ['STAGE_WITHOUT_BACKEND', 'shop/shop/ping', '/apis/1/stages/0'],
    ]);
    expect(err.message).toContain('[shop/shop/ping] /apis/1/stages/0: api shop/ping is published to TEST but backend service stub has no TEST definition [STAGE_WITHOUT_BACKEND]');
  });

  test('problems in imports point at the import construct', () => {
    const { stack, getUser } = smallStack('shop');
    App.fromAppName(stack, 'Partner', 'p').authorize(getUser, ['TEST']);
    const err = synthError(stack);
    expect(err.problems.map(brief)).toEqual([
      ['SCHEMA_VIOLATION', 'shop/Partner/shop.getUser', '/authorizations/1/app'],
      ['SCHEMA_VIOLATION', 'shop/Partner', '/imports/apps/0'],
    ]);
  });

  test('a problem of the stack itself carries the stack path', () => {
    const err = synthError(new GatewayStack('bad stack'));
    expect(err.problems.map(brief)).toEqual([['SCHEMA_VIOLATION', 'bad stack', '/stack']]);
  });

  test('validations added with node.addValidation are reported with the construct path', () => {
    const { stack, shop } = smallStack('shop');
    shop.node.addValidation({ validate: () => ['the shop group needs an owner tag'] });
    const err = synthError(stack);
    expect(err.problems).toEqual([
      { code: 'CONSTRUCT_INVALID', path: 'shop/shop', pointer: '/groups/0', message: 'the shop group needs an owner tag' },
    ]);
  });

  test('a reference to a resource of another stack must be imported', () => {
    const root = new Construct(undefined as unknown as Construct, 'program');
    const { users } = smallStack('core');
    const edge = new GatewayStack(root, 'edge');
    const group = new ApiGroup(edge, 'edge_api');
    group.addApi('getUser', { request: { method: 'GET', path: '/u' }, backend: { service: users, path: '/' } });
    const err = synthError(edge);
    expect(err.problems.map(brief)).toEqual([['FOREIGN_REFERENCE', 'program/edge/edge_api/getUser', '/apis/0/backend/service']]);
    expect(err.problems[0]!.message).toBe('backend service users is defined by stack core; import it into this stack with its fromXxxName() method');
  });

  test('Testing.synthProblems returns the problems, or nothing for a valid stack', () => {
    expect(Testing.synthProblems(smallStack().stack)).toEqual([]);
    const stack = Testing.stack();
    new App(stack, 'x');
    expect(Testing.synthProblems(stack).map(brief)).toEqual([['SCHEMA_VIOLATION', 'test/x', '/apps/0/name']]);
  });
});
