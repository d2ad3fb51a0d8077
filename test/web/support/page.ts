/** A signed-in page for the UI tests, and what they measure on it. */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { Page, Route } from "playwright-core";
import { startTestHub, type TestHub } from "../../support/hub.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { ensureWebBuilt } from "./build.ts";

const WAIT = { timeout: 20_000 };

/**
 * A page of `b` signed in to `t` as its owner, on its first board: its uncaught errors (and unhandled rejections)
 * go in `pageErrors`, and every confirm() it asks is accepted.
 */
export async function signedInPage(t: TestHub, b: TestBrowser, pageErrors: string[]): Promise<Page> {
  const page = await b.context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto(await t.hub.loginLink());
  await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  return page;
}

/** Each element's text (spaces folded) and how many lines it takes: one, unless a word of it was broken. */
export function lineCounts(page: Page, selector: string): Promise<{ text: string; lines: number }[]> {
  return page.evaluate((sel) => Array.from(document.querySelectorAll(sel)).map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    // A rect below all before it starts a new line (a smaller text beside, as the unread pill's, sits on the same one).
    let lines = 0;
    let bottom = -Infinity;
    for (const r of Array.from(range.getClientRects()).filter((r) => r.width > 0).sort((a, b) => a.top - b.top)) {
      if (r.top >= bottom - 1) lines++;
      bottom = Math.max(bottom, r.bottom);
    }
    return { text: (el as HTMLElement).innerText.replace(/\s+/g, " ").trim(), lines };
  }), selector);
}

/**
 * For a describe block: a test hub, a browser and a page signed in on its first board, started before its tests
 * and closed after them, which then asserts the page threw nothing. Read `t` and `page` inside the tests.
 */
export function signedInSuite(options: {
  /** The page's size (a phone's, say); else the browser's default. */
  viewport?: { width: number; height: number };
  /** Run after the browser closed and before the hub does (hubs a test started in its place). */
  beforeHubClose?: () => Promise<void>;
} = {}): { readonly t: TestHub; readonly page: Page; readonly browser: TestBrowser; readonly pageErrors: string[] } {
  let t: TestHub | undefined;
  let b: TestBrowser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];
  before(async () => {
    ensureWebBuilt();
    t = await startTestHub();
    b = await launchBrowser();
    page = await signedInPage(t, b, pageErrors);
    if (options.viewport) await page.setViewportSize(options.viewport);
  });
  after(async () => {
    await b?.close();
    await options.beforeHubClose?.();
    await t?.close();
    assert.deepEqual(pageErrors, [], "no uncaught errors or unhandled rejections on the page");
  });
  return {
    get t() { return t!; },
    get page() { return page!; },
    get browser() { return b!; },
    pageErrors,
  };
}

/** A task made by the hub's owner on its first project; its id. */
export async function newTask(t: TestHub, title: string, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title, ...fields });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

/** Goes to the task's page, and waits for its title. */
export async function openTask(page: Page, t: TestHub, id: string): Promise<void> {
  await page.goto(`${t.baseUrl}/tasks/${id}`);
  await page.locator("#task-title").waitFor(WAIT);
}

/** Requests matching `url` and `method` wait until `release()`; the rest go on. */
export async function holdRequests(page: Page, url: string, method: string): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: Promise<unknown>[] = [];
  const handler = async (route: Route) => {
    if (route.request().method() !== method) return route.fallback();
    held.push(page.waitForResponse((res) => res.request() === route.request()));
    await released;
    await route.continue();
  };
  await page.route(url, handler);
  return {
    /** Lets them through, and waits for their answers. */
    async release() {
      release();
      await Promise.all(held);
      await page.unroute(url, handler);
    },
  };
}
