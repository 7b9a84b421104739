/**
 * A misspelt prop in a program that is not type-checked (run by jiti, or
 * written in JavaScript) must not pass: `domians:` instead of `domains:`
 * once validated, planned `domains: []` and broke every request. Every
 * construct refuses props it does not know, with its path and the prop
 * that was probably meant; the known props are the schema's fields, which
 * a test keeps equal to the Props interfaces.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ApiGroup, App, BackendService, GatewayStack, SynthError, VpcAccess } from '@apigw/constructs';
import { knownProps } from '../src/private';

/** Untyped props, as a JavaScript program (or jiti, which does not type-check) passes them. */
const loose = <T>(props: Record<string, unknown>): T => props as T;

function problemsOf(stack: GatewayStack): string[] {
  try {
    stack.synth();
  } catch (error) {
    if (error instanceof SynthError) return error.problems.map((p) => `[${p.path}] ${p.pointer}: ${p.message} [${p.code}]`);
    throw error;
  }
  return [];
}

describe('unknown props', () => {
  test('a misspelt top-level prop is refused with the construct path and what was meant', () => {
    const stack = new GatewayStack('shop');
    const users = new BackendService(stack, 'users', { type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9002' } } });
    const group = new ApiGroup(stack, 'shop', loose({ domians: ['api.shop.localhost'] }));
    group.addApi('getUser', loose({ request: { method: 'GET', path: '/users' }, backend: { service: users, path: '/users' }, stage: ['RELEASE'] }));
    new App(stack, 'mobile', loose({ descripton: 'the app' }));
    expect(problemsOf(stack)).toEqual([
      '[shop/shop] /groups/0: ApiGroup has no prop "domians"; did you mean "domains"? [UNKNOWN_PROP]',
      '[shop/shop/getUser] /apis/0: Api has no prop "stage"; did you mean "stages"? [UNKNOWN_PROP]',
      '[shop/mobile] /apps/0: App has no prop "descripton"; did you mean "description"? [UNKNOWN_PROP]',
    ]);
  });

  test("a backend service's misspelt environment is refused, not dropped", () => {
    const stack = new GatewayStack('shop');
    new BackendService(stack, 'users', loose({ type: 'HTTP', environments: { RELASE: { url: 'http://127.0.0.1:9002' } } }));
    expect(problemsOf(stack)).toEqual(['[shop/users] /backendServices/0/environments: environments has no stage "RELASE"; did you mean "RELEASE"? [UNKNOWN_PROP]']);
  });

  test('a prop nothing resembles lists the known ones; undefined values are not props', () => {
    const stack = new GatewayStack('shop');
    new VpcAccess(stack, 'shop_vpc', loose({ vpcId: 'vpc-1', instanceId: 'i-1', port: 80, zzzzzzzz: 1, host: undefined }));
    expect(problemsOf(stack)).toEqual([
      '[shop/shop_vpc] /vpcAccesses/0: VpcAccess has no prop "zzzzzzzz"; known: vpcAccessName, vpcId, instanceId, port, host, description [UNKNOWN_PROP]',
    ]);
  });

  test('the known props are exactly the members of each Props interface', () => {
    const members = (file: string, ...interfaces: string[]): string[] => {
      const source = ts.createSourceFile(file, fs.readFileSync(path.join(__dirname, '../src', file), 'utf8'), ts.ScriptTarget.ES2022);
      const found: string[] = [];
      source.forEachChild((node) => {
        if (ts.isInterfaceDeclaration(node) && interfaces.includes(node.name.text))
          for (const m of node.members) if (m.name && ts.isIdentifier(m.name)) found.push(m.name.text);
      });
      return found.sort();
    };
    expect(knownProps('ApiGroup', { name: 'groupName' }).sort()).toEqual(members('api-group.ts', 'ApiGroupProps'));
    expect(knownProps('Api', { name: 'apiName' }).sort()).toEqual(members('api.ts', 'ApiOptions', 'ApiProps'));
    expect(knownProps('App', { name: 'appName' }).sort()).toEqual(members('app.ts', 'AppProps'));
    expect(knownProps('BackendService', { name: 'backendServiceName' }).sort()).toEqual(members('backend-service.ts', 'BackendServiceProps'));
    expect(knownProps('VpcAccess', { name: 'vpcAccessName' }).sort()).toEqual(members('vpc-access.ts', 'VpcAccessProps'));
    expect(knownProps('Authorization').sort()).toEqual(members('authorization.ts', 'AuthorizeOptions', 'AuthorizationProps'));
  });
});
