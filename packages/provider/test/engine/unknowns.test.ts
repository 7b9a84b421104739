/**
 * Values not known at plan time mean the same to both IaC adapters: the
 * Pulumi resources' check/diff and the Terraform plugin's validate/plan
 * ask one module (`engine/unknowns`), so the same resource with the same
 * unknowns gets the same verdict from each. Neither contacts a gateway.
 */
import * as pulumi from '@pulumi/pulumi';
import { checkPartial, identityKnown, replacedFields, underUnknown, unknownPointers } from '../../src/engine/unknowns';
import { ResourceLifecycle } from '../../src/pulumi/lifecycle';
import { ApigwTerraformProvider } from '../../src/terraform/provider';
import { resourceType } from '../../src/terraform/provider-schema';
import { UNKNOWN, conform, fromDynamic, toDynamic, type TfObject } from '../../src/terraform/values';

const PULUMI_UNKNOWN = pulumi.runtime.unknownValue;
const offline = () => {
  throw new Error('planning must not contact the gateway');
};

const pulumiBackend = new ResourceLifecycle('backendService', { settings: { endpoint: 'http://127.0.0.1:1', token: 't', stack: 'shop' }, client: offline });
const pulumiAuthorization = new ResourceLifecycle('authorization', { settings: { endpoint: 'http://127.0.0.1:1', token: 't', stack: 'shop' }, client: offline });
const terraform = new ApigwTerraformProvider(offline);

function tfConfig(typeName: string, partial: TfObject): { type_name: string; config: ReturnType<typeof toDynamic> } {
  return { type_name: typeName, config: toDynamic(conform(resourceType(typeName)!.block, partial)) };
}

/** The JSON pointers of what each adapter reports, for comparison. */
async function pulumiProblems(lifecycle: ResourceLifecycle<never>, news: Record<string, unknown>): Promise<string[]> {
  const result = await lifecycle.check({}, news);
  return (result.failures ?? []).map((f) => `${f.property}: ${f.reason}`);
}

function terraformProblems(typeName: string, config: TfObject): string[] {
  return terraform.validateResourceConfig(tfConfig(typeName, config)).diagnostics.map((d) => `${d.attribute?.steps.map((s) => ('attribute_name' in s ? s.attribute_name : '')).join('.')}: ${d.detail}`);
}

describe('one meaning of values not known yet, for Pulumi and Terraform', () => {
  test('GIVEN an HTTP backend whose URL is not known yet THEN neither adapter judges the URL', async () => {
    expect(await pulumiProblems(pulumiBackend as never, { name: 'users', type: 'HTTP', environments: { RELEASE: { url: PULUMI_UNKNOWN } } })).toEqual([]);
    expect(terraformProblems('apigw_backend_service', { name: 'users', type: 'HTTP', environments: { release: { url: UNKNOWN } } })).toEqual([]);
  });

  test('GIVEN a known field that breaks a rule of the resource beside an unknown one THEN both adapters name it, and only it', async () => {
    const pulumiSays = await pulumiProblems(pulumiBackend as never, {
      name: 'users',
      type: 'HTTP',
      environments: { RELEASE: { url: PULUMI_UNKNOWN, vpcAccess: 'shop_vpc' } },
    });
    const terraformSays = terraformProblems('apigw_backend_service', { name: 'users', type: 'HTTP', environments: { release: { url: UNKNOWN, vpc_access: 'shop_vpc' } } });
    expect(pulumiSays).toEqual([expect.stringMatching(/^environments\.RELEASE\.vpcAccess: .*vpcAccess does not apply/)]);
    expect(terraformSays).toEqual([expect.stringMatching(/^environments\.release\.vpc_access: .*vpcAccess does not apply.*\[ENVIRONMENT_SHAPE\]$/)]);
  });

  test('GIVEN an identity field not known yet THEN Terraform plans an unknown id and Pulumi a replace of that field', async () => {
    const planned = terraform.planResourceChange({
      type_name: 'apigw_authorization',
      prior_state: toDynamic(null),
      proposed_new_state: tfConfig('apigw_authorization', { app: UNKNOWN, api: 'shop/getUser', stages: ['RELEASE'] }).config,
      config: tfConfig('apigw_authorization', { app: UNKNOWN, api: 'shop/getUser', stages: ['RELEASE'] }).config,
    });
    expect(fromDynamic(planned['planned_state'] as { msgpack: Buffer })).toMatchObject({ id: UNKNOWN });
    const olds = { app: 'mobile', api: 'shop/getUser', stages: ['RELEASE'], stack: 'shop' };
    expect(await pulumiAuthorization.diff('mobile:shop/getUser', olds, { ...olds, app: PULUMI_UNKNOWN })).toEqual({ changes: true, replaces: ['app'], deleteBeforeReplace: true });
    expect(await pulumiAuthorization.diff('mobile:shop/getUser', olds, { ...olds, stages: [PULUMI_UNKNOWN] })).toEqual({ changes: true });
  });
});

describe('engine/unknowns', () => {
  test('a pointer is under an unknown at or above it; the whole spec unknown covers everything', () => {
    expect(underUnknown('/backend/service', ['/backend'])).toBe(true);
    expect(underUnknown('/backend', ['/backend'])).toBe(true);
    expect(underUnknown('/backendX', ['/backend'])).toBe(false);
    expect(underUnknown('/group', [''])).toBe(true);
    expect(unknownPointers({ a: 1, b: ['x', '?'], 'c/d': '?' }, (v) => v === '?')).toEqual(['/b/1', '/c~1d']);
  });

  test('the identity is known unless one of its fields (from the kind registry) is not', () => {
    expect(identityKnown('api', ['/backend/service'])).toBe(true);
    expect(identityKnown('api', ['/group'])).toBe(false);
    expect(identityKnown('pluginAttachment', ['/group'])).toBe(false);
    expect(identityKnown('group', [''])).toBe(false);
  });

  test('a replace is announced for a changed or unknown field that is replace-only or part of the identity', () => {
    const before = { name: 'users', type: 'HTTP', description: 'a', environments: {} };
    expect(replacedFields('backendService', before, { ...before, description: 'b' }, ['/description'])).toEqual([]);
    expect(replacedFields('backendService', before, { ...before, type: 'MOCK' }, [])).toEqual(['type']);
    expect(replacedFields('backendService', before, before, ['/name'])).toEqual(['name']);
  });

  test('a spec with unknowns is checked but not completed; a known, valid one gets its defaults', () => {
    const withUnknown = checkPartial('group', { name: 'shop', domains: ['?'] }, ['/domains/0']);
    expect(withUnknown).toEqual({ problems: [] });
    expect(checkPartial('group', { name: 'shop', domains: ['api.shop.localhost'] }, [])).toMatchObject({ problems: [], value: { basePath: '/' } });
    expect(checkPartial('group', { name: 'shop', domains: '?', colour: 'red' }, ['/domains']).problems.map((p) => p.pointer)).toEqual(['/colour']);
  });
});
