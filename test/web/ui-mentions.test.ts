/**
 * The @mention picker in a task's comment box, in a real browser: `@` lists the signed-in person's agents
 * (marked as starting a run) and the workspace's other people, filtered as one types; the keyboard (Up/Down,
 * Enter/Tab, Escape) and a click or tap pick, on a phone's 375 px too; what is picked is what the hub matches.
 * A follow-up's box has the same picker.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { ensureWebBuilt } from "./support/build.ts";
import { newTask, openTask as openTaskOf, signedInPage } from "./support/page.ts";

const WAIT = { timeout: 20_000 };

describe("the @mention picker, in a real browser", { timeout: 300_000 }, () => {
  let t: TestHub;
  let b: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];
  const people: Record<string, { userId: string; ownerToken: string }> = {};
  let myName = "";

  before(async () => {
    ensureWebBuilt();
    t = await startTestHub();
    b = await launchBrowser();
    page = await signedInPage(t, b, pageErrors);
    myName = (await t.owner(t.creds.ownerToken, "GET", "/me")).body.name;
    for (const [key, name] of [["maya", "Maya Okafor"], ["sam1", "Sam"], ["sam2", "SAM"], ["omar", "Omar"]] as const) {
      people[key] = await t.hub.writer.run("addUser", { name });
      assert.equal((await t.owner(t.creds.ownerToken, "POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: people[key].userId })).status, 201);
    }
  });

  after(async () => {
    await b?.close();
    await t?.close();
    assert.deepEqual(pageErrors, [], "no uncaught errors or unhandled rejections on the page");
  });

  const box = () => page.getByRole("textbox", { name: /^Comment/ });
  const list = () => page.getByRole("listbox", { name: "People and agents to mention" });
  const options = () => list().getByRole("option").evaluateAll((els) => els.map((el) => ({
    text: (el as HTMLElement).innerText.replace(/\s+/g, " ").trim(),
    selected: el.getAttribute("aria-selected") === "true",
    disabled: el.getAttribute("aria-disabled") === "true",
  })));
  const openTask = async (title: string) => {
    const id = await newTask(t, title);
    await openTaskOf(page, t, id);
    return id;
  };
  const told = async (key: string, taskId: string) =>
    ((await t.owner(people[key]!.ownerToken, "GET", "/notifications")).body as Array<{ type: string; taskId: string; body: string }>)
      .filter((n) => n.taskId === taskId).map((n) => [n.type, n.body]);

  it("by keyboard: @ lists your agents (starts a run) and the other people, filtered as you type; Up/Down choose, Enter and Tab pick, Escape closes only the list, Ctrl+Enter still posts", async () => {
    const taskId = await openTask("Mention by keyboard");
    await box().click();
    await page.keyboard.type("Please @");
    await list().waitFor(WAIT);
    const all = await options();
    assert.deepEqual(all.map((o) => o.text), [
      "OpenClaw Bot your agent · starts a run", "Maya Okafor member · is told", "Sam same name as another: tells no one",
      "SAM same name as another: tells no one", "Omar member · is told",
    ]);
    assert.ok(!all.some((o) => o.text.startsWith(myName)), "you are not offered: you are never told of your own words");
    // The box points at the list and at the option chosen, and a status line says what to do.
    const aria = async () => page.evaluate(() => {
      const el = document.getElementById("comment-body")!;
      const active = el.getAttribute("aria-activedescendant");
      return {
        autocomplete: el.getAttribute("aria-autocomplete"),
        controls: el.getAttribute("aria-controls") === document.querySelector('[role="listbox"]')?.id,
        active: active ? (document.getElementById(active) as HTMLElement).innerText.split("\n")[0]!.trim() : null,
        status: document.querySelector('.comment-box [role="status"]')?.textContent,
      };
    });
    assert.deepEqual(await aria(), {
      autocomplete: "list", controls: true, active: "OpenClaw Bot", status: "5 to mention: Up and Down to choose, Enter or Tab to pick, Escape to close",
    });
    // Down skips the names two people go by: picking one would tell no one.
    await page.keyboard.press("ArrowDown");
    assert.equal((await aria()).active, "Maya Okafor");
    await page.keyboard.press("ArrowDown");
    assert.equal((await aria()).active, "Omar");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    assert.equal((await aria()).active, "OpenClaw Bot");

    await page.keyboard.type("open");
    assert.deepEqual((await options()).map((o) => o.text), ["OpenClaw Bot your agent · starts a run"]);
    await page.keyboard.press("Enter");
    await list().waitFor({ state: "detached", ...WAIT });
    await page.keyboard.type("and @oka");
    assert.deepEqual(await options(), [{ text: "Maya Okafor member · is told", selected: true, disabled: false }]);
    await page.keyboard.press("Tab");
    await list().waitFor({ state: "detached", ...WAIT });
    assert.equal(await box().inputValue(), "Please @OpenClaw Bot and @Maya Okafor ");
    assert.match(await page.evaluate(() => document.activeElement?.id ?? ""), /^comment-body$/, "Tab picked; the focus stayed in the box");

    // Escape closes the list and nothing else; it stays closed for that @.
    await page.keyboard.type("cc @om");
    await list().waitFor(WAIT);
    await page.keyboard.press("Escape");
    await list().waitFor({ state: "detached", ...WAIT });
    await page.keyboard.type("a");
    assert.equal(await list().count(), 0);
    assert.equal(await box().inputValue(), "Please @OpenClaw Bot and @Maya Okafor cc @oma");

    // Ctrl+Enter posts with the list open, as it does without.
    await page.keyboard.type(" @Om");
    await list().waitFor(WAIT);
    await page.keyboard.press("Control+Enter");
    await page.locator(".comment", { hasText: "cc @oma @Om" }).waitFor(WAIT);
    assert.equal(await box().inputValue(), "");
    const runs = (await t.owner(t.creds.ownerToken, "GET", `/agents/${t.creds.agentId}/runs`)).body as Array<{ taskId: string; status: string }>;
    assert.deepEqual(runs.filter((r) => r.taskId === taskId).map((r) => r.status), ["PENDING"]);
    assert.deepEqual(await told("maya", taskId), [["mention", "Please @OpenClaw Bot and @Maya Okafor cc @oma @Om"]]);
    assert.deepEqual(await told("omar", taskId), []);
  });

  it("on a phone (375 px) by mouse (a tap is a click): the list fits the window, a pick writes the name where the caret is and keeps the focus; a shared name cannot be picked and, written out, the page says no one was told", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    const taskId = await openTask("Mention by tap");
    await box().click();
    await page.keyboard.type("@");
    await list().waitFor(WAIT);
    const fits = await page.evaluate(() => {
      const r = document.querySelector('[role="listbox"]')!.getBoundingClientRect();
      return { sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth, inside: r.left >= 0 && r.right <= innerWidth };
    });
    assert.deepEqual(fits, { sideways: 0, inside: true });
    const rows = await list().getByRole("option").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
    assert.ok(rows.every((h) => h >= 44), `each option is tall enough to tap: ${rows.join(", ")}`);

    // A shared name: no pick.
    await list().getByRole("option", { name: /^Sam / }).click({ force: true });
    assert.equal(await box().inputValue(), "@");
    await list().getByRole("option", { name: /^Maya Okafor/ }).click();
    await list().waitFor({ state: "detached", ...WAIT });
    assert.equal(await box().inputValue(), "@Maya Okafor ");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "comment-body");
    await page.keyboard.type("and @sam, see this");
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.locator(".comment", { hasText: "see this" }).waitFor(WAIT);
    await page.locator(".comment-box [role=status]", { hasText: "No one was told of @Sam: more than one goes by that name." }).waitFor(WAIT);
    assert.deepEqual(await told("maya", taskId), [["mention", "@Maya Okafor and @sam, see this"]]);
    assert.deepEqual([await told("sam1", taskId), await told("sam2", taskId)], [[], []]);
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("Post comment stays off for text of only invisible characters, as for empty text, and Ctrl+Enter sends nothing", async () => {
    const taskId = await openTask("Invisible comment");
    await box().fill("\u200b\u2060 \ufeff");
    assert.equal(await page.getByRole("button", { name: "Post comment" }).isDisabled(), true);
    await box().press("Control+Enter");
    await box().fill("\u200bvisible");
    assert.equal(await page.getByRole("button", { name: "Post comment" }).isDisabled(), false);
    await box().press("Control+Enter");
    await page.locator(".comment", { hasText: "visible" }).waitFor(WAIT);
    const feed = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${taskId}`)).body.activity as { type: string; body: string }[];
    assert.deepEqual(feed.filter((a) => a.type === "comment").map((a) => a.body), ["\u200bvisible"]);
  });

  it("the follow-up box has the same picker: a member picked there is told (mention), another agent picked gets a run, Escape closes the list and then the form, Ctrl+Enter sends, and the page says which names told no one", async () => {
    const helper = (await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Helper Bot" })).body as { id: string };
    const { taskId, runId } = await delegatedRun(t, "Mention in a follow-up");
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/stop`)).status, 200);
    await page.goto(`${t.baseUrl}/tasks/${taskId}`);
    await page.getByRole("heading", { name: "Mention in a follow-up" }).waitFor(WAIT);
    const form = page.getByRole("form", { name: "Follow-up" });
    const message = form.getByRole("textbox", { name: /^Follow-up message/ });
    await page.getByRole("button", { name: "Follow up" }).click();
    await message.waitFor(WAIT);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), "TEXTAREA", "the focus is in its message");

    await page.keyboard.type("Also ask @");
    await list().waitFor(WAIT);
    assert.deepEqual((await options()).map((o) => o.text), [
      "OpenClaw Bot your agent · starts a run", "Helper Bot your agent · starts a run", "Maya Okafor member · is told",
      "Sam same name as another: tells no one", "SAM same name as another: tells no one", "Omar member · is told",
    ]);
    // Down passes over the names two people go by; Enter picks.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    assert.deepEqual((await options()).find((o) => o.selected)?.text, "Maya Okafor member · is told");
    await page.keyboard.press("Enter");
    await list().waitFor({ state: "detached", ...WAIT });
    await page.keyboard.type("and @help");
    await page.keyboard.press("Tab");
    await list().waitFor({ state: "detached", ...WAIT });
    assert.equal(await message.inputValue(), "Also ask @Maya Okafor and @Helper Bot ");

    // Escape with the list open closes only the list: the form stays, and so do the words.
    await page.keyboard.type("cc @om");
    await list().waitFor(WAIT);
    await page.keyboard.press("Escape");
    await list().waitFor({ state: "detached", ...WAIT });
    assert.equal(await form.count(), 1, "the form is still open");
    await page.keyboard.type("ar and @sam");
    await list().waitFor(WAIT);
    await page.keyboard.press("Control+Enter");
    await form.waitFor({ state: "detached", ...WAIT });
    const said = "Also ask @Maya Okafor and @Helper Bot cc @omar and @sam";
    await page.locator(".run [role=status]", { hasText: "No one was told of @Sam: more than one goes by that name." }).waitFor(WAIT);

    const runs = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${taskId}`)).body.runs as Array<{ id: string; agent: { id: string }; status: string; prompt: string }>;
    assert.deepEqual(runs.map((r) => [r.agent.id, r.status, r.prompt]), [
      [t.creds.agentId, "STOPPED", "Mention in a follow-up\n\nIt crashes"], [t.creds.agentId, "PENDING", said], [helper.id, "PENDING", said],
    ]);
    // Omar's name, written out after the list closed, names him as a picked one does.
    assert.deepEqual([await told("maya", taskId), await told("omar", taskId)], [[["mention", said]], [["mention", said]]]);
    assert.deepEqual([await told("sam1", taskId), await told("sam2", taskId)], [[], []]);

    // With no list open, Escape closes the form, as it did.
    await page.locator(`.run[data-run-id="${runId}"]`).getByRole("button", { name: "Follow up" }).click();
    await message.waitFor(WAIT);
    await page.keyboard.type("one more");
    await page.keyboard.press("Escape");
    await form.waitFor({ state: "detached", ...WAIT });
  });
});
