/**
 * A real headless Chromium for the UI tests, driven by playwright-core. The
 * binary comes from the npm registry (@sparticuz/chromium unpacks it to the temp
 * dir on first use), so `npm install && npm test` needs no system browser;
 * CHROMIUM_PATH picks another one (e.g. Debian's /usr/bin/chromium).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

// Off the network and quiet: nothing but the test hub on loopback.
export const CHROMIUM_FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];

export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const { default: packaged } = await import("@sparticuz/chromium");
  return packaged.executablePath();
}

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "gc-chromium-"));
  // A persistent context is how a fresh, empty --user-data-dir is given.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: await chromiumPath(), headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 860 },
  });
  const browser = context.browser();
  return {
    browser: browser!, context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
