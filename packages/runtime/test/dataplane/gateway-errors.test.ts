import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_ERRORS } from '../../src/dataplane';

describe('gateway error table', () => {
  const readme = readFileSync(join(__dirname, '../../src/dataplane/README.md'), 'utf8');
  const documented = new Map<string, { status: number; message: string }>();
  for (const m of readme.matchAll(/^\| `([A-Z0-9]{6})` \| (\d{3}) \| ([^|]+) \| [^|]+ \|$/gm)) {
    documented.set(m[1]!, { status: Number(m[2]), message: m[3]!.trim() });
  }

  test('every code is six characters, unique, and its digits are a 4xx/5xx status', () => {
    const codes = Object.values(GATEWAY_ERRORS).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const e of Object.values(GATEWAY_ERRORS)) {
      expect(e.code).toMatch(/^[IAPDX][45]\d\d[A-Z]{2}$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
    }
  });

  test('the README documents exactly the codes of the table, with their status and message', () => {
    const table = new Map(Object.values(GATEWAY_ERRORS).map((e) => [e.code, { status: e.status, message: e.message }]));
    expect(documented).toEqual(table);
  });
});
