/**
 * A real headless Chromium for the UI tests, driven by playwright-core. The
 * binary comes from the npm registry (@sparticuz/chromium unpacks it on first use),
 * so `npm install && npm test` needs no system browser; CHROMIUM_PATH picks another
 * one (e.g. Debian's /usr/bin/chromium).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

// Off the network and quiet: nothing but the test hub on loopback.
export const CHROMIUM_FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];

export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const entry = createRequire(import.meta.url).resolve("@sparticuz/chromium"); // <package>/build/index.js
  const { version } = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  const home = join(tmpdir(), `gc-chromium-${version}`);
  const binary = join(home, "chromium");
  if (existsSync(binary)) return binary;
  // The package unpacks into os.tmpdir() and takes an existing `chromium` there as done, so
  // two test files starting at once would launch the other's half-written binary. Each
  // unpacks into its own directory and renames it into place; the first rename wins.
  const staging = mkdtempSync(join(tmpdir(), "gc-chromium-staging-"));
  try {
    const unpack = `(await import(${JSON.stringify(pathToFileURL(entry).href)})).default.executablePath()`;
    execFileSync(process.execPath, ["--input-type=module", "-e", unpack], {
      env: { ...process.env, TMPDIR: staging }, stdio: ["ignore", "ignore", "inherit"],
    });
    renameSync(staging, home);
  } catch (error) {
    if (!existsSync(binary)) throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "gc-browser-profile-"));
  // A persistent context is how a fresh, empty --user-data-dir is given.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 860 },
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
