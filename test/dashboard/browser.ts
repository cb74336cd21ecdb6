/**
 * Headless Chromium for the dashboard tests: Debian's chromium package (installed by
 * scripts/ensure-chromium.sh before the tests), driven by playwright-core, with a fresh
 * profile per launch. Console errors and failed page errors are collected, so a test can
 * say the page produced none.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from '../helpers';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
/** Where the tests save their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output/dashboard');

// Without the background-networking flags Chromium tries to reach its update and sync
// services, which a closed network refuses.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A browser with its own profile directory, and the pages opened in it. */
export interface TestBrowser {
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Console messages of type error and uncaught page errors, from every page. */
  readonly errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await tempDir('jetstate-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
  });
  // Fail fast: a locator that finds nothing waits this long, not the default 30 s.
  context.setDefaultTimeout(10_000);
  const errors: string[] = [];
  const watch = (page: Page): void => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    browser: context.browser()!,
    context,
    errors,
    newPage: async () => context.newPage(),
    close: async () => {
      await context.close();
      await profile.remove();
    },
  };
}

/** Saves a screenshot of the page as test-output/dashboard/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
