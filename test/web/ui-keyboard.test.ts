/**
 * The owner's web UI in a real headless Chromium, used from the keyboard and heard through
 * a screen reader: where the focus goes, what the tab is called. Each step stands on its
 * own after the sign-in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { ensureWebBuilt } from "./support/build.ts";
import { newTask as newTaskOf } from "./support/page.ts";

const WAIT = { timeout: 20_000 };

describe("the web UI from the keyboard, in a real browser", { timeout: 300_000 }, () => {
  let t: TestHub;
  let b: TestBrowser;
  let page: Page;

  before(async () => {
    ensureWebBuilt();
    t = await startTestHub();
    b = await launchBrowser();
    page = await b.context.newPage();
    await page.goto(await t.hub.loginLink());
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  after(async () => {
    await b?.close();
    await t?.close();
  });

  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""} ${el.getAttribute("aria-label") ?? (el as HTMLElement).innerText?.slice(0, 40) ?? ""}`.trim() : "";
  });
  const newTask = (title: string) => newTaskOf(t, title);

  it("names the tab after the page, and moves the focus to the new page's content when a link opens it", async () => {
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    await page.waitForFunction(() => document.title.startsWith("General"), undefined, WAIT);
    await newTask("Tab title task");
    const link = page.locator(".card", { hasText: "Tab title task" }).getByRole("link");
    await link.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Tab title task" }).waitFor(WAIT);
    await page.waitForFunction(() => document.title.startsWith("Tab title task"), undefined, WAIT);
    assert.match(await focused(), /^main#main/, "the focus is on the new page, not lost on the link that went away");
    await page.getByRole("link", { name: "Agents" }).click();
    await page.getByRole("heading", { name: "Agents" }).first().waitFor(WAIT);
    await page.waitForFunction(() => document.title.startsWith("Agents"), undefined, WAIT);
  });

  it("Edit task puts the focus in the title; Escape cancels, and the focus goes back to Edit task, as after a save", async () => {
    const taskId = await newTask("Keyboard edit");
    await page.goto(`${t.baseUrl}/tasks/${taskId}`);
    await page.getByRole("heading", { name: "Keyboard edit" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Edit task" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("form", { name: "Edit task" }).waitFor(WAIT);
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value), "Keyboard edit", "the focus is in the title");
    await page.keyboard.type(" (changed)");
    await page.keyboard.press("Escape");
    await page.getByRole("form", { name: "Edit task" }).waitFor({ state: "detached", ...WAIT });
    assert.match(await focused(), /^button Edit task/);
    await page.getByRole("heading", { name: "Keyboard edit" }).waitFor(WAIT);

    await page.keyboard.press("Enter");
    await page.getByRole("form", { name: "Edit task" }).waitFor(WAIT);
    await page.keyboard.press("End");
    await page.keyboard.type(" (saved)");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Keyboard edit (saved)" }).waitFor(WAIT);
    assert.match(await focused(), /^button Edit task/);
  });

  it("Escape closes the Settings and Members panels that float over the board, and gives the focus back to their summary", async () => {
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    for (const [name, inside] of [["Settings", "Project name"], ["Members", null]] as const) {
      const summary = page.locator("summary", { hasText: name });
      await summary.focus();
      await page.keyboard.press("Enter");
      await page.waitForFunction((n) => Array.from(document.querySelectorAll("details")).some((d) => d.open && d.querySelector("summary")?.textContent?.startsWith(n)), name, WAIT);
      if (inside) await page.getByRole("form", { name: "Project settings" }).getByLabel(inside).focus();
      await page.keyboard.press("Escape");
      await page.waitForFunction((n) => !Array.from(document.querySelectorAll("details")).some((d) => d.open && d.querySelector("summary")?.textContent?.startsWith(n)), name, WAIT);
      assert.match(await focused(), new RegExp(`^summary ${name}`));
    }
  });

  it("the unread count in the header is readable, light and dark (WCAG AA: contrast at least 4.5:1)", async () => {
    const { runId } = await delegatedRun(t, "Notify me");
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`)).status, 200);
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "On it" })).status, 201);
    await page.goto(`${t.baseUrl}/agents`);
    const pill = page.getByTestId("unread-count");
    await page.waitForFunction(() => Number(document.querySelector("[data-testid=unread-count]")?.textContent) > 0, undefined, WAIT);
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      // Relative luminance of the text and of its background (WCAG 2), the lighter first.
      const ratio = await pill.evaluate((el) => {
        const style = getComputedStyle(el);
        const [a, b] = [style.color, style.backgroundColor].map((css) => {
          const [r, g, bl] = css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((v) => Number(v) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
        }).sort((x, y) => y - x);
        return (a! + 0.05) / (b! + 0.05);
      });
      assert.ok(ratio >= 4.5, `${colorScheme}: ${ratio.toFixed(2)}:1`);
    }
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("Ctrl+Enter (⌘Enter) posts a comment from its box, never an empty one, and Enter alone is a new line", async () => {
    const taskId = await newTask("Keyboard comment");
    await page.goto(`${t.baseUrl}/tasks/${taskId}`);
    await page.getByRole("heading", { name: "Keyboard comment" }).waitFor(WAIT);
    const box = page.getByRole("textbox", { name: /^Comment/ });
    await box.fill("   ");
    await box.press("Control+Enter");
    await box.fill("First line");
    await box.press("Enter");
    await page.keyboard.type("second line");
    await box.press("Control+Enter");
    await page.locator(".comment", { hasText: "second line" }).waitFor(WAIT);
    await page.waitForFunction(() => (document.getElementById("comment-body") as HTMLTextAreaElement).value === "", undefined, WAIT);
    const feed = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${taskId}`)).body.activity as { type: string; body: string }[];
    assert.deepEqual(feed.filter((a) => a.type === "comment").map((a) => a.body), ["First line\nsecond line"]);
  });

  it("Follow up puts the focus in its message, and Escape cancels it", async () => {
    const { taskId, runId } = await delegatedRun(t, "Keyboard follow-up");
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`)).status, 200);
    await page.goto(`${t.baseUrl}/tasks/${taskId}`);
    await page.getByRole("heading", { name: "Keyboard follow-up" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Follow up" }).click();
    await page.keyboard.type("and the docs");
    assert.equal(await page.getByLabel("Follow-up message").inputValue(), "and the docs");
    await page.keyboard.press("Escape");
    await page.getByRole("form", { name: "Follow-up" }).waitFor({ state: "detached", ...WAIT });
  });

  it("a screen reader hears each new feed entry as it comes, and not the hundred older ones that Show older brings", async () => {
    const taskId = await newTask("Long feed, heard");
    for (let i = 0; i < 105; i++) {
      assert.equal((await t.owner(t.creds.ownerToken, "POST", `/tasks/${taskId}/comments`, { body: `Old comment ${i}.` })).status, 201);
    }
    await page.goto(`${t.baseUrl}/tasks/${taskId}`);
    await page.getByRole("heading", { name: "Long feed, heard" }).waitFor(WAIT);
    await page.locator(".comment", { hasText: "Old comment 104." }).waitFor(WAIT);
    const heard = () => page.evaluate(() => Array.from(document.querySelectorAll("[aria-live]")).map((el) => el.textContent ?? "").join("\n"));
    assert.doesNotMatch(await heard(), /Old comment/, "what was there on opening is not announced");

    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/tasks/${taskId}/comments`, { body: "A **new** one." })).status, 201);
    await page.waitForFunction(() => Array.from(document.querySelectorAll("[aria-live]")).some((el) => el.textContent?.includes("root: A new one.")), undefined, WAIT);

    await page.getByRole("button", { name: /^Show \d+ older/ }).click();
    await page.locator(".comment", { hasText: "Old comment 0." }).waitFor(WAIT);
    assert.doesNotMatch(await heard(), /Old comment/, "the older entries are shown, not read out");
  });

  it("after Add task, the focus is back in the title, ready for the next task", async () => {
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    await page.getByRole("textbox", { name: "Title", exact: true }).fill("One of many");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.locator(".card", { hasText: "One of many" }).waitFor(WAIT);
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.name === "title", undefined, WAIT);
  });

  it("a task's page links back to its own board by name, also when that project is not the first", async () => {
    const project = await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Roadmap" }, { "x-workspace-id": t.creds.workspaceId });
    assert.equal(project.status, 201);
    const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: project.body.id, title: "Plan the quarter" });
    assert.equal(task.status, 201);
    await page.goto(`${t.baseUrl}/tasks/${task.body.id}`);
    await page.getByRole("heading", { name: "Plan the quarter" }).waitFor(WAIT);
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: /Roadmap/ }).click();
    await page.getByRole("heading", { name: "Roadmap", level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, `/projects/${project.body.id}`);
    await page.locator(".card", { hasText: "Plan the quarter" }).waitFor(WAIT);
  });
});
