/**
 * Crash consistency: a child runtime (the built `serve-main.js`) is driven
 * with large batches and killed with SIGKILL at random moments, many times.
 * After every kill the data directory is reopened and must show the state
 * exactly as some batch left it — never part of one — and must keep every
 * batch the child acknowledged.
 *
 * Batch k creates apps `a<k>_0..`, deletes those of batch k-1, and stamps
 * "batch k" on the group and the API (republished): a state at revision k
 * is consistent only if all of that holds for k and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Pool } from 'undici';
import { openStore } from '../../src/store';
import { api, group, shopOperations, tempDir } from './fixtures';

const ROUNDS = Number(process.env['APIGW_CRASH_ROUNDS'] ?? 20);
const APPS_PER_BATCH = 250;
const TOKEN = 'crash-test-token';
const serveMain = resolve(__dirname, '../../dist/serve-main.js');

function appsOf(batch: number): string[] {
  return Array.from({ length: APPS_PER_BATCH }, (_, i) => `a${batch}_${i}`);
}

function batchFor(k: number): object {
  const operations: object[] = [
    ...appsOf(k).map((name) => ({ op: 'create', kind: 'app', spec: { name } })),
    ...(k > 2 ? appsOf(k - 1).map((id) => ({ op: 'delete', kind: 'app', id })) : []),
    { op: 'update', kind: 'group', spec: { ...group, description: `batch ${k}` } },
    { op: 'update', kind: 'api', spec: { ...api(), description: `batch ${k}` } },
    { op: 'publish', api: 'shop/getUser', stage: 'RELEASE' },
  ];
  return { stack: 'shop', expectedRevision: k - 1, operations };
}

/** Checks the reopened state is exactly what batch `revision` left. */
function checkConsistent(dir: string): number {
  const store = openStore(dir);
  try {
    const state = store.getState();
    const k = state.revision;
    const apps = state.apps.map((a) => a.id).sort();
    const groupSpec = state.groups[0]!.spec as { description?: string };
    const liveApi = state.apis[0]!;
    if (k === 1) {
      expect(apps).toEqual(['mobile']);
      expect(groupSpec.description).toBeUndefined();
    } else {
      expect(apps).toEqual(['mobile', ...appsOf(k)].sort());
      expect(groupSpec.description).toBe(`batch ${k}`);
      expect((liveApi.spec as { description?: string }).description).toBe(`batch ${k}`);
      expect(liveApi.published.RELEASE?.digest).toBe(liveApi.digest);
    }
    expect(state.apps.every((a) => /^\d{9}$/.test(a.appKey))).toBe(true);
    expect(store.readView().apps.length).toBe(apps.length);
    return k;
  } finally {
    store.close();
  }
}

function start(dir: string): Promise<{ child: ChildProcess; adminUrl: string }> {
  const child = spawn(process.execPath, [serveMain, '--data-dir', dir, '--port', '0', '--admin-port', '0', '--workers', '1'], {
    env: { ...process.env, APIGW_ADMIN_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /admin API listening on (\S+)/.exec(out);
      if (m) resolvePromise({ child, adminUrl: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`runtime exited (${code}) before listening: ${err}`)));
  });
}

test(`kill -9 during large batches never leaves half a batch (${ROUNDS} rounds)`, async () => {
  const dir = tempDir('apigw-crash-');
  let acknowledged = 1;
  let committedTotal = 0;
  let killedInFlight = 0;
  try {
    const setup = openStore(dir.dir);
    setup.applyBatch({ stack: 'shop', operations: shopOperations() });
    setup.close();

    for (let round = 0; round < ROUNDS; round++) {
      const { child, adminUrl } = await start(dir.dir);
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      const pool = new Pool(adminUrl, { connections: 1 });
      let stop = false;
      let failure: unknown;
      const driver = (async () => {
        while (!stop) {
          const state = await pool.request({ method: 'GET', path: '/v1/state', headers: { authorization: `Bearer ${TOKEN}` } });
          const k = ((await state.body.json()) as { revision: number }).revision + 1;
          const res = await pool.request({
            method: 'POST',
            path: '/v1/batch',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify(batchFor(k)),
          });
          const body = (await res.body.json()) as { revision?: number; error?: unknown };
          expect([res.statusCode, body.error]).toEqual([200, undefined]);
          acknowledged = body.revision!;
          committedTotal++;
        }
      })().catch((error: unknown) => {
        if (stop) killedInFlight++;
        else failure = error;
      });
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 280));
      stop = true;
      child.kill('SIGKILL');
      await exited;
      await driver;
      await pool.destroy();
      if (failure) throw failure;
      const revision = checkConsistent(dir.dir);
      expect(revision).toBeGreaterThanOrEqual(acknowledged);
    }
    // The test means something only if batches were committed and kills hit requests in flight.
    expect(committedTotal).toBeGreaterThan(0);
    expect(killedInFlight).toBeGreaterThan(0);
  } finally {
    dir.cleanup();
  }
}, 300_000);
