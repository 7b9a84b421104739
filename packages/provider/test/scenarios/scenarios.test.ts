/**
 * Table-driven plans: each numbered folder holds a desired document, the
 * live state it is planned against (`actual.json`: a document whose `stack`
 * owns its resources, plus `revision`, `owners` for resources another stack
 * or nobody owns, and `stale` for API stages serving an older revision),
 * optional `options.json`, and the expected human plan (`plan.txt`), or the
 * expected error (`error.txt`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument, type GatewayDocument } from '@apigw/schema';
import { liveStateOf, type Actual } from './live-state';
import { computePlan, type PlanOptions } from '../../src/diff';
import { renderHuman, renderJson, renderMarkdown } from '../../src/render';

const dirs = fs
  .readdirSync(__dirname, { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d{3}-/.test(d.name))
  .map((d) => d.name)
  .sort();

const read = (dir: string, file: string) => fs.readFileSync(path.join(__dirname, dir, file), 'utf8');
const exists = (dir: string, file: string) => fs.existsSync(path.join(__dirname, dir, file));

describe('plan scenarios', () => {
  it('has scenarios', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(10);
  });

  it.each(dirs)('%s', (dir) => {
    const desired: GatewayDocument = parseDocument(JSON.parse(read(dir, 'desired.json')));
    const state = liveStateOf(JSON.parse(read(dir, 'actual.json')) as Actual);
    const options = exists(dir, 'options.json') ? (JSON.parse(read(dir, 'options.json')) as PlanOptions) : {};
    if (exists(dir, 'error.txt')) {
      expect(() => computePlan(desired, state, options)).toThrow(read(dir, 'error.txt').trimEnd());
      return;
    }
    const plan = computePlan(desired, state, options);
    expect(renderHuman(plan, { color: false })).toBe(read(dir, 'plan.txt'));
    for (const output of [renderHuman(plan, { color: false }), renderJson(plan), renderMarkdown(plan)]) expect(output).not.toMatch(/PRIVATE KEY|s3cr3t/);
    // Once applied, the document plans no change.
    // Resources of other stacks stay as they were.
    type Row = { id: string; stack: string | null };
    const applied = liveStateOf(JSON.parse(read(dir, 'desired.json')) as Actual) as unknown as Record<string, Row[]>;
    for (const [collection, resources] of Object.entries(state)) {
      if (!Array.isArray(resources)) continue;
      const ids = new Set(applied[collection]!.map((r) => r.id));
      applied[collection]!.push(...(resources as Row[]).filter((r) => r.stack !== desired.stack && !ids.has(r.id)));
    }
    expect(computePlan(desired, applied as unknown as typeof state).events).toEqual([]);
  });
});
