import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parseDocument } from '@apigw/schema';
import { computePlan } from '../../src/diff';
import { isSecretRef, renderHuman, renderJson, renderMarkdown, useColor } from '../../src/render';
import { liveStateOf } from '../scenarios/live-state';

const scenarios = path.join(__dirname, '..', 'scenarios');
const planSchema = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../schema/plan.schema.json'), 'utf8'));
const validatePlan = new Ajv2020({ allErrors: true, strict: true }).compile(planSchema);

function planOf(dir: string) {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(scenarios, dir, f), 'utf8'));
  const options = fs.existsSync(path.join(scenarios, dir, 'options.json')) ? read('options.json') : {};
  return computePlan(parseDocument(read('desired.json')), liveStateOf(read('actual.json')), options);
}

describe('JSON plan', () => {
  const dirs = fs.readdirSync(scenarios).filter((d) => /^\d{3}-/.test(d) && !fs.existsSync(path.join(scenarios, d, 'error.txt')));

  it.each(dirs)('matches schema/plan.schema.json (%s)', (dir) => {
    const doc = JSON.parse(renderJson(planOf(dir)));
    const ok = validatePlan(doc);
    expect(validatePlan.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('replaces secrets in operations with references', () => {
    const doc = JSON.parse(renderJson(planOf('012-secrets-masked'), '/tmp/gateway.json'));
    const key = doc.operations[0].spec.certificates[0].privateKeyPem;
    expect(isSecretRef(key)).toBe(true);
    expect(doc.source).toBe('/tmp/gateway.json');
  });
});

describe('human plan', () => {
  it('colors only when asked', () => {
    const plan = planOf('003-repoint-release');
    expect(renderHuman(plan, { color: false })).not.toContain('\u001b[');
    expect(renderHuman(plan, { color: true })).toContain('\u001b[33m~\u001b[0m');
  });

  it('uses color on a terminal unless NO_COLOR is set', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
  });
});

describe('markdown plan', () => {
  it('summarizes, tables resources and lists consequences', () => {
    const md = renderMarkdown(planOf('003-repoint-release'));
    expect(md).toContain('**Plan: 0 to add, 1 to change, 0 to destroy.**');
    expect(md).toContain('| `~` | backend service `users` | will be updated in place |');
    expect(md).toContain('repoints 2 API(s) published to RELEASE: `shop/getOrders`, `shop/listUsers`');
    expect(md).toContain('```diff');
  });

  it('says when there is nothing to do', () => {
    expect(renderMarkdown(planOf('002-no-change-defaults-and-order'))).toContain('No changes');
  });
});

describe('markdown plan of a big change', () => {
  it('fits a pull-request comment', () => {
    const n = 2000;
    const doc = {
      apiVersion: 'apigw/v1',
      stack: 'big',
      backendServices: [{ name: 'users', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:1' } } }],
      groups: [{ name: 'shop' }],
      apis: Array.from({ length: n }, (_, i) => ({ group: 'shop', name: `api${String(i).padStart(5, '0')}`, request: { method: 'GET', path: `/r${i}` }, backend: { service: 'users', path: '/' }, stages: ['RELEASE'] })),
    };
    const md = renderMarkdown(computePlan(parseDocument(doc), liveStateOf({ apiVersion: 'apigw/v1', stack: 'big' } as never)));
    expect(md.length).toBeLessThan(65_536);
    expect(md).toContain(`**Plan: ${n + 2} to add, 0 to change, 0 to destroy.**`);
    expect(md).toContain(`| | ... | and ${n + 2 - 200} more resources |`);
    expect(md).toMatch(/more lines: run apigw plan for all of it/);
  });
});
