/**
 * The owner's web UI on a phone (375 px wide) and from the keyboard alone, where lists get long: many
 * notifications of each kind, API and agent tokens made, rotated and revoked, a workspace with many
 * members. Nothing may run off the window, every control must be reachable, and an action must leave the
 * focus somewhere that makes sense (never dropped on the page's body).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { TestHub } from "../support/hub.ts";
import { lineCounts, signedInSuite } from "./support/page.ts";
import { signIn, withCookie } from "./support/session.ts";

const WAIT = { timeout: 20_000 };

describe("the web UI on a phone, by keyboard, in a real browser", { timeout: 300_000 }, () => {
  const suite = signedInSuite({ viewport: { width: 375, height: 800 } });
  let t: TestHub;
  let page: Page;
  before(() => ({ t, page } = suite));

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
    assert.match(await focused(), /^button Remove Member /, "the next member's Remove, named with them");
  });
  it("many notifications of each kind, with long titles: the list fits the window, and Mark read, Show older and Mark all read leave the focus in the list", async () => {
    const helper = (await t.owner(owner(), "POST", "/agents", { name: "Notifier with a long agent name" })).body;
    const title = (i: number) => [`Notified ${i}: ${"word ".repeat(50)}`, `Notified ${i} https://example.com/${"x".repeat(150)}`, `Notified ${i}`][i % 3]!;
    for (let i = 0; i < 16; i++) {
      const task = (await t.owner(owner(), "POST", "/tasks", { projectId: t.creds.projectId, title: title(i) })).body;
      const run = (await t.owner(owner(), "POST", `/tasks/${task.id}/delegate`, { agentId: helper.id })).body;
      assert.equal((await t.agent(helper.token, "POST", `/runs/${run.id}/start`, {})).status, 200);
      assert.equal((await t.agent(helper.token, "POST", `/runs/${run.id}/comment`, { body: `Progress ${"y".repeat(300)}` })).status, 201);
      assert.equal((await t.agent(helper.token, "POST", `/runs/${run.id}/${i % 2 ? "complete" : "error"}`, { body: "Over" })).status, 200);
    }
    // task_assigned: someone else makes a task of theirs the owner's.
    const ownerId = t.creds.ownerId;
    const { userId } = await t.hub.writer.run("addUser", { name: "Assigner " + "Longname".repeat(8) });
    const cookie = await signIn(t, userId);
    for (let i = 0; i < 4; i++) {
      const task = await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: `Yours now ${i} ${"long title ".repeat(20)}` });
      assert.equal((await withCookie(t, cookie, "PATCH", `/tasks/${task.body.id}`, { ownerId })).status, 200);
    }
    await page.goto(`${t.baseUrl}/notifications`);
    const items = page.locator(".notifications > li");
    await items.nth(49).waitFor(WAIT);
    assert.equal(await sideways(), 0, "the list fits the window");
    const kinds = await items.evaluateAll((lis) => lis.map((li) => li.querySelector("div")?.textContent ?? ""));
    // Each kind as a sentence naming who did what to which task.
    const agent = "Notifier with a long agent name";
    for (const sentence of [/^Assigner (Longname)+ assigned you “Yours now \d/, `${agent} started work on “Notified`, `${agent} commented on “Notified`,
      `${agent} finished “Notified`, `${agent} hit an error on “Notified`]) {
      assert.ok(kinds.some((text) => typeof sentence === "string" ? text.startsWith(sentence) : sentence.test(text)), `listed: ${String(sentence)}`);
    }

    // Mark read, by keyboard: the button goes, the focus stays on its notification.
    const first = items.first();
    const firstId = await first.getAttribute("data-notification-id");
    await first.getByRole("button", { name: "Mark read" }).focus();
    await page.keyboard.press("Enter");
    await page.locator(`.notifications > li.unread[data-notification-id="${firstId}"]`).waitFor({ state: "detached", ...WAIT });
    await page.waitForFunction((id) => document.activeElement?.getAttribute("data-notification-id") === id, firstId, WAIT);
    assert.equal(await first.getByRole("button", { name: "Mark read" }).count(), 0);

    // Show older: the focus goes to the first of the older ones (the button itself goes: there are no more).
    await page.getByRole("button", { name: "Show older" }).focus();
    await page.keyboard.press("Enter");
    await items.nth(50).waitFor(WAIT);
    await page.waitForFunction(() => document.activeElement === document.querySelectorAll(".notifications > li")[50], undefined, WAIT);

    // Mark all read: the button is disabled once there is nothing unread; the focus is on the page's heading.
    await page.getByRole("button", { name: "Mark all read" }).focus();
    await page.keyboard.press("Enter");
    await page.locator(".notifications > li.unread").first().waitFor({ state: "detached", ...WAIT });
    await page.waitForFunction(() => document.activeElement?.id === "notifications-title", undefined, WAIT);
  });

  it("API and agent tokens by keyboard: a token made or rotated takes the focus, in sight; Done gives it back; after a revoke or delete it goes on to the next row", async () => {
    await page.goto(`${t.baseUrl}/tokens`);
    await page.getByRole("heading", { name: "API tokens" }).waitFor(WAIT);
    for (const name of ["Deploys " + "z".repeat(90), "Backups"]) {
      await page.getByLabel("Name").fill(name);
      await page.getByRole("button", { name: "Create token" }).focus();
      await page.keyboard.press("Enter");
      const once = page.getByRole("region", { name: `Token ${name}` });
      await once.waitFor(WAIT);
      await page.waitForFunction((label) => document.activeElement?.getAttribute("aria-label") === label, `Token ${name}`, WAIT);
      assert.equal(await sideways(), 0);
      // The token, wider than a phone, scrolls in its box: a stop of its own, then Copy and Done.
      const stops: string[] = [];
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press("Tab");
        stops.push((await focused()).replace(/ gcp_\S+$/, " gcp_…"));
      }
      assert.deepEqual(stops, ["pre gcp_…", "button Copy", "button Done"]);
      await page.keyboard.press("Enter");
      await once.waitFor({ state: "detached", ...WAIT });
      assert.equal(await focused(), "input", "back in the name field, for another");
    }
    const rows = page.locator(".api-tokens > li");
    const second = await rows.nth(1).getAttribute("data-token-id");
    await rows.first().getByRole("button", { name: "Revoke" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => document.activeElement?.closest("li")?.getAttribute("data-token-id") === id, second, WAIT);
    assert.match(await focused(), /^button Revoke “/, "the next token's Revoke, named with it");

    // Agents: the second agent's card is well down a phone's window, its token shown at the top.
    for (let i = 0; i < 3; i++) assert.equal((await t.owner(owner(), "POST", "/agents", { name: `Phone agent ${i}` })).status, 201);
    await page.goto(`${t.baseUrl}/agents`);
    const card = page.locator(".agent", { hasText: "Phone agent 1" });
    await card.waitFor(WAIT);
    await card.getByRole("button", { name: "Rotate token" }).focus();
    await page.keyboard.press("Enter");
    const once = page.getByRole("region", { name: "Token for Phone agent 1" });
    await once.waitFor(WAIT);
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Token for Phone agent 1", undefined, WAIT);
    const inWindow = await once.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; });
    assert.ok(inWindow, "the token is in sight");
    await once.getByRole("button", { name: "Done" }).focus();
    await page.keyboard.press("Enter");
    await once.waitFor({ state: "detached", ...WAIT });
    await page.waitForFunction(() => document.activeElement?.closest("[data-agent-id]")?.textContent?.includes("Phone agent 1") && document.activeElement.textContent === "Rotate token", undefined, WAIT);

    const cards = page.locator(".agents > li");
    const index = await cards.evaluateAll((lis) => lis.findIndex((li) => li.textContent?.includes("Phone agent 1")));
    const next = await cards.nth(index + 1).getAttribute("data-agent-id");
    await card.getByRole("button", { name: "Delete" }).focus();
    await page.keyboard.press("Enter");
    await card.waitFor({ state: "detached", ...WAIT });
    await page.waitForFunction((id) => document.activeElement?.closest("[data-agent-id]")?.getAttribute("data-agent-id") === id, next, WAIT);
  });
  it("a control disabled while its action runs has the focus back once it is done: a task's Status, changed from the keyboard", async () => {
    const task = await t.owner(owner(), "POST", "/tasks", { projectId: t.creds.projectId, title: "Status by keyboard" });
    assert.equal(task.status, 201);
    await page.goto(`${t.baseUrl}/tasks/${task.body.id}`);
    await page.getByRole("heading", { name: "Status by keyboard" }).waitFor(WAIT);
    const status = page.getByRole("combobox", { name: "Status" });
    await status.focus();
    await status.selectOption("doing");
    // The select shows the task's status, so "doing" once the hub has it: by then the save is over.
    await page.waitForFunction(() => {
      const select = document.querySelector<HTMLSelectElement>('select[aria-label="Status"]');
      return select?.value === "doing" && !select.disabled;
    }, undefined, WAIT);
    assert.equal(await focused(), "select Status");
  });
  it("an invite or sign-in link shown once takes the focus, in the window, and Done gives it back to the button that made it", async () => {
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    for (const [button, region] of [["Invite someone", "Invite link"], ["Sign in on another device", "Sign-in link"]] as const) {
      await page.getByRole("button", { name: button }).focus();
      await page.keyboard.press("Enter");
      const once = page.getByRole("region", { name: region });
      await once.waitFor(WAIT);
      await page.waitForFunction((label) => document.activeElement?.getAttribute("aria-label") === label, region, WAIT);
      const box = await once.evaluate((el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, width: innerWidth }; });
      assert.ok(box.left >= 0 && box.right <= box.width, `${region} inside the window: ${JSON.stringify(box)}`);
      await once.getByRole("button", { name: "Done" }).focus();
      await page.keyboard.press("Enter");
      await once.waitFor({ state: "detached", ...WAIT });
      assert.equal(await focused(), `button ${button}`);
    }
  });
});
