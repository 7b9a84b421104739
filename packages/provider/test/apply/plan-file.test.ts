import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from '@apigw/schema';
import { readPlanFile, writePlanFile } from '../../src/apply';
import { computePlan } from '../../src/diff';
import { PlanFileInvalidError } from '../../src/errors';
import { liveStateOf } from '../scenarios/live-state';

const KEY = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----';
const doc = (key: string) => ({
  apiVersion: 'apigw/v1',
  stack: 'shop',
  groups: [{ name: 'shop', domains: ['api.shop.localhost'], certificates: [{ domain: 'api.shop.localhost', certificatePem: 'CERT', privateKeyPem: key }] }],
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-planfile-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function saved(key: string): { source: string; file: string } {
  const source = path.join(dir, 'gateway.json');
  fs.writeFileSync(source, JSON.stringify(doc(key)));
  const plan = computePlan(parseDocument(doc(key)), liveStateOf({ apiVersion: 'apigw/v1', stack: 'shop', revision: 4 } as never));
  const file = path.join(dir, 'plan.json');
  writePlanFile(file, plan, source);
  return { source, file };
}

describe('saved plans', () => {
  it('hold no secret, and get it back from the source document', async () => {
    const { file } = saved(KEY);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('c2VjcmV0');
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    const plan = await readPlanFile(file);
    expect(plan.revision).toBe(4);
    const op = plan.operations[0]!;
    expect(op.op === 'create' && (op.spec as { certificates: { privateKeyPem: string }[] }).certificates[0]!.privateKeyPem).toBe(KEY);
  });

  it('refuse to apply when the secret changed in the source document', async () => {
    const { source, file } = saved(KEY);
    fs.writeFileSync(source, JSON.stringify(doc(KEY.replace('c2Vj', 'b3Ro'))));
    await expect(readPlanFile(file)).rejects.toThrow(PlanFileInvalidError);
    await expect(readPlanFile(file)).rejects.toThrow(/changed in the source document/);
  });

  it('refuse to apply when the source document is gone', async () => {
    const { source, file } = saved(KEY);
    fs.rmSync(source);
    await expect(readPlanFile(file)).rejects.toThrow(/cannot be read/);
  });
});
