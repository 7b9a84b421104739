import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson, validateDocument } from '@apigw/schema';
import { GatewayStack, stackFromProgram } from '@apigw/constructs';
import * as program from '../../../examples/quickstart/gateway';
import quickstart from '../../../examples/quickstart/gateway';

const example = path.join(__dirname, '..', '..', '..', 'examples', 'quickstart');
const committed = path.join(example, 'gateway.json');

describe('examples/quickstart', () => {
  test('synthesizes the document in the snapshot', () => {
    expect(quickstart({}).synth()).toMatchSnapshot();
  });

  test('has two groups, HTTP, VPC and MOCK backends for TEST and RELEASE, and an app authorized in RELEASE', () => {
    const doc = quickstart({}).synth();
    expect(doc.stack).toBe('shop');
    expect(doc.groups.map((g) => [g.name, g.domains])).toEqual([
      ['admin_api', ['admin.shop.localhost']],
      ['shop', ['api.shop.localhost']],
    ]);
    expect(doc.backendServices.map((b) => [b.name, b.type, Object.keys(b.environments).sort()])).toEqual([
      ['orders', 'VPC', ['RELEASE', 'TEST']],
      ['status_mock', 'MOCK', ['RELEASE', 'TEST']],
      ['users', 'HTTP', ['RELEASE', 'TEST']],
    ]);
    expect(doc.vpcAccesses).toEqual([
      expect.objectContaining({ name: 'orders_vpc', instanceId: 'i-quickstart-orders', port: 9003 }),
    ]);
    const getUser = doc.apis.find((a) => a.name === 'getUser')!;
    expect(getUser.auth).toEqual({ type: 'APP', appCode: 'HEADER_QUERY', signatureMethod: 'HmacSHA256', antiReplay: true });
    expect(getUser.request.mode).toBe('MAPPING');
    expect(getUser.backend.systemParameters.map((p) => p.as)).toEqual(['x-client-ip', 'x-request-id']);
    expect(doc.apis.filter((a) => a.auth.type === 'ANONYMOUS').map((a) => `${a.group}/${a.name}`)).toEqual([
      'admin_api/ping',
      'shop/health',
      'shop/listUsers',
    ]);
    expect(doc.authorizations).toContainEqual({ app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'] });
  });

  test('takes backend addresses from the environment, with loopback defaults', () => {
    const urls = (doc: ReturnType<GatewayStack['synth']>) => doc.backendServices.find((b) => b.name === 'users')!.environments;
    expect(urls(quickstart({}).synth())).toEqual({ TEST: { url: 'http://127.0.0.1:9001' }, RELEASE: { url: 'http://127.0.0.1:9002' } });
    const moved = quickstart({
      QUICKSTART_USERS_TEST_URL: 'http://127.0.0.1:41001',
      QUICKSTART_USERS_RELEASE_URL: 'http://127.0.0.1:41002/base',
      QUICKSTART_ORDERS_PORT: '41003',
    }).synth();
    expect(urls(moved)).toEqual({ TEST: { url: 'http://127.0.0.1:41001' }, RELEASE: { url: 'http://127.0.0.1:41002/base' } });
    expect(moved.vpcAccesses[0]!.port).toBe(41003);
  });

  test('two synths are byte-identical', () => {
    const stack = quickstart({});
    const first = stack.toJson();
    expect(stack.toJson()).toBe(first);
    expect(quickstart({}).toJson()).toBe(first);
    expect(JSON.stringify(stack.synth())).toBe(canonicalJson(stack.synth()));
  });

  test('the committed gateway.json is a fresh synth with the default environment', () => {
    expect(readFileSync(committed, 'utf8')).toBe(quickstart({}).toJson());
  });

  test('the committed gateway.json validates to itself', () => {
    const text = readFileSync(committed, 'utf8');
    const result = validateDocument(JSON.parse(text));
    expect(result.ok).toBe(true);
    if (result.ok) expect(`${canonicalJson(result.value, 2)}\n`).toBe(text);
  });

  test('is a constructs program: its default export yields the stack', async () => {
    const stack = await stackFromProgram(program, 'examples/quickstart/gateway.ts');
    expect(GatewayStack.isGatewayStack(stack)).toBe(true);
    expect(stack.stackName).toBe('shop');
  });

  test('type-checks against the built @apigw/constructs', () => {
    // jest only transpiles; this catches an example that no longer fits the constructs' types.
    const tsc = require.resolve('typescript/bin/tsc');
    let diagnostics = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', example], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      diagnostics = String((err as { stdout?: unknown }).stdout) || String(err);
    }
    expect(diagnostics).toBe('');
  });
});
