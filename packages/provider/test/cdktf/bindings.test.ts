/**
 * The committed CDKTF bindings (src/cdktf/generated) are exactly what
 * scripts/generate-cdktf-bindings.js makes from the provider schema: a
 * schema change without regenerating, or a hand edit, fails here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { providerSchemaJson } from '../../src/terraform/provider-schema';

const generator = require('../../scripts/generate-cdktf-bindings.js') as {
  generateBindings(schema: unknown, outdir: string): Promise<string[]>;
  listFiles(dir: string): string[];
  DEFAULT_OUTDIR: string;
};
const { version } = require('../../package.json') as { version: string };

describe('generated CDKTF bindings', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-bindings-'));
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('match a fresh generation from the provider schema, file for file', async () => {
    const files = await generator.generateBindings(providerSchemaJson(version), outdir);
    const committed = generator.listFiles(generator.DEFAULT_OUTDIR);
    expect(files).toEqual(committed);
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'api/index.ts', 'app/index.ts', 'provider/index.ts']));
    for (const file of files)
      expect({ file, text: fs.readFileSync(path.join(outdir, file), 'utf8') }).toEqual({
        file,
        text: fs.readFileSync(path.join(generator.DEFAULT_OUTDIR, file), 'utf8'),
      });
  });

  it('name each resource type and carry the provider version', () => {
    const api = fs.readFileSync(path.join(generator.DEFAULT_OUTDIR, 'api', 'index.ts'), 'utf8');
    expect(api).toContain("terraformResourceType: 'apigw_api'");
    expect(api).toContain(`providerVersion: '${version}'`);
    expect(api).toContain('readonly matchAllChildPaths?: boolean | cdktf.IResolvable;');
  });
});
