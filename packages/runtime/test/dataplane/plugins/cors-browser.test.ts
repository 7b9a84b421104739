/**
 * CORS in a real browser: headless Chromium loads a page from one origin
 * and calls the gateway (another origin) with fetch. The allowed origin's
 * simple and preflighted requests succeed and read exposed headers; the
 * same page served from another origin fails to fetch.
 *
 * Chromium resolves every `*.localhost` name to loopback, so the page and
 * the gateway are told apart by host name and port, as real sites are.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Plugin } from '@apigw/schema';
import type { DataPlane } from '../../../src/dataplane';
import { launchBrowser, type TestBrowser } from '../../support/browser';
import { httpService, startDataPlane, startEcho, view } from '../fixtures';

const PAGE = '<!doctype html><title>shop</title><p>shop';

let echo: Awaited<ReturnType<typeof startEcho>>;
let pages: Server;
let pagePort: number;
let dp: DataPlane;
let gatewayUrl: string;
let browser: TestBrowser;

beforeAll(async () => {
  echo = await startEcho();
  pages = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE);
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  pagePort = (pages.address() as AddressInfo).port;
  const cors: Plugin = {
    name: 'web_cors',
    type: 'CORS',
    cors: {
      allowOrigins: [`http://shop.localhost:${pagePort}`],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['Content-Type', 'X-Shop-Token'],
      exposeHeaders: ['X-Ca-Request-Id'],
      maxAge: 0,
      allowCredentials: false,
    },
  };
  const started = await startDataPlane(
    view({
      groups: [{ name: 'shop', domains: ['api.shop.localhost'] }],
      backendServices: [httpService('users', { RELEASE: echo.url })],
      apis: [
        { name: 'listUsers', request: { path: '/users', method: 'GET' }, backend: { service: 'users', path: '/users' } },
        { name: 'createUser', request: { path: '/users', method: 'POST' }, backend: { service: 'users', path: '/users' } },
      ],
      plugins: [cors],
      pluginAttachments: [{ plugin: 'web_cors', group: 'shop', stages: ['RELEASE'] }],
    }),
  );
  dp = started.dp;
  gatewayUrl = `http://api.shop.localhost:${started.port}`;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dp?.close();
  await new Promise<void>((r) => pages.close(() => r()));
  await echo.close();
});

/** Runs fetch in a page loaded from `origin`; answers what the page could see. */
async function fetchFrom(origin: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      async ({ url, init }) => {
        try {
          const res = await fetch(url, init);
          return { ok: true, status: res.status, requestId: res.headers.get('x-ca-request-id'), body: await res.text() };
        } catch (err) {
          return { ok: false, error: String(err) };
        }
      },
      { url, init },
    );
  } finally {
    await page.close();
  }
}

describe('CORS in a browser', () => {
  test('GIVEN the allowed origin WHEN the page fetches with GET THEN it reads the answer and the exposed request id', async () => {
    const result = await fetchFrom(`http://shop.localhost:${pagePort}`, `${gatewayUrl}/users`);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(JSON.parse(result.body!)).toMatchObject({ method: 'GET', url: '/users' });
  });

  test('GIVEN the allowed origin WHEN the page posts JSON with a custom header THEN the preflight passes and the call goes through', async () => {
    const result = await fetchFrom(`http://shop.localhost:${pagePort}`, `${gatewayUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shop-token': 't-1' },
      body: '{"name":"ann"}',
    });
    expect(result).toMatchObject({ ok: true, status: 200 });
    const echoed = JSON.parse(result.body!) as { method: string; headers: Record<string, string>; body: string };
    expect([echoed.method, echoed.headers['x-shop-token'], echoed.body]).toEqual(['POST', 't-1', '{"name":"ann"}']);
  });

  test('GIVEN another origin WHEN the same page fetches THEN the browser refuses both the simple and the preflighted call', async () => {
    const simple = await fetchFrom(`http://other.localhost:${pagePort}`, `${gatewayUrl}/users`);
    expect(simple).toMatchObject({ ok: false, error: expect.stringContaining('Failed to fetch') });
    const preflighted = await fetchFrom(`http://other.localhost:${pagePort}`, `${gatewayUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(preflighted).toMatchObject({ ok: false, error: expect.stringContaining('Failed to fetch') });
  });
});
