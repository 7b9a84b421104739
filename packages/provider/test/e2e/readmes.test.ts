/**
 * The commands of examples/quickstart/README.md, run exactly as written
 * from the repository root: the demo, then a gateway kept running with
 * the example synthesized, planned, applied and called. The gateway's
 * state goes to a temporary APIGW_DATA_DIR and its ports are free ones
 * (APIGW_PORT, APIGW_ADMIN_PORT), so the run leaves the checkout as it was.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blocksUnder, commandsOf, isBackground, runCommand, startBackground, type Background } from '../readme-commands';

const root = path.resolve(__dirname, '../../../..');

describe('examples/quickstart/README.md', () => {
  let dataDir: string;
  let serve: Background | undefined;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-readme-'));
  });
  afterAll(async () => {
    await serve?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs as written: the demo, then serve, synth, plan, apply and call', async () => {
    const blocks = blocksUnder(path.join(root, 'examples/quickstart/README.md'), 'Run it').filter((b) => b.lang === 'sh');
    expect(blocks).toHaveLength(2);
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', APIGW_DATA_DIR: dataDir, APIGW_PORT: '0', APIGW_ADMIN_PORT: '0' };
    for (const k of ['QUICKSTART_USERS_TEST_URL', 'QUICKSTART_USERS_RELEASE_URL', 'QUICKSTART_ORDERS_PORT', 'APIGW_ENDPOINT', 'APIGW_TOKEN', 'APIGW_GATEWAY']) delete env[k];

    const [demo] = commandsOf(blocks[0]!);
    // The root README opens with the same demo command (run from the same directory): this run is its run too.
    const ran = await runCommand(demo!, root, env);
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain('Before: users v1. After: users v2.');

    const out = new Map<string, string>();
    for (const line of commandsOf(blocks[1]!)) {
      if (isBackground(line)) {
        serve = startBackground(line, root, env);
        env['APIGW_ENDPOINT'] = (await serve.waitFor(/admin API listening on (\S+)/))[1];
        env['APIGW_GATEWAY'] = (await serve.waitFor(/data plane listening on (\S+)/))[1];
        continue;
      }
      const r = await runCommand(line, root, env);
      if (r.status !== 0) throw new Error(`\`${line}\` exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      out.set(line.replace(/\s+#.*$/, ''), r.stdout);
    }
    expect(fs.existsSync(path.join(dataDir, 'admin.token'))).toBe(true);
    expect(JSON.parse(out.get('npx apigw synth examples/quickstart/gateway.ts')!)).toEqual(JSON.parse(fs.readFileSync(path.join(root, 'examples/quickstart/gateway.json'), 'utf8')));
    expect(out.get('npx apigw plan -f examples/quickstart/gateway.ts')).toContain('Plan: 19 to add, 0 to change, 0 to destroy.');
    expect(out.get('npx apigw apply -f examples/quickstart/gateway.ts --auto-approve')).toContain('Apply complete! Resources: 19 added');
    const call = out.get('npx apigw call shop/health')!;
    expect(call).toContain('< 200');
    expect(call).toContain('"status":"ok","stage":"RELEASE"');
  }, 300_000);
});
