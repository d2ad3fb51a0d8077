/**
 * The owner's web UI on a phone (375 px wide) and from the keyboard alone, where lists get long: many
 * notifications of each kind, API and agent tokens made, rotated and revoked, a workspace with many
 * members. Nothing may run off the window, every control must be reachable, and an action must leave the
 * focus somewhere that makes sense (never dropped on the page's body).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { ensureWebBuilt } from "./support/build.ts";
import { lineCounts, signedInPage } from "./support/page.ts";

const WAIT = { timeout: 20_000 };

describe("the web UI on a phone, by keyboard, in a real browser", { timeout: 300_000 }, () => {
  let t: TestHub;
  let b: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureWebBuilt();
    t = await startTestHub();
    b = await launchBrowser();
    page = await signedInPage(t, b, pageErrors);
    await page.setViewportSize({ width: 375, height: 800 });
  });

  after(async () => {
    await b?.close();
    await t?.close();
    assert.deepEqual(pageErrors, [], "no uncaught errors or unhandled rejections on the page");
  });

  const owner = () => t.creds.ownerToken;
  const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  /** What has the focus: its tag, and its text or label. */
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "body";
    return `${el.tagName.toLowerCase()} ${el.getAttribute("aria-label") ?? (el as HTMLElement).innerText?.trim().slice(0, 60) ?? ""}`.trim();
  });
  it("a workspace with many members: the Members panel fits the window, each Remove on one line and reached by Tab; after a removal the focus is on the next one", async () => {
    const ws = (await t.owner(owner(), "POST", "/workspaces", { name: "Crowd" })).body;
    const project = (await t.owner(owner(), "POST", "/projects", { name: "Crowd board" }, { "x-workspace-id": ws.id })).body;
    const names = ["Uma " + "Longname".repeat(10), "x".repeat(120), ...Array.from({ length: 28 }, (_, i) => `Member ${i + 2}${" of the team".repeat(i % 3)}`)];
    const ids: string[] = [];
    for (const name of names) {
      const { userId } = await t.hub.writer.run("addUser", { name });
      assert.equal((await t.owner(owner(), "POST", `/workspaces/${ws.id}/members`, { userId })).status, 201);
      ids.push(userId);
    }
    await page.goto(`${t.baseUrl}/projects/${project.id}`);
    await page.getByRole("heading", { name: "Crowd board" }).waitFor(WAIT);
    const summary = page.locator("summary", { hasText: "Members (31)" });
    await summary.focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("list", { name: "Members of Crowd" });
    await panel.locator(`li[data-member-id="${ids.at(-1)}"]`).waitFor(WAIT);

    assert.equal(await sideways(), 0, "the page fits the window");
    const box = await panel.evaluate((el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, bottom: r.bottom, width: innerWidth }; });
    assert.ok(box.left >= 0 && box.right <= box.width, `the panel is inside the window: ${JSON.stringify(box)}`);
    assert.deepEqual(new Set((await lineCounts(page, ".members li > button")).map((b) => b.lines)), new Set([1]), "each Remove on one line, not a letter a line");

    // Tab goes through every member's Remove, each one in sight as it gets the focus.
    for (const id of ids) {
      await page.keyboard.press("Tab");
      const seen = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const r = el.getBoundingClientRect();
        return { id: el.closest("li")?.getAttribute("data-member-id"), text: el.innerText, inWindow: r.top >= 0 && r.bottom <= innerHeight };
      });
      assert.deepEqual(seen, { id, text: "Remove", inWindow: true });
    }

    // Removing one by keyboard: the focus goes on to the next member's Remove.
    await panel.locator(`li[data-member-id="${ids[4]}"]`).getByRole("button", { name: "Remove" }).focus();
    await page.keyboard.press("Enter");
    await panel.locator(`li[data-member-id="${ids[4]}"]`).waitFor({ state: "detached", ...WAIT });
    await page.waitForFunction((next) => document.activeElement?.closest("li")?.getAttribute("data-member-id") === next, ids[5], WAIT);
    assert.equal(await focused(), "button Remove");
  });
});
