/**
 * Time to first render of the console's API list with 10,000 APIs: a fresh
 * embedded gateway (temporary data directory, loopback ephemeral ports) is
 * filled in one batch, headless Chromium signs in, and the clock runs from
 * navigating to the API page until its first table rows are on screen.
 * Also printed: the server-side page query alone, filtered and not.
 *
 * Run after `npm run build`, with Node 22 (type stripping loads the test
 * support's browser launcher): see README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../../packages/runtime/test/support/browser.ts';

const require = createRequire(import.meta.url);
const { createGateway } = require('../../packages/runtime/dist/index.js');

// APIGW_BENCH_QUICK_APIS=N measures N APIs whatever the argument: a quick run that checks the bench works, not a measurement.
const COUNT = Number(process.env.APIGW_BENCH_QUICK_APIS || process.argv[2] || 10_000);
const RUNS = 5;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const dir = mkdtempSync(join(tmpdir(), 'apigw-bench-console-'));
const gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 'bench-token' });
let browser;
try {
  const groups = 10;
  const operations = [
    { op: 'create', kind: 'backendService', spec: { name: 'users', type: 'HTTP', environments: { TEST: { url: 'http://127.0.0.1:9' }, RELEASE: { url: 'http://127.0.0.1:9' } } } },
    ...Array.from({ length: groups }, (_, g) => ({ op: 'create', kind: 'group', spec: { name: `group${g}`, basePath: '/', domains: [`g${g}.bench.localhost`], certificates: [] } })),
  ];
  for (let i = 0; i < COUNT; i++) {
    operations.push({
      op: 'create',
      kind: 'api',
      spec: {
        group: `group${i % groups}`,
        name: `api${i}`,
        auth: { type: 'ANONYMOUS', appCode: 'DISABLED', signatureMethod: 'HmacSHA256', antiReplay: false },
        request: { protocols: ['HTTP'], method: 'GET', path: `/items/${i}`, matchAllChildPaths: false, mode: 'PASSTHROUGH', parameters: [] },
        backend: { service: 'users', path: `/v1/items/${i}`, method: 'GET', timeoutMs: 10000, constantParameters: [], systemParameters: [] },
      },
    });
    operations.push({ op: 'publish', api: `group${i % groups}/api${i}`, stage: 'RELEASE' });
  }
  await gateway.client.batch({ stack: 'bench', operations });

  const headers = { authorization: 'Bearer bench-token' };
  const timeQuery = async (path, runs = RUNS) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const response = await fetch(`${gateway.adminUrl}${path}`, { headers });
      await response.json();
      times.push(performance.now() - started);
    }
    return median(times);
  };
  // The first read builds the console's index of this revision.
  const firstQuery = await timeQuery('/v1/console/apis?limit=50', 1);
  const pageQuery = await timeQuery('/v1/console/apis?limit=50');
  const filteredQuery = await timeQuery('/v1/console/apis?limit=50&group=group3&q=api99');
  // One API changed and republished: the next read applies only that change.
  const changed = structuredClone(operations[groups + 1].spec);
  changed.backend.timeoutMs = 5000;
  await gateway.client.batch({ stack: 'bench', operations: [{ op: 'update', kind: 'api', spec: changed }, { op: 'publish', api: `${changed.group}/${changed.name}`, stage: 'RELEASE' }] });
  const afterChange = await timeQuery('/v1/console/apis?limit=50', 1);

  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${gateway.adminUrl}/console/`);
  await page.getByLabel('Admin token').fill('bench-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  // Timed in the page: from the hash change to the first row in the DOM, seen by a MutationObserver.
  const renders = [];
  for (let i = 0; i < RUNS; i++) {
    await page.evaluate(() => (location.hash = '#/'));
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    renders.push(
      await page.evaluate(
        () =>
          new Promise((resolve) => {
            const started = performance.now();
            const observer = new MutationObserver(() => {
              if (document.querySelector('table.apis tbody tr')) {
                observer.disconnect();
                resolve(performance.now() - started);
              }
            });
            observer.observe(document.body, { childList: true, subtree: true });
            location.hash = '#/apis';
          }),
      ),
    );
  }
  const rows = await page.locator('table.apis tbody tr').count();
  const total = await page.getByTestId('api-count').innerText();
  // A full page load straight onto the API list: from the navigation's start (the page's time origin)
  // to the first row in the DOM (document, script, stylesheet, the first query, the render).
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('table.apis tbody tr')) {
        observer.disconnect();
        window.__firstRow = performance.now();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const cold = [];
  for (let i = 0; i < RUNS; i++) {
    await page.evaluate((offset) => (location.hash = `#/apis?offset=${offset}`), (i * 50) % COUNT); // a page that has rows, however few APIs
    await page.reload();
    await page.locator('table.apis tbody tr').first().waitFor();
    cold.push(await page.evaluate(() => window.__firstRow));
  }
  if (page.errors.length > 0) throw new Error(`console errors: ${page.errors.join('; ')}`);
  console.log(`console API list, ${COUNT} APIs (${total}; ${rows} rows rendered), median of ${RUNS}`);
  console.log(`  first render, in-app navigation: ${median(renders).toFixed(1)} ms`);
  console.log(`  first render, full page load: ${median(cold).toFixed(1)} ms`);
  console.log(`  GET /v1/console/apis, first of the revision (builds the index): ${firstQuery.toFixed(1)} ms`);
  console.log(`  GET /v1/console/apis?limit=50: ${pageQuery.toFixed(1)} ms`);
  console.log(`  GET /v1/console/apis, first after a one-API commit: ${afterChange.toFixed(1)} ms`);
  console.log(`  GET /v1/console/apis?group&q (filtered): ${filteredQuery.toFixed(1)} ms`);
} finally {
  await browser?.close();
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
}
