/**
 * The overview's node list in a real browser: two gateway nodes on one
 * PostgreSQL, the console of one of them lists both with the revision each
 * serves, follows a commit made through the other, and shows the other
 * stale once it stops. A screenshot is written to a temp dir (printed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGateway, type Gateway } from '@apigw/runtime';
import { launchBrowser, type TestBrowser } from '../../runtime/test/support/browser';
import { helloOperations } from '../../runtime/test/support/nodes';
import { startTestPostgres, type TestPostgres } from '../../runtime/test/support/postgres';

jest.setTimeout(180_000);

const TOKEN = 'console-nodes-token';
/** Waits are generous: the machine may be busy; nothing here depends on timing beyond "eventually". */
const WAIT = { timeout: 60_000 };

let server: TestPostgres;
let dirs: string[] = [];
let a: Gateway;
let b: Gateway | undefined;
let browser: TestBrowser;
let shots: string;

beforeAll(async () => {
  server = await startTestPostgres();
  const store = await server.createDatabase(`console_nodes_${process.pid}`);
  dirs = [mkdtempSync(join(tmpdir(), 'apigw-console-nodes-')), mkdtempSync(join(tmpdir(), 'apigw-console-nodes-'))];
  shots = mkdtempSync(join(tmpdir(), 'apigw-console-nodes-shots-'));
  [a, b] = await Promise.all(dirs.map((dir) => createGateway({ dataDir: dir, store, port: 0, adminPort: 0, adminToken: TOKEN, heartbeatMs: 300 })));
  browser = await launchBrowser();
  process.stdout.write(`console node screenshots: ${shots}\n`);
});

afterAll(async () => {
  await browser?.close();
  await b?.close();
  await a?.close();
  await server?.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('lists both nodes, follows a commit made through the other, and shows a stopped node stale', async () => {
  const page = await browser.newPage();
  await page.goto(`${a.adminUrl}/console/`);
  await page.getByLabel('Admin token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Nodes', level: 2 }).waitFor(WAIT);
  const rows = page.getByTestId('node');
  const row = (gateway: Gateway) => rows.filter({ hasText: gateway.adminUrl });

  await row(a).getByTestId('node-state').filter({ hasText: 'ready' }).waitFor(WAIT);
  await row(b!).getByTestId('node-state').filter({ hasText: 'ready' }).waitFor(WAIT);
  expect(await rows.count()).toBe(2);
  await row(a).getByText('(this node)').waitFor(WAIT);
  expect(await row(b!).getByText('(this node)').count()).toBe(0);

  const committed = await b!.client.batch({ stack: 'shop', operations: helloOperations('one') });
  await page.getByTestId('revision').filter({ hasText: String(committed.revision) }).waitFor(WAIT);
  for (const gateway of [a, b!]) await row(gateway).getByTestId('node-revision').filter({ hasText: new RegExp(`^${committed.revision}$`) }).waitFor(WAIT);
  await page.screenshot({ path: join(shots, 'overview-two-nodes.png'), fullPage: true });

  const stopped = b!;
  b = undefined;
  await stopped.close();
  await row(stopped).getByTestId('node-state').filter({ hasText: 'stale' }).waitFor(WAIT);
  await row(a).getByTestId('node-state').filter({ hasText: /^ready$/ }).waitFor(WAIT);
  await page.screenshot({ path: join(shots, 'overview-stale-node.png'), fullPage: true });
  expect(await page.content()).not.toContain(TOKEN);
  expect(page.errors).toEqual([]);
  await page.close();
});
