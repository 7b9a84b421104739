/**
 * The README's "Several nodes on one PostgreSQL" commands, run exactly as
 * written (as one shell script: the export reaches both nodes) against a
 * throwaway PostgreSQL: both nodes start, share one store, and a change
 * applied through node A is served by node B. The environment differs from
 * a user's only where the README leaves it open: PGPORT (the throwaway
 * server's port), APIGW_PORT/APIGW_ADMIN_PORT 0 for node A, a known admin
 * token, and a working directory of its own whose node_modules/.bin is
 * the repository's (where `npx apigw` finds the CLI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpGatewayClient } from '../../src/client/http-client';
import { blocksUnder } from '../../../provider/test/readme-commands';
import { eventually, get, helloOperations } from '../support/nodes';
import { startTestPostgres, type TestPostgres } from '../support/postgres';

const root = resolve(__dirname, '../../../..');

/** Whether any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('README: several nodes on one PostgreSQL', () => {
  let server: TestPostgres;
  let cwd: string;
  let shell: ChildProcess | undefined;

  beforeAll(async () => {
    server = await startTestPostgres();
    await server.createDatabase('apigw');
    cwd = mkdtempSync(join(tmpdir(), 'apigw-pg-readme-'));
    mkdirSync(join(cwd, 'node_modules'));
    symlinkSync(join(root, 'node_modules', '.bin'), join(cwd, 'node_modules', '.bin'));
  });
  afterAll(async () => {
    // The script's process group: both nodes (and npx in front of them).
    if (shell?.pid) {
      try {
        process.kill(-shell.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    // The nodes finish their requests and exit; then the database goes.
    if (shell?.pid) await eventually(async () => !groupAlive(shell!.pid!), 'the nodes stop', 30_000).catch(() => process.kill(-shell!.pid!, 'SIGKILL'));
    await server.destroy();
    rmSync(cwd, { recursive: true, force: true });
  });

  test('two nodes start on one database; a change applied through A is served by B', async () => {
    const [block] = blocksUnder(join(root, 'README.md'), 'Several nodes on one PostgreSQL').filter((b) => b.lang === 'sh');
    expect(block!.text.trim().split('\n')).toHaveLength(3);
    const env: NodeJS.ProcessEnv = { ...process.env, PGPORT: String(server.port), APIGW_PORT: '0', APIGW_ADMIN_PORT: '0', APIGW_ADMIN_TOKEN: 'readme-token', NO_COLOR: '1' };
    delete env['APIGW_STORE'];
    delete env['APIGW_DATA_DIR'];
    const child = spawn('bash', ['-c', block!.text], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    shell = child;
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const nodes = (): { data: string; admin: string }[] =>
      [...out.matchAll(/data plane listening on (\S+).*\napigw admin API listening on (\S+)/g)].map((m) => ({ data: m[1]!, admin: m[2]! }));
    await eventually(async () => nodes().length === 2, 'both nodes print where they listen', 120_000).catch((error: Error) => {
      throw new Error(`${error.message}; they printed:\n${out}`);
    });
    expect(out).toMatch(/state at revision 0 in postgres:\/\/apigw:\*\*\*@127\.0\.0\.1/);
    expect(out).not.toContain(':apigw@');

    const [a, b] = nodes();
    const client = new HttpGatewayClient({ endpoint: a!.admin, token: 'readme-token' });
    try {
      expect((await client.batch({ stack: 'shop', operations: helloOperations('from node A') })).revision).toBe(1);
    } finally {
      await client.close();
    }
    // "Every node serves it moments later": the node that took the write as well as the other.
    for (const [name, node] of [['B', b!], ['A', a!]] as const) {
      await eventually(async () => (await get(node.data, '/hello')).body === 'from node A', `node ${name} serves the change`);
      expect(await get(node.data, '/hello')).toEqual({ status: 200, body: 'from node A' });
    }
  }, 240_000);
});
