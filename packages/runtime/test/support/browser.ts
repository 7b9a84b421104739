/**
 * A real headless browser for tests: Debian's Chromium driven by
 * playwright-core (which downloads nothing). When Chromium is missing it is
 * installed from Debian's packages first, so a fresh machine runs the
 * browser tests as they are.
 *
 * Every browser gets a fresh profile directory, removed on close, and the
 * flags that keep Chromium from calling home or needing a sandbox helper.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless Chromium in a container: no sandbox helper, no GPU, no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A launched browser: its one context (fresh profile) and how to stop it. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** Opens a page that records console errors and uncaught page errors into `errors`. */
  newPage(): Promise<Page & { readonly errors: string[] }>;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Options of launchBrowser. */
export interface LaunchBrowserOptions {
  /** Context options (viewport, base URL...). @default a 1280×800 viewport */
  readonly context?: BrowserContextOptions;
}

/** Installs Debian's chromium when it is missing (needs root, as on CI machines). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium package (apt-get install -y chromium)`);
  execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 600_000 });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    stdio: 'ignore',
    timeout: 900_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
  return CHROMIUM_PATH;
}

/**
 * Launches headless Chromium with a fresh user-data directory. Close it
 * with `close()` in the test's afterAll.
 */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<TestBrowser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'apigw-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1280, height: 800 },
      ...options.context,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      return Object.assign(page, { errors });
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
