/**
 * applyPlan against a real in-process gateway, on each store engine: a
 * plan made against an older revision is refused as stale, naming the
 * revision the gateway is at (read from the error body, not from its
 * message).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, type Gateway } from '@apigw/runtime';
import { ENGINES, EngineStores } from '../../../runtime/test/support/engines';
import { StalePlanError } from '../../src/errors';
import { applyPlan } from '../../src/apply';

describe.each(ENGINES)('%s store', (engine) => {
  const stores = new EngineStores(engine);
  let gateway: Gateway;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'apigw-apply-plan-'));
    gateway = await createGateway({ dataDir, ...(await stores.next()), port: 0, adminPort: 0, adminToken: 'apply-plan-test-token' });
  });

  afterAll(async () => {
    await gateway.close();
    await stores.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('GIVEN a gateway at revision 2 WHEN a plan made at revision 1 is applied THEN StalePlanError names both revisions and nothing changes', async () => {
    await applyPlan(gateway.client, { stack: 'shop', revision: 0, operations: [{ op: 'create', kind: 'app', spec: { name: 'mobile' } }] });
    await applyPlan(gateway.client, { stack: 'shop', revision: 1, operations: [{ op: 'create', kind: 'app', spec: { name: 'tablet' } }] });
    const refusal = await applyPlan(gateway.client, { stack: 'shop', revision: 1, operations: [{ op: 'create', kind: 'app', spec: { name: 'watch' } }] }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(StalePlanError);
    expect(refusal).toMatchObject({ code: 'APIGW_PLAN_STALE', plannedRevision: 1, currentRevision: 2 });
    expect((await gateway.client.getState()).apps.map((a) => a.id)).toEqual(['mobile', 'tablet']);
  });
});
