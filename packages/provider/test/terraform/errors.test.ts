/** Every error code of the Terraform plugin and the CDKTF integration is documented. */
import fs from 'node:fs';
import path from 'node:path';
import { CDKTF_ERROR_CODES } from '../../src/cdktf/errors';
import { TERRAFORM_ERROR_CODES, TerraformPluginError } from '../../src/terraform/errors';

describe('error codes', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'examples', 'cdktf', 'README.md'), 'utf8');

  it.each(Object.entries({ ...TERRAFORM_ERROR_CODES, ...CDKTF_ERROR_CODES }))('%s is in the examples/cdktf README table with its meaning', (code, meaning) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row).toBe(`| \`${code}\` | ${meaning} |`);
  });

  it('carry their code and are apigw errors', () => {
    const e = new TerraformPluginError('APIGW_TF_NOT_CONFIGURED', 'x');
    expect(e).toMatchObject({ code: 'APIGW_TF_NOT_CONFIGURED', name: 'TerraformPluginError', message: 'x' });
  });
});
