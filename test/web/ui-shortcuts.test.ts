/**
 * Keyboard shortcuts in a real browser against a real hub: `?` opens their list as a modal dialog, `g` then a
 * letter goes to a page, `/` and `c` put the focus in the board's search and new task, a task's letters act on it;
 * and none fires while typing in a field, with Ctrl held, or under an open panel.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { TestHub } from "../support/hub.ts";
import { signedInSuite } from "./support/page.ts";

const WAIT = { timeout: 20_000 };

describe("keyboard shortcuts, in a real browser", { timeout: 300_000 }, () => {
  const suite = signedInSuite();
  let t: TestHub;
  let page: Page;
  before(() => ({ t, page } = suite));

  const boardPath = () => `/projects/${t.creds.projectId}`;
  const openBoard = async () => {
    await page.goto(`${t.baseUrl}${boardPath()}`);
    await page.getByRole("heading", { name: "General", level: 1 }).waitFor(WAIT);
  };
  /** The focused element's tag and accessible-ish name, or its field's value. */
  const focused = () => page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el ? { tag: el.tagName.toLowerCase(), name: el.getAttribute("name") ?? el.getAttribute("aria-label") ?? el.innerText?.trim() ?? "", value: (el as HTMLInputElement).value ?? null } : null;
  });
  const searchBox = () => page.getByRole("searchbox", { name: "Search tasks" });
  const titleField = () => page.getByRole("form", { name: "New task" }).getByRole("textbox", { name: "Title" });
  const isFocused = (locator: ReturnType<Page["locator"]>) => locator.evaluate((el) => el === document.activeElement);

  it("? opens the list of shortcuts as a modal dialog that holds the focus; Escape closes it, and the focus is back where it was", async () => {
    await openBoard();
    const agentsLink = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" });
    await agentsLink.focus();
    await page.keyboard.press("?");
    const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await dialog.waitFor(WAIT);
    assert.equal(await dialog.getAttribute("aria-modal"), "true");
    for (const group of ["Anywhere", "Board", "Task"]) await dialog.getByRole("heading", { name: group, exact: true }).waitFor(WAIT);
    const inside = () => dialog.evaluate((el) => el.contains(document.activeElement));
    assert.ok(await inside(), "the focus moved into the dialog");
    for (const key of ["Tab", "Tab", "Shift+Tab", "Shift+Tab"]) {
      await page.keyboard.press(key);
      assert.ok(await inside(), `still inside after ${key}`);
    }
    // Its keys are its own: a shortcut under it does nothing.
    await page.keyboard.press("c");
    assert.equal(new URL(page.url()).pathname, boardPath());
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached", ...WAIT });
    assert.ok(await isFocused(agentsLink), "the focus is back on the link that had it");

    // For the mouse, the hint under the page opens it too; Close closes it, the focus back on the hint.
    const hint = page.getByRole("button", { name: "Press ? for shortcuts" });
    await hint.click();
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "detached", ...WAIT });
    assert.ok(await isFocused(hint));
  });

  it("g then r goes to Runs, g then b back to the board last opened, which / and c put the focus in", async () => {
    const project = await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Roadmap" }, { "x-workspace-id": t.creds.workspaceId });
    assert.equal(project.status, 201);
    await page.goto(`${t.baseUrl}/projects/${project.body.id}`);
    await page.getByRole("heading", { name: "Roadmap", level: 1 }).waitFor(WAIT);
    await page.keyboard.press("g");
    await page.keyboard.press("r");
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, "/runs");
    await page.keyboard.press("g");
    await page.keyboard.press("b");
    await page.getByRole("heading", { name: "Roadmap", level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, `/projects/${project.body.id}`, "the last board opened, not the first");

    await page.keyboard.press("/");
    await page.waitForFunction(() => document.activeElement?.getAttribute("type") === "search", undefined, WAIT);
    assert.equal(await searchBox().inputValue(), "", "the / is not typed in the box");
    await page.locator("#main").focus();
    await page.keyboard.press("c");
    assert.ok(await isFocused(titleField()), "c: the new task's title");
    assert.equal(await titleField().inputValue(), "");
  });

  it("/ on another page goes to the board with its search focused", async () => {
    await page.goto(`${t.baseUrl}/agents`);
    await page.getByRole("heading", { name: "Agents", level: 1 }).waitFor(WAIT);
    await page.keyboard.press("/");
    await page.waitForFunction(() => document.activeElement?.getAttribute("type") === "search", undefined, WAIT);
    assert.match(new URL(page.url()).pathname, /^\/projects\//);
  });

  it("a shortcut's key typed in the search box, or in the comment box, is text; e, d and r act on a task, g b goes to its board", async () => {
    await openBoard();
    await searchBox().focus();
    await page.keyboard.type("g r ? c /");
    assert.equal(await searchBox().inputValue(), "g r ? c /");
    assert.equal(new URL(page.url()).pathname, boardPath());
    assert.equal(await page.getByRole("dialog").count(), 0);

    const project = await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Launch" }, { "x-workspace-id": t.creds.workspaceId });
    assert.equal(project.status, 201);
    const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: project.body.id, title: "Shortcut task" });
    assert.equal(task.status, 201);
    await page.goto(`${t.baseUrl}/tasks/${task.body.id}`);
    await page.getByRole("heading", { name: "Shortcut task" }).waitFor(WAIT);
    const comment = page.getByRole("textbox", { name: /^Comment/ });
    await comment.waitFor(WAIT);
    await page.keyboard.press("r");
    assert.ok(await isFocused(comment), "r: the comment box");
    await page.keyboard.type("e d r g a ?");
    assert.equal(await comment.inputValue(), "e d r g a ?");
    assert.equal(new URL(page.url()).pathname, `/tasks/${task.body.id}`);

    await page.locator("#main").focus();
    await page.keyboard.press("d");
    assert.deepEqual(await focused().then((f) => f?.tag), "select");
    assert.ok(await page.getByRole("form", { name: "Delegate" }).getByLabel("Agent").evaluate((el) => el === document.activeElement), "d: the agent picker");
    await page.locator("#main").focus();
    await page.keyboard.press("e");
    await page.getByRole("form", { name: "Edit task" }).waitFor(WAIT);
    assert.equal((await focused())?.value, "Shortcut task", "e: editing, in the title, with no e typed");
    await page.keyboard.press("Escape");
    await page.getByRole("form", { name: "Edit task" }).waitFor({ state: "detached", ...WAIT });
    await page.keyboard.press("g");
    await page.keyboard.press("b");
    await page.getByRole("heading", { name: "Launch", level: 1 }).waitFor(WAIT);
  });

  it("fires nothing with Ctrl, ⌘ or Alt held, nor while the Settings panel is open: only the key alone, after", async () => {
    await openBoard();
    await page.locator("#main").focus();
    for (const key of ["Control+c", "Meta+c", "Alt+c", "Control+/"]) await page.keyboard.press(key);
    await page.keyboard.press("Control+g");
    await page.keyboard.press("a");
    assert.equal((await focused())?.tag, "main", "the focus stayed");
    assert.equal(new URL(page.url()).pathname, boardPath());
    await page.keyboard.press("c");
    assert.ok(await isFocused(titleField()), "c alone: the new task's title");

    const summary = page.locator("summary", { hasText: "Settings" });
    await summary.click();
    await summary.focus();
    await page.keyboard.press("c");
    await page.keyboard.press("?");
    assert.ok(await isFocused(summary));
    assert.equal(await page.getByRole("dialog").count(), 0);
    await page.keyboard.press("Escape");
    await page.keyboard.press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor(WAIT);
    await page.keyboard.press("Escape");
  });
});
