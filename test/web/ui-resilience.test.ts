/**
 * The owner's web UI in a real headless Chromium when things go wrong: text too long
 * for its box, an answer lost on the way back, a hub out of reach or behind a proxy's
 * error page, a hub restart. Each step stands on its own after the sign-in.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { before, describe, it } from "node:test";
import type { Locator, Page } from "playwright-core";
import { png } from "../bridge/support/image-server.ts";
import { resolveHubConfig } from "../../src/hub/config.ts";
import { createHub, type Hub } from "../../src/hub/hub.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { RawSync } from "../realtime/support.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { lineCounts, signedInSuite } from "./support/page.ts";
import { loginCode } from "./support/session.ts";

const WAIT = { timeout: 20_000 };

describe("the web UI when things go wrong, in a real browser", { timeout: 300_000 }, () => {
  // The hubs started in the place of the first, on its port and data: a restart.
  const restarted: Hub[] = [];
  const suite = signedInSuite({ beforeHubClose: async () => { for (const hub of restarted) await hub.close(); } });
  const { pageErrors } = suite;
  let t: TestHub;
  let b: TestBrowser;
  let page: Page;
  before(() => ({ t, page, browser: b } = suite));

  const board = () => page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`).then(() => page.getByRole("heading", { name: "General" }).waitFor(WAIT));
  const stopHub = () => (restarted.at(-1) ?? t.hub).close();
  /** Same data, same port: the hub restarted. */
  const startHubAgain = async () => {
    const hub = await createHub(resolveHubConfig({ data: t.dataDir, port: new URL(t.baseUrl).port, host: "127.0.0.1", logLevel: "silent", database: t.databaseFlag }, {}));
    restarted.push(hub);
    await hub.listen();
  };
  /** On the board, adds a task whose request the hub never gets (refused on the way): the page says so. */
  const addTaskOutOfReach = async (title: string) => {
    await board();
    await page.route("**/api/v1/tasks", (route) => route.request().method() === "POST" ? route.abort("connectionrefused") : route.fallback());
    await page.getByLabel("Title").fill(title);
    await page.getByRole("button", { name: "Add task" }).click();
    const unreachable = page.getByRole("alert").filter({ hasText: "Could not reach the hub" });
    await unreachable.waitFor(WAIT);
    return unreachable;
  };
  /** Words a page kept for the person (a task gone under them): Copy puts them on the clipboard, Done takes them away. */
  const copyThenDone = async (kept: Locator, text: string) => {
    await b.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.baseUrl });
    await kept.getByRole("button", { name: "Copy" }).click();
    await kept.getByRole("button", { name: "Copied" }).waitFor(WAIT);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), text);
    await kept.getByRole("button", { name: "Done" }).click();
    await kept.waitFor({ state: "detached", ...WAIT });
  };
  const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const tasksTitled = async (title: string) => {
    const res = await t.owner(t.creds.ownerToken, "GET", `/tasks?projectId=${t.creds.projectId}&q=${encodeURIComponent(title)}`);
    assert.equal(res.status, 200);
    return (res.body as { title: string }[]).filter((task) => task.title === title).length;
  };

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

  it("on a phone (375 px) the header wraps between its links, and the board's and a task's name sit on their own line: no word split in two", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    // How many lines the text of each takes: one, unless a word of it was broken.
    const lines = async () => Object.fromEntries((await lineCounts(page, ".top a, .top button, #board-title, #task-title")).map(({ text, lines }) => [text, lines]));
    const oneLineEach = async () => {
      const seen = await lines();
      assert.deepEqual(Object.entries(seen).filter(([, n]) => n !== 1), [], `each on one line: ${JSON.stringify(seen)}`);
    };
    try {
      await board();
      await oneLineEach();
      assert.equal(await sideways(), 0, "the board fits the window");
      const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Short name" });
      assert.equal(task.status, 201);
      await page.goto(`${t.baseUrl}/tasks/${task.body.id}`);
      await page.getByRole("heading", { name: "Short name" }).waitFor(WAIT);
      await oneLineEach();
      assert.equal(await sideways(), 0, "the task page fits the window");

      // The invite link's panel, anchored at the right, is all inside the window: none of it cut off on the left.
      await board();
      await page.getByRole("button", { name: "Invite someone" }).click();
      const panel = page.locator(".invite .token-once");
      await panel.waitFor(WAIT);
      const box = await panel.evaluate((el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, width: document.documentElement.clientWidth }; });
      assert.ok(box.left >= 0 && box.right <= box.width, `the invite panel is inside the window: ${JSON.stringify(box)}`);
      await page.getByRole("button", { name: "Done" }).click();
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it("a comment being written outlives going to another page and back, and a reload; once posted it is not offered again", async () => {
    const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Draft keeper" });
    assert.equal(task.status, 201);
    await page.goto(`${t.baseUrl}/tasks/${task.body.id}`);
    await page.getByRole("heading", { name: "Draft keeper" }).waitFor(WAIT);
    const box = page.getByRole("textbox", { name: /^Comment/ });
    await box.fill("Half a thought");
    await page.getByRole("link", { name: "Agents" }).click();
    await page.getByRole("heading", { name: "Agents" }).first().waitFor(WAIT);
    await page.goBack();
    await page.getByRole("heading", { name: "Draft keeper" }).waitFor(WAIT);
    assert.equal(await box.inputValue(), "Half a thought", "back on the task, the words are still there");
    await box.fill("Half a thought, and more");
    await page.reload();
    await page.getByRole("heading", { name: "Draft keeper" }).waitFor(WAIT);
    assert.equal(await box.inputValue(), "Half a thought, and more", "a reload keeps them too");
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.locator(".comment", { hasText: "Half a thought, and more" }).waitFor(WAIT);
    await page.reload();
    await page.getByRole("heading", { name: "Draft keeper" }).waitFor(WAIT);
    assert.equal(await box.inputValue(), "", "the posted comment is no draft");
  });

  it("a write whose answer was lost is sent again with its Idempotency-Key: one task, not two", async () => {
    await board();
    const keys: string[] = [];
    let lose = true;
    await page.route("**/api/v1/tasks", async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      keys.push(route.request().headers()["idempotency-key"] ?? "");
      // The hub makes the task, but its answer never reaches the page (a dropped connection).
      if (lose) {
        lose = false;
        await route.fetch();
        return route.abort("connectionreset");
      }
      return route.fallback();
    });
    await page.getByLabel("Title").fill("Lost answer");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByRole("alert").filter({ hasText: /reach the hub/ }).waitFor(WAIT);
    await page.getByRole("button", { name: "Add task" }).click();
    await page.locator(".card", { hasText: "Lost answer" }).waitFor(WAIT);
    await page.waitForFunction(() => (document.querySelector<HTMLInputElement>('input[name="title"]')?.value ?? "x") === "", undefined, WAIT);
    await page.unroute("**/api/v1/tasks");
    assert.equal(keys.length, 2);
    assert.equal(keys[1], keys[0], "the retry carries the first attempt's key");
    assert.equal(await tasksTitled("Lost answer"), 1, "one task, not two");

    // A new request is a new key: the same title again, on purpose, is a second task.
    await page.getByLabel("Title").fill("Lost answer");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.locator(".card", { hasText: "Lost answer" }).nth(1).waitFor(WAIT);
    assert.equal(await tasksTitled("Lost answer"), 2);
  });

  it("says in words when the hub cannot be reached, or answers with a proxy's error page", async () => {
    await board();
    await page.route("**/api/v1/tasks", (route) => route.request().method() === "POST" ? route.abort("connectionrefused") : route.fallback());
    await page.getByLabel("Title").fill("Unreachable");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByRole("alert").filter({ hasText: "Could not reach the hub" }).waitFor(WAIT);
    assert.equal(await page.getByRole("button", { name: "Add task" }).isEnabled(), true, "ready to try again");
    await page.unroute("**/api/v1/tasks");

    await page.route("**/api/v1/tasks", (route) => route.request().method() === "POST"
      ? route.fulfill({ status: 502, contentType: "text/html", body: "<html><body><h1>502 Bad Gateway</h1></body></html>" })
      : route.fallback());
    await page.getByRole("button", { name: "Add task" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "502" });
    await alert.waitFor(WAIT);
    assert.doesNotMatch((await alert.textContent())!, /JSON|Unexpected token|<html/);
    await page.unroute("**/api/v1/tasks");
  });

  it("'Could not reach the hub' goes by itself once a later request reaches it, without a reload", async () => {
    const unreachable = await addTaskOutOfReach("Out of reach for a while");
    await page.unroute("**/api/v1/tasks");
    // A reload would drop this.
    await page.evaluate(() => Object.assign(window, { stillThisPage: true }));
    // Another request, to another endpoint, gets an answer: the hub is reached again.
    await page.getByRole("button", { name: "Sign in on another device" }).click();
    await page.getByTestId("device-link").waitFor(WAIT);
    await unreachable.waitFor({ state: "detached", ...WAIT });
    assert.equal(await page.evaluate(() => (window as { stillThisPage?: boolean }).stillThisPage), true, "no reload");
    assert.equal(await page.getByLabel("Title").inputValue(), "Out of reach for a while", "what was typed is still there");
  });

  it("'Could not reach the hub' under 'Sign in on another device' goes too once another request reaches it", async () => {
    await board();
    await page.route("**/api/v1/session/link", (route) => route.abort("connectionrefused"));
    await page.getByRole("button", { name: "Sign in on another device" }).click();
    const unreachable = page.getByRole("alert").filter({ hasText: "Could not reach the hub" });
    await unreachable.waitFor(WAIT);
    await page.unroute("**/api/v1/session/link");
    await page.getByLabel("Title").fill("Reached again");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.locator(".card", { hasText: "Reached again" }).waitFor(WAIT);
    await unreachable.waitFor({ state: "detached", ...WAIT });
  });

  it("a proxy's 504 after the hub made the task: trying again sends the same Idempotency-Key, so one task, not two", async () => {
    await board();
    const keys: string[] = [];
    await page.route("**/api/v1/tasks", async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      keys.push(route.request().headers()["idempotency-key"] ?? "");
      if (keys.length > 1) return route.fallback();
      // The hub makes the task, but the proxy gives up waiting for its answer.
      await route.fetch();
      return route.fulfill({ status: 504, contentType: "text/html", body: "<html><body><h1>504 Gateway Time-out</h1></body></html>" });
    });
    await page.getByLabel("Title").fill("Timed out at the proxy");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.getByRole("alert").filter({ hasText: "504" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Add task" }).click();
    await page.waitForFunction(() => (document.querySelector<HTMLInputElement>('input[name="title"]')?.value ?? "x") === "", undefined, WAIT);
    await page.unroute("**/api/v1/tasks");
    assert.equal(keys.length, 2);
    assert.equal(keys[1], keys[0], "the retry carries the first attempt's key");
    assert.equal(await tasksTitled("Timed out at the proxy"), 1, "one task, not two");
  });

  it("a proxy's 502 is no answer of the hub's: it takes back no 'Could not reach the hub', and its own note goes once the hub answers", async () => {
    const unreachable = await addTaskOutOfReach("Behind a proxy");
    await page.route("**/api/v1/session/link", (route) => route.fulfill({ status: 502, contentType: "text/html", body: "<html><body>502 Bad Gateway</body></html>" }));
    await page.getByRole("button", { name: "Sign in on another device" }).click();
    const badGateway = page.getByRole("alert").filter({ hasText: "502" });
    await badGateway.waitFor(WAIT);
    assert.equal(await unreachable.count(), 1, "the proxy's answer did not count as the hub's");
    await page.unroute("**/api/v1/session/link");
    await page.unroute("**/api/v1/tasks");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.locator(".card", { hasText: "Behind a proxy" }).waitFor(WAIT);
    await badGateway.waitFor({ state: "detached", ...WAIT });
  });

  it("someone else deletes the chosen agent, or the task itself, while the page is open: it goes on with what is left", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Deleted under the page" });
    assert.equal(made.status, 201);
    const doomed = await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Doomed agent" });
    assert.equal(doomed.status, 201);
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Deleted under the page" }).waitFor(WAIT);
    const agentSelect = page.getByRole("combobox", { name: "Agent" });
    await agentSelect.selectOption({ label: "Doomed agent" });
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/agents/${doomed.body.id}`)).status, 204);
    await page.getByRole("button", { name: "@Doomed agent" }).waitFor({ state: "detached", ...WAIT });
    const shown = await agentSelect.evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent);
    await page.getByRole("button", { name: "Delegate" }).click();
    // The run goes to the agent the list shows, not to the one that is gone.
    await page.locator(".timeline .run", { hasText: shown! }).waitFor(WAIT);
    assert.equal(await page.getByRole("alert").count(), 0);
    // No agent works here: the run waits, and a task is deleted only once its runs stop.
    await page.getByRole("button", { name: "Stop run" }).click();
    await page.locator('.timeline .run[data-status="STOPPED"]').waitFor(WAIT);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${made.body.id}`)).status, 204);
    await page.getByRole("alert").filter({ hasText: "no longer exists" }).waitFor(WAIT);
    await page.getByRole("link", { name: "Back to General" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  it("the task deleted elsewhere while a comment is being written: the words stay on the page, with Copy", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Deleted mid-sentence" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Deleted mid-sentence" }).waitFor(WAIT);
    const words = "A long thought,\nhalf written";
    await page.getByRole("textbox", { name: /^Comment/ }).fill(words);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${made.body.id}`)).status, 204);
    await page.getByRole("alert").filter({ hasText: "no longer exists" }).waitFor(WAIT);
    const kept = page.getByRole("region", { name: "Your comment, not posted" });
    await kept.waitFor(WAIT);
    assert.equal(await kept.getByTestId("unposted-comment").textContent(), words);
    await copyThenDone(kept, words);
    await page.getByRole("link", { name: "Back to General" }).waitFor(WAIT);
  });

  it("the task deleted elsewhere while its edit is being made: the typed title and description stay, with Copy, and go once Done", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Deleted mid-edit", description: "Old words" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Deleted mid-edit" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Edit task" }).click();
    const form = page.getByRole("form", { name: "Edit task" });
    await form.getByRole("textbox", { name: "Title" }).fill("A better title");
    await form.getByRole("textbox", { name: /^Description/ }).fill("New words,\nhalf written");
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${made.body.id}`)).status, 204);
    await page.getByRole("alert").filter({ hasText: "no longer exists" }).waitFor(WAIT);
    const kept = page.getByRole("region", { name: "Your edit, not saved" });
    await kept.waitFor(WAIT);
    const text = "A better title\n\nNew words,\nhalf written";
    assert.equal(await kept.getByTestId("unsaved-edit").textContent(), text);
    await copyThenDone(kept, text);
    // Nothing of it stays in the tab, where a page for that task would find it again.
    const keptKeys = await page.evaluate((id) => Object.keys(sessionStorage).filter((key) => key.includes(id)), made.body.id as string);
    assert.deepEqual(keptKeys, []);
    await page.getByRole("link", { name: "Back to General" }).waitFor(WAIT);
  });

  it("the task deleted while the tab was on another page, with a comment and an edit kept for it: coming back offers both, with Copy, and Done leaves nothing in the tab", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Deleted while away" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Deleted while away" }).waitFor(WAIT);
    const words = "Written before a detour";
    await page.getByRole("textbox", { name: /^Comment/ }).fill(words);
    await page.getByRole("button", { name: "Edit task" }).click();
    await page.getByRole("form", { name: "Edit task" }).getByRole("textbox", { name: "Title" }).fill("A title typed before the detour");
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link").click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${made.body.id}`)).status, 204);
    await page.goBack();
    await page.getByRole("alert").filter({ hasText: "no longer exists" }).waitFor(WAIT);
    const comment = page.getByRole("region", { name: "Your comment, not posted" });
    await comment.waitFor(WAIT);
    assert.equal(await comment.getByTestId("unposted-comment").textContent(), words);
    await copyThenDone(comment, words);
    const edit = page.getByRole("region", { name: "Your edit, not saved" });
    await edit.waitFor(WAIT);
    const typed = await edit.getByTestId("unsaved-edit").textContent() ?? "";
    assert.equal(typed, "A title typed before the detour");
    await copyThenDone(edit, typed);
    const keptKeys = await page.evaluate((id) => Object.keys(sessionStorage).filter((key) => key.includes(id)), made.body.id as string);
    assert.deepEqual(keptKeys, []);
    await page.getByRole("link", { name: "Back to your boards" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  it("the task deleted elsewhere while its edit form is open but untouched: nothing is offered, and nothing kept", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Deleted while looked at" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Deleted while looked at" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Edit task" }).click();
    await page.getByRole("form", { name: "Edit task" }).waitFor(WAIT);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${made.body.id}`)).status, 204);
    await page.getByRole("alert").filter({ hasText: "no longer exists" }).waitFor(WAIT);
    assert.equal(await page.getByRole("region", { name: "Your edit, not saved" }).count(), 0);
    await page.waitForFunction((id) => !Object.keys(sessionStorage).some((key) => key.includes(id)), made.body.id as string, WAIT);
  });

  it("a new workspace made, then its project not (no answer): trying again makes the project in that workspace, not a second one", async () => {
    await board();
    let refused = false;
    await page.route("**/api/v1/projects", (route) => {
      if (route.request().method() !== "POST" || refused) return route.fallback();
      refused = true;
      return route.abort("connectionrefused");
    });
    await page.getByText("New project").click();
    await page.getByRole("combobox", { name: "Workspace" }).selectOption({ label: "New workspace…" });
    await page.getByLabel("Workspace name").fill("Only once");
    await page.getByLabel("Project name").fill("Roadmap");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("alert").filter({ hasText: "Could not reach the hub" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("heading", { name: "Roadmap" }).waitFor(WAIT);
    await page.unroute("**/api/v1/projects");
    const workspaces = await t.owner(t.creds.ownerToken, "GET", "/workspaces");
    assert.equal((workspaces.body as { name: string }[]).filter((w) => w.name === "Only once").length, 1);
  });

  it("a file that is not an image, dropped on a task's details, is refused in words, not opened by the browser in the app's place", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Drop a PDF" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Drop a PDF" }).waitFor(WAIT);
    const left = await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["%PDF-1.4"], "spec.pdf", { type: "application/pdf" }));
      // false: the page took the drop (dispatchEvent answers whether the default, opening the file, may go ahead).
      return document.querySelector(".image-drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    assert.equal(left, false, "the page keeps the drop it invited");
    await page.getByRole("alert").filter({ hasText: "spec.pdf is not an image" }).waitFor(WAIT);
  });

  it("a session ended elsewhere: the sign-in page says why, and signing in again goes back to the page that was open", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Where I was" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Where I was" }).waitFor(WAIT);
    // Signed out in another tab (the same cookie).
    const other = await b.context.newPage();
    await other.goto(`${t.baseUrl}/agents`);
    await other.evaluate(() => fetch("/api/v1/session", { method: "DELETE", headers: { "x-groupchat-csrf": "1" } }));
    await other.close();
    await page.getByRole("alert").filter({ hasText: "Your session has ended" }).waitFor(WAIT);
    // This browser is on the hub's machine: the page names this hub's own command (it said .data/hub, whatever the data dir).
    await page.locator(".signin pre code", { hasText: `npx openclaw-groupchat hub login --data ${t.dataDir} ` }).waitFor(WAIT);
    await page.getByLabel("Or paste the sign-in link or code").fill(await loginCode(t));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Where I was" }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, `/tasks/${made.body.id}`);
  });

  it("the sign-in page of a hub behind --public-url names no path of the hub's, and the command as that hub runs it (a global install: no npx)", async () => {
    const data = `${t.dataDir}-global`;
    const hub = await createHub(resolveHubConfig({ data, port: "0", host: "127.0.0.1", logLevel: "silent", publicUrl: "https://hub.example.com" }, {}), { cli: ["openclaw-groupchat"] });
    const other = await b.context.newPage();
    try {
      await hub.listen();
      await other.goto(`${hub.urls().baseUrl}/login`);
      // The page shows the npx wording until the hub's answer comes (a busy machine can catch it before): wait for the answer's.
      const help = other.locator(".signin p code", { hasText: /^openclaw-groupchat hub login --data DIR$/ });
      await help.waitFor(WAIT);
      assert.equal(await help.textContent(), "openclaw-groupchat hub login --data DIR");
    } finally {
      await other.close();
      await hub.close();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it("Markdown from a person or an agent cannot cover the page, pose as its controls or take its ids; Markdown itself still renders", async () => {
    const description = [
      '<div style="position:fixed;inset:0;z-index:99;background:white">Your session has ended: paste your token here</div>',
      '<textarea id="comment-body"></textarea> <select name="x"><option>1</option></select> <p class="state error" role="alert">Fake alert</p>',
      "",
      "**bold**, [a link](https://example.com) and `code`",
      "",
      "| a | b |\n|---|---|\n| 1 | 2 |",
    ].join("\n");
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Hostile Markdown", description });
    assert.equal(made.status, 201);
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Hostile Markdown" }).waitFor(WAIT);
    const markdown = page.locator(".details .markdown");
    await markdown.locator("strong", { hasText: "bold" }).waitFor(WAIT);
    assert.equal(await markdown.locator("[style], [id], [name], [class], [role], textarea, select").count(), 0);
    assert.equal(await markdown.locator('a[href="https://example.com"][target="_blank"]').count(), 1);
    assert.equal(await markdown.locator("table td").count(), 2);
    // The page's own comment field is still the one its label names.
    await page.getByRole("textbox", { name: /^Comment/ }).fill("still mine");
    assert.equal(await page.getByRole("alert").count(), 0);
  });

  it("Copy where the browser gives no clipboard (a hub over plain http on a LAN address): the token is selected, and the page says to press Ctrl+C", async () => {
    await page.goto(`${t.baseUrl}/tokens`);
    await page.getByRole("heading", { name: "API tokens" }).waitFor(WAIT);
    // What a page that is not a secure context gets.
    await page.evaluate(() => Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true }));
    await page.getByLabel("Name").fill("Copied by hand");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("api-token").textContent())!;
    await page.getByTestId("api-token-once").getByRole("button", { name: "Copy" }).click();
    await page.getByText("press Ctrl+C").waitFor(WAIT);
    assert.equal(await page.evaluate(() => window.getSelection()?.toString()), token);
  });

  it("of several images picked at once, the ones the hub takes go in the task even when another is refused, which is named", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Three screenshots" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Three screenshots" }).waitFor(WAIT);
    const tooBig = Buffer.concat([png(), Buffer.alloc(11 * 1024 * 1024)]);
    await page.getByLabel("Image file").setInputFiles([
      { name: "one.png", mimeType: "image/png", buffer: png() },
      { name: "huge.png", mimeType: "image/png", buffer: tooBig },
      { name: "three.png", mimeType: "image/png", buffer: png() },
    ]);
    await page.getByRole("alert").filter({ hasText: "huge.png" }).waitFor(WAIT);
    await page.locator(".images img[alt='three.png']").waitFor(WAIT);
    const images = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${made.body.id}`)).body.images as { name: string }[];
    assert.deepEqual(images.map((i) => i.name), ["one.png", "three.png"]);
  });

  it("images that got no answer at all: the note naming them goes once another request reaches the hub", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Uploaded while out of reach" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Uploaded while out of reach" }).waitFor(WAIT);
    await page.route("**/api/v1/uploads?*", (route) => route.abort("connectionrefused"));
    await page.getByLabel("Image file").setInputFiles([{ name: "lost.png", mimeType: "image/png", buffer: png() }]);
    const note = page.getByRole("alert").filter({ hasText: "lost.png: Could not reach the hub" });
    await note.waitFor(WAIT);
    await page.unroute("**/api/v1/uploads?*");
    await page.getByRole("textbox", { name: /^Comment/ }).fill("Back in reach");
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.locator(".comment", { hasText: "Back in reach" }).waitFor(WAIT);
    await note.waitFor({ state: "detached", ...WAIT });
  });

  it("someone else adds an image just as an image is added or removed here: theirs stays, and so does this one", async () => {
    const shot = (name: string) => ({ url: `${t.baseUrl}/shots/${name}.png`, name: `${name}.png` });
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Two at once", images: [shot("old")] });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Two at once" }).waitFor(WAIT);
    // Each write this page makes to the task reaches the hub just after another person's image did.
    let theirs = 0;
    await page.route(`**/api/v1/tasks/${made.body.id}{,/**}`, async (route) => {
      if (route.request().method() === "GET") return route.fallback();
      const added = await t.owner(t.creds.ownerToken, "POST", `/tasks/${made.body.id}/images`, { images: [shot(`theirs-${++theirs}`)] });
      assert.equal(added.status, 200);
      return route.fallback();
    });
    const urls = async () => ((await t.owner(t.creds.ownerToken, "GET", `/tasks/${made.body.id}`)).body.images as { name: string }[]).map((i) => i.name);

    await page.getByLabel("Image URL").fill(shot("mine").url);
    await page.getByRole("button", { name: "Add image" }).click();
    await page.locator(".images img[alt='mine.png']").waitFor(WAIT);
    await page.locator(".images img[alt='theirs-1.png']").waitFor(WAIT);
    assert.deepEqual(await urls(), ["old.png", "theirs-1.png", "mine.png"]);

    await page.getByRole("button", { name: "Remove image old.png" }).click();
    await page.locator(".images img[alt='old.png']").waitFor({ state: "detached", ...WAIT });
    assert.deepEqual(await urls(), ["theirs-1.png", "mine.png", "theirs-2.png"]);
    await page.unroute(`**/api/v1/tasks/${made.body.id}{,/**}`);
    assert.equal(await page.getByRole("alert").count(), 0);
  });

  it("someone else edits the task while it is being edited here: the form says so before a save would replace their words", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Edited twice", description: "First words" });
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Edited twice" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Edit task" }).click();
    const form = page.getByRole("form", { name: "Edit task" });
    await form.getByLabel("Description (Markdown)").fill("My words");
    assert.equal((await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${made.body.id}`, { description: "Their words" })).status, 200);
    await form.getByRole("status").filter({ hasText: "Changed elsewhere to “Their words”" }).waitFor(WAIT);
    // Theirs, into the form: to merge by hand.
    await form.getByRole("button", { name: "Use theirs" }).click();
    assert.equal(await form.getByLabel("Description (Markdown)").inputValue(), "Their words");
    assert.equal(await form.getByRole("status").filter({ hasText: "Changed elsewhere" }).count(), 0);
  });

  it("a reload in the middle of Edit task keeps the words typed; what changed elsewhere meanwhile is named, with Use theirs, not overwritten", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Edit kept", description: "Old words" });
    assert.equal(made.status, 201);
    await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
    await page.getByRole("heading", { name: "Edit kept" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Edit task" }).click();
    const form = page.getByRole("form", { name: "Edit task" });
    await form.getByLabel("Title").fill("Edit kept, renamed");
    await form.getByLabel("Description (Markdown)").fill("My new words");
    await page.reload();
    await page.getByRole("heading", { name: "Edit kept" }).waitFor(WAIT);
    await form.waitFor(WAIT);
    assert.equal(await form.getByLabel("Title").inputValue(), "Edit kept, renamed");
    assert.equal(await form.getByLabel("Description (Markdown)").inputValue(), "My new words");

    // Changed elsewhere while this page was away: the description being edited here, and the due date, untouched here.
    await page.getByRole("link", { name: "Agents" }).click();
    await page.getByRole("heading", { name: "Agents" }).first().waitFor(WAIT);
    assert.equal((await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${made.body.id}`, { description: "Their words", dueDate: "2027-01-02" })).status, 200);
    await page.goBack();
    await form.waitFor(WAIT);
    const theirs = form.getByRole("status").filter({ hasText: "Changed elsewhere to “Their words”" });
    await theirs.waitFor(WAIT);
    assert.equal(await form.getByLabel("Description (Markdown)").inputValue(), "My new words", "the words typed here stay");
    assert.equal(await form.getByLabel("Due date").inputValue(), "2027-01-02", "a field not touched here takes the new value");
    assert.equal(await form.getByLabel("Title").inputValue(), "Edit kept, renamed");
    await theirs.getByRole("button", { name: "Use theirs" }).click();
    assert.equal(await form.getByLabel("Description (Markdown)").inputValue(), "Their words");
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Edit kept, renamed" }).waitFor(WAIT);
    const saved = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${made.body.id}`)).body;
    assert.deepEqual([saved.title, saved.description, saved.dueDate], ["Edit kept, renamed", "Their words", "2027-01-02"]);
    // Saved, it is no draft: a reload shows the task, not the form.
    await page.reload();
    await page.getByRole("button", { name: "Edit task" }).waitFor(WAIT);
    assert.equal(await form.count(), 0);
  });

  it("a session check the hub cannot answer (a proxy's 502) offers Try again, not the sign-in page: the cookie is still good", async () => {
    let failing = true;
    await page.route("**/api/v1/session", (route) => failing && route.request().method() === "GET"
      ? route.fulfill({ status: 502, contentType: "text/html", body: "<html><body>502 Bad Gateway</body></html>" })
      : route.fallback());
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    const badGateway = page.getByRole("alert").filter({ hasText: "502" });
    await badGateway.waitFor(WAIT);
    assert.equal(await page.getByLabel("Or paste the sign-in link or code").count(), 0, "not asked to sign in again");
    // Try again asks at once; the proxy still fails, so the same screen comes back (the page also asks by itself,
    // so the proxy is mended only once the button was there to click).
    const asked = page.waitForRequest((request) => request.url().endsWith("/api/v1/session") && request.method() === "GET", WAIT);
    await page.getByRole("button", { name: "Try again" }).click();
    await asked;
    await badGateway.waitFor(WAIT);
    failing = false;
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    await page.unroute("**/api/v1/session");
  });

  it("a session check that gets no answer (the hub restarting as the page loads) asks again by itself: the app comes once the hub answers, with no click", async () => {
    let down = true;
    await page.route("**/api/v1/session", (route) => down && route.request().method() === "GET" ? route.abort("connectionrefused") : route.fallback());
    let checks = 0;
    const askedAgain = page.waitForRequest((request) => request.url().endsWith("/api/v1/session") && request.method() === "GET" && ++checks === 2, WAIT);
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.getByRole("alert").filter({ hasText: "Could not check your session" }).waitFor(WAIT);
    // It asks again by itself, still without an answer, and says so as before.
    await askedAgain;
    await page.getByRole("alert").filter({ hasText: "Could not check your session" }).waitFor(WAIT);
    down = false;
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    await page.unroute("**/api/v1/session");
    assert.equal(new URL(page.url()).pathname, `/projects/${t.creds.projectId}`);
  });

  it("a session check answered 503 with Retry-After asks again only once that wait is over (at most 5 minutes), not after 1 s", async () => {
    // The clock is the browser context's own: another browser, so the other steps keep the real one.
    const own = await launchBrowser();
    try {
      const p = await own.context.newPage();
      p.on("pageerror", (error) => pageErrors.push(error.message));
      await p.goto(await t.hub.loginLink());
      await p.getByRole("heading", { name: "General" }).waitFor(WAIT);
      // Each check counted as the page makes it (the call is made in the timer's own turn, so a count read after
      // runFor has every check that time asked for).
      await p.addInitScript(() => {
        const fetchOf = window.fetch.bind(window);
        Object.assign(window, { sessionChecks: 0 });
        window.fetch = (input, init) => {
          if (String(input).endsWith("/api/v1/session") && (init?.method ?? "GET") === "GET") (window as unknown as { sessionChecks: number }).sessionChecks++;
          return fetchOf(input, init);
        };
      });
      const checks = () => p.evaluate(() => (window as unknown as { sessionChecks: number }).sessionChecks);
      const waits = ["120", "86400"];
      await p.route("**/api/v1/session", (route) => route.request().method() === "GET" && waits.length > 0
        ? route.fulfill({ status: 503, headers: { "retry-after": waits.shift()! }, contentType: "application/json", body: JSON.stringify({ error: "The hub is overloaded: try again shortly" }) })
        : route.fallback());
      await p.clock.install({ time: new Date("2026-01-01T00:00:00Z") });
      await p.clock.pauseAt(new Date("2026-01-01T00:00:10Z"));
      await p.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
      await p.getByRole("alert").filter({ hasText: "Could not check your session" }).waitFor(WAIT);
      await p.getByText("The hub asked for 2m 0s").waitFor(WAIT);
      assert.equal(await checks(), 1);
      await p.clock.runFor(60_000);
      assert.equal(await checks(), 1, "a minute on, the hub's two minutes are not over: no check yet");
      await p.clock.runFor(61_000);
      assert.equal(await checks(), 2, "its two minutes over, the page asks again");
      // A day asked for: the page waits 5 minutes, no more.
      await p.getByText("The hub asked for 5m 0s").waitFor(WAIT);
      await p.clock.runFor(299_000);
      assert.equal(await checks(), 2);
      await p.clock.runFor(2_000);
      assert.equal(await checks(), 3);
      await p.clock.resume();
      await p.getByRole("heading", { name: "General" }).waitFor(WAIT);
    } finally {
      await own.close();
    }
  });

  it("a live socket the hub turns away at its connection limit (1013) says live updates are paused, shows a page waiting for the hub rather than Loading, and takes back no 'Could not reach the hub'", async () => {
    // A hub of its own, with room for one live socket, and a browser of its own (a sign-in there would replace this one's cookie).
    const full = await startTestHub({ syncMaxConnections: "1" });
    const own = await launchBrowser();
    let holder: RawSync | null = null;
    // The stock client waits 3 s, doubling (with jitter), between tries the hub turns away.
    const LONG = { timeout: 60_000 };
    try {
      // Another client holds the hub's one live socket.
      holder = await RawSync.open(full.baseUrl);
      holder.connect();
      holder.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [] });
      assert.equal((await holder.next()).type, "Transition");
      const p = await own.context.newPage();
      p.on("pageerror", (error) => pageErrors.push(error.message));
      await p.goto(await full.hub.loginLink());
      const paused = p.getByRole("status").filter({ hasText: "Live updates paused: the hub is busy" });
      await paused.waitFor(LONG);
      // Nothing came yet: the page says what it waits for, not an endless "Loading".
      const waiting = p.getByRole("status").filter({ hasText: "Waiting for the hub" });
      await waiting.waitFor(WAIT);
      assert.equal(await p.getByText(/Loading/).count(), 0);
      assert.doesNotMatch(await paused.innerText(), /out of date/, "nothing is shown yet, so nothing can be out of date");
      await p.route("**/api/v1/session/link", (route) => route.abort("connectionrefused"));
      await p.getByRole("button", { name: "Sign in on another device" }).click();
      const unreachable = p.getByRole("alert").filter({ hasText: "Could not reach the hub" });
      await unreachable.waitFor(WAIT);
      await p.unroute("**/api/v1/session/link");
      // Two more tries, turned away: the first of them was opened, and closed, before the client made the second.
      await p.waitForEvent("websocket", LONG);
      await p.waitForEvent("websocket", LONG);
      assert.equal(await unreachable.count(), 1, "a socket the hub turned away is no sign the hub can be reached for the rest");
      assert.equal(await paused.count(), 1);
      // The other client lets go: the page's next try is served, and it is live again.
      await holder.close();
      holder = null;
      await p.getByRole("heading", { name: "General" }).waitFor(LONG);
      await unreachable.waitFor({ state: "detached", ...WAIT });
      await paused.waitFor({ state: "detached", ...WAIT });
      assert.equal(await waiting.count(), 0);
    } finally {
      await holder?.close();
      await own.close();
      await full.close();
    }
  });

  it("an address with a broken %-escape (a link cut short): the hub answers 400 with the app, which says it is not a valid address", async () => {
    const answer = await page.goto(`${t.baseUrl}/tasks/%E0%A4%A`);
    assert.equal(answer?.status(), 400);
    await page.getByRole("heading", { name: "Not a valid address" }).waitFor(WAIT);
    await page.getByRole("link", { name: "your boards" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  it("says when the live connection is lost, and shows fresh data once the hub is back", async () => {
    await board();
    const banner = page.getByRole("status").filter({ hasText: "Reconnecting" });
    assert.equal(await banner.count(), 0, "no banner while connected");
    await stopHub();
    await banner.waitFor(WAIT);
    await startHubAgain();
    // fetch may first try a keep-alive socket of the old hub: one retry.
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Made while the page was away" })
      .catch(() => t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Made while the page was away" }));
    assert.equal(made.status, 201);
    await page.locator(".card", { hasText: "Made while the page was away" }).waitFor(WAIT);
    await banner.waitFor({ state: "detached", ...WAIT });
  });

  it("a live query that fails once the task is shown keeps the page, the comment being typed and its focus, with a note; the note goes once the hub answers again", async () => {
    const made = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Kept through a failed read" });
    assert.equal(made.status, 201);
    // Between the page and the hub: while `failing`, the hub's values of the task's query come as failures instead
    // (a read that went wrong on its side, for a while), as the stock client hears them.
    let failing = false;
    const taskQueries = new Set<number>();
    type Frame = { type: string; modifications?: { type: string; queryId: number; udfPath?: string }[] };
    await page.routeWebSocket(/\/sync$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = typeof message === "string" ? JSON.parse(message) as Frame : null;
        if (frame?.type === "ModifyQuerySet") for (const m of frame.modifications ?? []) if (m.type === "Add" && m.udfPath === "owner:task") taskQueries.add(m.queryId);
        server.send(message);
      });
      server.onMessage((message) => {
        if (!failing || typeof message !== "string") return ws.send(message);
        const frame = JSON.parse(message) as Frame;
        if (frame.type === "Transition") {
          frame.modifications = frame.modifications?.map((m) => m.type === "QueryUpdated" && taskQueries.has(m.queryId)
            ? { type: "QueryFailed", queryId: m.queryId, errorMessage: "The hub could not read the task", logLines: [], journal: null, errorData: { code: "INTERNAL" } } as never
            : m);
        }
        ws.send(JSON.stringify(frame));
      });
    });
    try {
      await page.goto(`${t.baseUrl}/tasks/${made.body.id}`);
      const heading = page.getByRole("heading", { name: "Kept through a failed read" });
      await heading.waitFor(WAIT);
      const box = page.getByRole("textbox", { name: /^Comment/ });
      const words = "Words typed before the hub failed";
      await box.fill(words);
      const focused = () => box.evaluate((el) => el === document.activeElement);
      failing = true;
      assert.equal((await t.owner(t.creds.ownerToken, "POST", `/tasks/${made.body.id}/comments`, { body: "Read wrong" })).status, 201);
      const note = page.getByRole("status").filter({ hasText: /showing what was last loaded/i });
      await note.waitFor(WAIT);
      assert.match(await note.innerText(), /The hub could not read the task/);
      assert.ok(await heading.isVisible(), "the task is still on the page");
      assert.equal(await box.inputValue(), words, "what was typed is still there");
      assert.ok(await focused(), "and the box still has the focus");
      assert.equal(await page.getByRole("alert").count(), 0, "no error in the page's place");

      failing = false;
      assert.equal((await t.owner(t.creds.ownerToken, "POST", `/tasks/${made.body.id}/comments`, { body: "Read right" })).status, 201);
      await page.locator(".comment", { hasText: "Read right" }).waitFor(WAIT);
      await note.waitFor({ state: "detached", ...WAIT });
      assert.equal(await box.inputValue(), words);
      assert.ok(await focused());
      await page.getByRole("button", { name: "Post comment" }).click();
      await page.locator(".comment", { hasText: words }).waitFor(WAIT);
    } finally {
      await page.unrouteAll();
    }
  });

  it("'Could not reach the hub' from while the hub was down goes once the live connection is back, though the page sends no request", async () => {
    await board();
    await stopHub();
    await page.getByLabel("Title").fill("Made while the hub was down");
    await page.getByRole("button", { name: "Add task" }).click();
    const unreachable = page.getByRole("alert").filter({ hasText: "Could not reach the hub" });
    await unreachable.waitFor(WAIT);
    const requests: string[] = [];
    const onRequest = (request: { url(): string }) => void (new URL(request.url()).pathname.startsWith("/api/") && requests.push(request.url()));
    page.on("request", onRequest);
    await startHubAgain();
    await unreachable.waitFor({ state: "detached", ...WAIT });
    page.off("request", onRequest);
    assert.deepEqual(requests, [], "the live socket's reconnect took it back, not an answer to a request");
    assert.equal(await page.getByLabel("Title").inputValue(), "Made while the hub was down", "what was typed is still there");
  });
});
