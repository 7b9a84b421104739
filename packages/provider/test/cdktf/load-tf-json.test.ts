/**
 * `apigw plan/apply -f cdk.tf.json`: the desired-state loader reads a
 * synthesized CDKTF stack through the CDKTF integration's converter.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Testing, TerraformStack } from 'cdktf';
import { ApiGroup, BackendService, GatewayStack } from '@apigw/constructs';
import { ApigwResources } from '../../src/cdktf/apigw-resources';
import { tfJsonSource } from '../../src/cdktf/tf-json-source';
import { DOCUMENT_SOURCES, loadDocument } from '../../src/desired';

/** The sources as the CLI composes them. */
const SOURCES = [tfJsonSource, ...DOCUMENT_SOURCES];

describe('loading a synthesized CDKTF stack', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-tfjson-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validates it like any document and names the file on errors', async () => {
    const gateway = new GatewayStack('pipeline');
    const stub = new BackendService(gateway, 'stub', { type: 'MOCK' }).addEnvironment('RELEASE', { mock: { statusCode: 204 } });
    new ApiGroup(gateway, 'shop').addApi('ping', { auth: { type: 'ANONYMOUS' }, request: { method: 'GET', path: '/ping' }, backend: { service: stub, path: '/' }, stages: ['RELEASE'] });
    const stack = new TerraformStack(Testing.app(), 'pipeline');
    new ApigwResources(stack, 'gateway', gateway);
    const file = path.join(dir, 'cdk.tf.json');
    fs.writeFileSync(file, Testing.synth(stack));

    const loaded = await loadDocument(file, SOURCES);
    expect(loaded.source).toBe('synthesized CDKTF stack');
    expect(loaded.document).toEqual(gateway.synth());

    const bad = path.join(dir, 'bad.tf.json');
    fs.writeFileSync(bad, JSON.stringify({ resource: { apigw_app: { a: { name: '${var.name}' } } } }));
    await expect(loadDocument(bad, SOURCES)).rejects.toMatchObject({ code: 'APIGW_TFJSON_INVALID', pointer: '/resource/apigw_app/a/name' });
  });

  it('names the place in the file of a value the document rules refuse', async () => {
    const file = path.join(dir, 'invalid.tf.json');
    const tf = {
      provider: { apigw: [{ stack: 'pipeline' }] },
      resource: {
        apigw_api_group: { shop: { name: 'shop', base_path: 'nope' } },
        apigw_backend_service: { stub: { name: 'stub', type: 'MOCK', environments: { release: { mock: { status_code: 99 } } } } },
      },
    };
    fs.writeFileSync(file, JSON.stringify(tf));
    const error = await loadDocument(file, SOURCES).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'APIGW_DOCUMENT_INVALID' });
    const pointers = (error as { problems: { pointer: string }[] }).problems.map((p) => p.pointer);
    expect(pointers).toContain('/resource/apigw_api_group/shop/base_path');
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).not.toContain('/groups/0');
  });
});
