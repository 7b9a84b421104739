/**
 * The Terraform schema derived from the document schema: names, types,
 * replace-only, computed and sensitive attributes, and the value codec.
 */
import { ExtData, encode } from '@msgpack/msgpack';
import { RESOURCE_TYPES, providerSchemaJson, resourceType, snakeCase, type TfAttribute } from '../../src/terraform/provider-schema';
import { UNKNOWN, decodeValue, encodeValue, fromTf, planBlock, pointerToPath, toTf } from '../../src/terraform/values';

const attr = (type: string, name: string): TfAttribute => {
  const found = resourceType(type)!.block.attributes.find((a) => a.name === name);
  if (!found) throw new Error(`${type} has no ${name}`);
  return found;
};

describe('provider schema', () => {
  it('has the eight resource types, each with a computed id', () => {
    expect(RESOURCE_TYPES.map((r) => r.typeName)).toEqual([
      'apigw_vpc_access',
      'apigw_backend_service',
      'apigw_api_group',
      'apigw_api',
      'apigw_app',
      'apigw_authorization',
      'apigw_plugin',
      'apigw_plugin_attachment',
    ]);
    for (const r of RESOURCE_TYPES) expect(r.block.attributes.find((a) => a.name === 'id')).toMatchObject({ computed: true, optional: false });
  });

  it('names fields in snake_case', () => {
    expect(['vpcId', 'TEST', 'matchAllChildPaths', 'timeoutMs', 'statusCode'].map(snakeCase)).toEqual([
      'vpc_id',
      'test',
      'match_all_child_paths',
      'timeout_ms',
      'status_code',
    ]);
  });

  it('forces replacement for identity fields and fields marked x-apigw-replace', () => {
    const replaced = (type: string) => resourceType(type)!.block.attributes.filter((a) => a.replace).map((a) => a.name);
    expect(replaced('apigw_vpc_access')).toEqual(['name', 'vpc_id', 'instance_id', 'port', 'host']);
    expect(replaced('apigw_backend_service')).toEqual(['name', 'type']);
    expect(replaced('apigw_api')).toEqual(['group', 'name']);
    expect(replaced('apigw_authorization')).toEqual(['app', 'api']);
    expect(attr('apigw_vpc_access', 'port').description).toMatch(/Changing it replaces the resource\.$/);
  });

  it('marks app credentials computed and AppSecret, AppCode and private keys sensitive', () => {
    expect(attr('apigw_app', 'app_key')).toMatchObject({ computed: true, sensitive: false });
    expect(attr('apigw_app', 'app_secret')).toMatchObject({ computed: true, sensitive: true });
    expect(attr('apigw_app', 'app_code')).toMatchObject({ computed: true, sensitive: true });
    const certificates = resourceType('apigw_api_group')!.block.blockTypes.find((b) => b.name === 'certificates')!;
    expect(certificates.block.attributes.find((a) => a.name === 'private_key_pem')).toMatchObject({ sensitive: true, required: true });
  });

  it('makes defaulted fields optional and computed, required objects required blocks, unique arrays sets', () => {
    expect(attr('apigw_api_group', 'base_path')).toMatchObject({ optional: true, computed: true, default: '/' });
    expect(attr('apigw_api', 'stages').type).toEqual(['set', 'string']);
    const json = providerSchemaJson('9.9.9');
    const api = json.provider_schemas['registry.terraform.io/apigw/apigw']!.resource_schemas['apigw_api']!.block;
    expect(api.block_types!['request']).toMatchObject({ nesting_mode: 'single', min_items: 1, max_items: 1 });
    expect(api.block_types!['auth']!.min_items).toBeUndefined();
    expect(api.block_types!['request']!.block.block_types!['parameters']).toMatchObject({ nesting_mode: 'list', max_items: 100 });
    const backend = json.provider_schemas['registry.terraform.io/apigw/apigw']!.resource_schemas['apigw_backend_service']!.block;
    expect(backend.block_types!['environments']!.block.block_types!['release']!.block.block_types!['mock']!.block.attributes!['headers']!.type).toEqual([
      'map',
      'string',
    ]);
    expect(json.provider_versions).toEqual({ 'registry.terraform.io/apigw/apigw': '9.9.9' });
  });
});

describe('values', () => {
  it('writes unknown as msgpack extension 0 and reads any extension as unknown', () => {
    expect([...encodeValue(UNKNOWN)]).toEqual([0xd4, 0x00, 0x00]);
    expect(decodeValue(encodeValue({ a: UNKNOWN, b: [1, null] }))).toEqual({ a: UNKNOWN, b: [1, null] });
    expect(decodeValue(encode({ refined: new ExtData(12, new Uint8Array([1, 2])) }))).toEqual({ refined: UNKNOWN });
  });

  it('converts between document specs and Terraform objects, both ways', () => {
    const block = resourceType('apigw_backend_service')!.block;
    const spec = { name: 'stub', type: 'MOCK', environments: { TEST: { mock: { statusCode: 200, body: '', headers: { 'X-A': '1' } } } } };
    const tf = toTf(block, spec);
    expect(tf).toMatchObject({ id: null, environments: { test: { mock: { status_code: 200, headers: { 'X-A': '1' } } }, release: null } });
    expect(fromTf(block, tf)).toEqual(spec);
  });

  it('plans defaults for what the configuration leaves out, keeping unknowns', () => {
    const block = resourceType('apigw_api_group')!.block;
    const planned = planBlock(block, { id: null, name: 'shop', description: null, base_path: null, domains: UNKNOWN, certificates: [] });
    expect(planned).toEqual({ id: null, name: 'shop', description: null, base_path: '/', domains: UNKNOWN, certificates: [] });
  });

  it('turns JSON pointers into attribute paths', () => {
    const block = resourceType('apigw_api')!.block;
    expect(pointerToPath(block, '/request/parameters/2/default')).toEqual([
      { attribute_name: 'request' },
      { attribute_name: 'parameters' },
      { element_key_int: 2 },
      { attribute_name: 'default' },
    ]);
    expect(pointerToPath(resourceType('apigw_backend_service')!.block, '/environments/RELEASE/url')).toEqual([
      { attribute_name: 'environments' },
      { attribute_name: 'release' },
      { attribute_name: 'url' },
    ]);
  });
});
