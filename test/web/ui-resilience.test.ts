/**
 * The owner's web UI in a real headless Chromium when things go wrong: text too long
 * for its box. Each step stands on its own after the sign-in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { ensureWebBuilt } from "./support/build.ts";

const WAIT = { timeout: 20_000 };

describe("the web UI when things go wrong, in a real browser", { timeout: 300_000 }, () => {
  let t: TestHub;
  let b: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureWebBuilt();
    t = await startTestHub();
    b = await launchBrowser();
    page = await b.context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("dialog", (dialog) => void dialog.accept());
    await page.goto(await t.hub.loginLink());
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  after(async () => {
    await b?.close();
    await t?.close();
    assert.deepEqual(pageErrors, [], "no uncaught errors or unhandled rejections on the page");
  });

  const board = () => page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`).then(() => page.getByRole("heading", { name: "General" }).waitFor(WAIT));
  const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  it("wraps a long unbroken title, comment and agent name: neither the board nor the task page scrolls sideways", async () => {
    await board();
    const title = `https://example.com/${"a".repeat(400)}`;
    await page.getByLabel("Title").fill(title);
    await page.getByRole("button", { name: "Add task" }).click();
    const card = page.locator(".card", { hasText: "https://example.com/" });
    await card.waitFor(WAIT);
    assert.equal(await sideways(), 0, "the board fits the window");
    await card.getByRole("link").click();
    await page.locator("#task-title").waitFor(WAIT);
    await page.getByRole("textbox", { name: /^Comment/ }).fill(`See ${"b".repeat(600)}`);
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.locator(".comment", { hasText: "bbbb" }).waitFor(WAIT);
    assert.equal(await sideways(), 0, "the task page fits the window");

    const agent = await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "c".repeat(200) });
    assert.equal(agent.status, 201);
    await page.getByRole("button", { name: `@${"c".repeat(200)}` }).waitFor(WAIT);
    assert.equal(await sideways(), 0, "the task page fits the window with the agent's name in its mention chip and the Delegate list");
    await page.getByRole("link", { name: "Agents" }).click();
    await page.getByRole("heading", { name: "c".repeat(200) }).waitFor(WAIT);
    assert.equal(await sideways(), 0, "the Agents page fits the window");
  });
});
