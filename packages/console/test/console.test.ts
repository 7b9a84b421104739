/**
 * The console in a real browser (Debian's Chromium, headless, driven by
 * playwright-core) against a real gateway with a real backend on loopback,
 * configured through the `apigw` CLI. A screenshot of every page is written
 * to a temp directory (printed) for a reviewer to look at.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { createGateway, type Gateway } from '@apigw/runtime';
import { main } from '@apigw/provider/cli';
import pino from 'pino';
import { generate } from 'selfsigned';
import { launchBrowser, type TestBrowser } from '../../runtime/test/support/browser';

jest.setTimeout(180_000);

/** A backend on loopback that answers with its name and what it received. */
async function startBackend(name: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const body = JSON.stringify({ backend: name, method: req.method, url: req.url, tenant: req.headers['x-tenant'] ?? null });
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A GET with the given headers (Host included); resolves with the status. */
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** A JWT plugin's HMAC secret: stored by the gateway, never shown. */
const JWT_SECRET = 'jwt-hmac-secret-the-console-never-shows-0123456789';
let dir: string;
let shots: string;
let gateway: Gateway;
let browser: TestBrowser;
let blue: { server: Server; url: string };
let green: { server: Server; url: string };
let certificate: { cert: string; key: string };
const auditLines: string[] = [];

function document(releaseUrl: string): unknown {
  return {
    apiVersion: 'apigw/v1',
    stack: 'shop',
    backendServices: [
      { name: 'users', type: 'HTTP', environments: { TEST: { url: blue.url }, RELEASE: { url: releaseUrl } } },
      { name: 'stub', type: 'MOCK', environments: { TEST: { mock: { statusCode: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } } } } },
    ],
    groups: [
      {
        name: 'shop',
        basePath: '/',
        domains: ['api.shop.localhost', 'secure.shop.localhost'],
        certificates: [{ domain: 'secure.shop.localhost', certificatePem: certificate.cert, privateKeyPem: certificate.key }],
      },
    ],
    apis: [
      {
        group: 'shop',
        name: 'getUser',
        auth: { type: 'APP', appCode: 'HEADER_QUERY', signatureMethod: 'HmacSHA256', antiReplay: true },
        request: {
          method: 'GET',
          path: '/users/{id}',
          mode: 'MAPPING',
          parameters: [
            { name: 'id', in: 'PATH', type: 'STRING', required: true },
            { name: 'verbose', in: 'QUERY', type: 'BOOLEAN', default: 'false' },
          ],
        },
        backend: { service: 'users', path: '/v1/users/{id}', method: 'GET', constantParameters: [{ name: 'x-tenant', in: 'HEAD', value: 'shop' }] },
        stages: ['TEST', 'RELEASE'],
      },
      {
        group: 'shop',
        name: 'health',
        auth: { type: 'ANONYMOUS' },
        request: { method: 'GET', path: '/health' },
        backend: { service: 'stub', path: '/health' },
        stages: ['TEST'],
      },
      ...Array.from({ length: 30 }, (_, i) => ({
        group: 'shop',
        name: `listOrders${i}`,
        auth: { type: 'ANONYMOUS' },
        request: { method: 'GET', path: `/orders/${i}` },
        backend: { service: 'users', path: `/v1/orders/${i}` },
        stages: ['RELEASE'],
      })),
    ],
    apps: [{ name: 'mobile', description: 'The mobile shop app' }],
    authorizations: [{ app: 'mobile', api: 'shop/getUser', stages: ['TEST', 'RELEASE'] }],
    plugins: [
      { name: 'releaseLimit', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'MINUTE', apiDefault: 1000 } },
      { name: 'tokenAuth', type: 'JWT', jwt: { secret: JWT_SECRET, algorithms: ['HS256'] } },
    ],
    pluginAttachments: [
      { plugin: 'releaseLimit', api: 'shop/getUser', stages: ['RELEASE'] },
      { plugin: 'tokenAuth', group: 'shop', stages: ['PRE'] },
    ],
  };
}

/** `apigw apply -f <doc> --auto-approve` against the test gateway. */
async function apply(doc: unknown): Promise<void> {
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(doc));
  const out: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(['apply', '-f', file, '--auto-approve', '--endpoint', gateway.adminUrl, '--token', gateway.adminToken], { stdout, stderr, stdin, env: { NO_COLOR: '1' } });
  if (code !== 0) throw new Error(`apigw apply exited ${code}: ${Buffer.concat(out).toString()}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'apigw-console-'));
  shots = mkdtempSync(join(tmpdir(), 'apigw-console-shots-'));
  const pems = await generate([{ name: 'commonName', value: 'secure.shop.localhost' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'secure.shop.localhost' }] }],
  });
  certificate = { cert: pems.cert, key: pems.private };
  blue = await startBackend('blue');
  green = await startBackend('green');
  const audit = new Writable({
    write(chunk: Buffer, _encoding, done) {
      auditLines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  gateway = await createGateway({ dataDir: dir, port: 0, adminPort: 0, adminToken: 'console-test-token', logger: pino({ level: 'info' }, audit) });
  await apply(document(blue.url));
  browser = await launchBrowser();
  process.stdout.write(`console screenshots: ${shots}\n`);
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await new Promise((resolve) => blue?.server.close(resolve));
  await new Promise((resolve) => green?.server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Every secret of the gateway: no page may contain one unless revealed. */
async function secrets(): Promise<string[]> {
  const credentials = await gateway.client.getCredentials('mobile');
  const keyBody = certificate.key
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----'))
    .slice(0, 2)
    .join('');
  return [credentials.appSecret, credentials.appCode, keyBody, certificate.key.split('\n')[1]!, JWT_SECRET];
}

async function expectNoSecret(page: Awaited<ReturnType<TestBrowser['newPage']>>, where: string): Promise<void> {
  const html = await page.content();
  const text = await page.evaluate(() => document.body.innerText);
  for (const secret of await secrets()) {
    expect({ where, leaked: html.includes(secret) || text.includes(secret) }).toEqual({ where, leaked: false });
  }
}

async function signIn(page: Awaited<ReturnType<TestBrowser['newPage']>>): Promise<void> {
  await page.goto(`${gateway.adminUrl}/console/`);
  await page.getByLabel('Admin token').fill('console-test-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
}

describe('console', () => {
  it('refuses a wrong token, signs in with the right one and keeps the token in sessionStorage only', async () => {
    const page = await browser.newPage();
    await page.goto(`${gateway.adminUrl}/console/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That token is not the admin token.').waitFor();
    await page.screenshot({ path: join(shots, '00-login.png') });
    // The refused attempt is the one failed request this page may log.
    expect(page.errors).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    page.errors.length = 0;
    await page.getByLabel('Admin token').fill('console-test-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('apigw.console.token'))).toBe('console-test-token');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await browser.context.cookies()).toEqual([]);
    expect(page.url()).not.toContain('console-test-token');
    await page.getByTestId('revision').filter({ hasText: String(gateway.revision) }).waitFor();
    await page.screenshot({ path: join(shots, '01-overview.png'), fullPage: true });
    await expectNoSecret(page, 'overview');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('finds an API by filter, with its published revision per stage', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'APIs', exact: true }).click();
    await page.getByTestId('api-count').filter({ hasText: 'of 32 APIs' }).waitFor();
    await page.getByLabel('Search').fill('getuser');
    await page.getByTestId('api-count').filter({ hasText: '1–1 of 1 APIs' }).waitFor();
    const row = page.getByRole('row', { name: /shop\/getUser/ });
    expect(await row.innerText()).toContain('GET /users/{id}');
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Stage').selectOption('TEST');
    await page.getByTestId('api-count').filter({ hasText: 'of 2 APIs' }).waitFor();
    await page.getByLabel('Backend').selectOption('stub');
    await page.getByTestId('api-count').filter({ hasText: '1–1 of 1 APIs' }).waitFor();
    expect(await page.getByRole('row', { name: /shop\/health/ }).count()).toBe(1);
    await page.screenshot({ path: join(shots, '02-apis.png'), fullPage: true });
    await expectNoSecret(page, 'apis');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('shows a RELEASE backend URL change applied through the CLI on the backend and API pages without a reload', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(`${gateway.adminUrl}/console/#/backends`);
    const release = page.locator('[data-service="users"] [data-stage="RELEASE"] .target');
    await release.filter({ hasText: blue.url }).waitFor();
    expect(await page.locator('[data-service="users"] [data-stage="RELEASE"]').innerText()).toContain('31 published APIs follow');
    await page.screenshot({ path: join(shots, '03-backends-before.png'), fullPage: true });

    const api = await browser.newPage();
    await signIn(api);
    await api.goto(`${gateway.adminUrl}/console/#/apis/shop/getUser`);
    const reaches = api.locator('tr[data-stage="RELEASE"] .reaches');
    await reaches.filter({ hasText: `${blue.url}/v1/users/{id}` }).waitFor();

    await apply(document(green.url));

    await release.filter({ hasText: green.url }).waitFor({ timeout: 30_000 });
    await reaches.filter({ hasText: `${green.url}/v1/users/{id}` }).waitFor({ timeout: 30_000 });
    const plugins = await api.getByTestId('api-plugins').innerText();
    expect(plugins).toContain('releaseLimit');
    expect(plugins).toContain('tokenAuth');
    // TEST still reaches the blue backend: only RELEASE moved.
    expect(await api.locator('tr[data-stage="TEST"] .reaches').innerText()).toContain(blue.url);
    await page.screenshot({ path: join(shots, '04-backends.png'), fullPage: true });
    await api.screenshot({ path: join(shots, '05-api.png'), fullPage: true });
    await expectNoSecret(page, 'backends');
    await expectNoSecret(api, 'api');
    expect([...page.errors, ...api.errors]).toEqual([]);
    await page.close();
    await api.close();
  });

  it('shows groups with certificate expiry and never the key', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await page.getByRole('heading', { name: 'shop', level: 2 }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('secure.shop.localhost');
    expect(text).toMatch(/\d+ days left/);
    expect(text).not.toContain('PRIVATE KEY');
    await page.screenshot({ path: join(shots, '06-groups.png'), fullPage: true });
    await expectNoSecret(page, 'groups');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('shows apps with the AppKey, and the secrets only after a logged reveal', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Apps', exact: true }).click();
    const credentials = await gateway.client.getCredentials('mobile');
    await page.getByText(credentials.appKey).waitFor();
    await expectNoSecret(page, 'apps');
    await page.screenshot({ path: join(shots, '07-apps.png'), fullPage: true });
    expect(auditLines.some((l) => l.includes('app.credentials.revealed'))).toBe(false);

    await page.getByRole('button', { name: 'Reveal AppSecret and AppCode' }).click();
    await page.getByText(credentials.appSecret).waitFor();
    expect(await page.locator('main').innerText()).toContain(credentials.appCode);
    const logged = auditLines.filter((l) => l.includes('app.credentials.revealed'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ app: 'mobile', event: 'app.credentials.revealed' });
    expect(logged[0]).not.toContain(credentials.appSecret);
    await page.getByRole('button', { name: 'Hide' }).click();
    await expectNoSecret(page, 'apps after hiding');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('shows plugins with their settings and where they are attached, never a JWT secret', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Plugins', exact: true }).click();
    const limit = page.locator('[data-plugin="releaseLimit"]');
    await limit.waitFor();
    const limitText = await limit.innerText();
    expect(limitText).toContain('TRAFFIC_CONTROL');
    expect(limitText).toContain('"apiDefault": 1000');
    expect(limitText).toContain('API shop/getUser in RELEASE');
    const jwt = await page.locator('[data-plugin="tokenAuth"]').innerText();
    expect(jwt).toContain('JWT');
    expect(jwt).toContain('group shop in PRE');
    expect(jwt).toContain('HS256');
    await page.screenshot({ path: join(shots, '12-plugins.png'), fullPage: true });
    await expectNoSecret(page, 'plugins');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('shows live traffic per API and stage', async () => {
    const page = await browser.newPage();
    await signIn(page);
    for (let i = 0; i < 5; i++) expect(await get(`${gateway.dataUrl}/health`, { host: 'api.shop.localhost', 'x-ca-stage': 'TEST' })).toBe(200);
    await page.getByRole('link', { name: 'Traffic', exact: true }).click();
    const row = page.getByRole('row', { name: /shop\/health/ });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/TEST\s+5/);
    await page.screenshot({ path: join(shots, '08-traffic.png'), fullPage: true });
    await expectNoSecret(page, 'traffic');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('debugs an API: a signed call reaches the real backend, a wrong secret shows both strings to sign', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByRole('link', { name: 'Debug', exact: true }).click();
    await page.getByLabel('API (group/name)').fill('shop/getUser');
    await page.getByRole('button', { name: 'Choose' }).click();
    await page.getByLabel('Stage').selectOption('RELEASE');
    await page.getByLabel(/^id · PATH/).fill('42');
    await page.getByLabel(/^verbose · QUERY/).selectOption('true');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('debug-status').filter({ hasText: '200' }).waitFor();
    const body = JSON.parse(await page.getByTestId('debug-body').innerText()) as Record<string, unknown>;
    // The call reached the backend RELEASE points at now, the mapping sending the path and query through.
    const release = gateway.store.getResource('backendService', 'users')?.spec.environments.RELEASE?.url;
    expect(body).toEqual({ backend: release === green.url ? 'green' : 'blue', method: 'GET', url: '/v1/users/42?verbose=true', tenant: 'shop' });
    await page.screenshot({ path: join(shots, '10-debug.png'), fullPage: true });
    await expectNoSecret(page, 'debug, signed');

    await page.getByLabel('Call as').selectOption({ label: 'app mobile, with its AppCode' });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('debug-status').filter({ hasText: '200' }).waitFor();
    await page.getByText('APPCODE ••••••').waitFor({ state: 'attached' });
    await expectNoSecret(page, 'debug, AppCode');

    const credentials = await gateway.client.getCredentials('mobile');
    await page.getByLabel('Call as').selectOption('typed-keys');
    await page.getByLabel('AppKey', { exact: true }).fill(credentials.appKey);
    await page.getByLabel('AppSecret', { exact: true }).fill('not-the-secret');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('debug-status').filter({ hasText: '400' }).waitFor();
    expect(await page.getByTestId('debug-explain').innerText()).toContain('A403IS');
    const server = await page.getByTestId('server-sts').innerText();
    expect(server.split('\n')[0]).toBe('GET');
    expect(server).toContain('/users/42?verbose=true');
    expect(server).toContain(`x-ca-key:${credentials.appKey}`);
    await page.screenshot({ path: join(shots, '11-debug-signature-error.png'), fullPage: true });
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('keeps an API name typed, and the focus, the moment the Debug page appears', async () => {
    const page = await browser.newPage();
    await signIn(page);
    // Type in the very task that inserts the field: before the page's effects, which run a frame later.
    await page.evaluate(() => {
      new MutationObserver((_, observer) => {
        const input = document.querySelector<HTMLInputElement>('input[name="api"]');
        if (!input) return;
        observer.disconnect();
        input.focus();
        input.value = 'shop/getUser';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByRole('link', { name: 'Debug', exact: true }).click();
    await page.getByLabel('API (group/name)').waitFor();
    // Two frames and a pause later, whatever the page does after it appears has run.
    await page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 100)))));
    expect(await page.getByLabel('API (group/name)').inputValue()).toBe('shop/getUser');
    // Nor was the focus taken from the field (the new page's heading takes it only from outside the page).
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('api');
    await page.getByRole('button', { name: 'Choose' }).click();
    await page.getByLabel('Stage').waitFor();
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('is readable in a narrow window and usable from the keyboard', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 380, height: 800 });
    await signIn(page);
    // Tab to the APIs link and follow it with Enter.
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
      if (focused === 'APIs') break;
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'APIs', level: 1 }).waitFor();
    // The new page's heading takes the focus.
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'APIs');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, '09-narrow-apis.png') });
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
