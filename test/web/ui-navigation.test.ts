/**
 * Going from page to page in one tab, in a real browser: another link of the same kind, back and forward, and a
 * slow hub's answer coming after the person went on. Each page shows what its address says, and an answer to
 * a page left behind does not move or undo the one the person is on.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { TestHub } from "../support/hub.ts";
import { loginCode } from "./support/session.ts";
import { holdRequests, newTask as newTaskOf, openTask as openTaskOf, signedInSuite } from "./support/page.ts";

const WAIT = { timeout: 20_000 };

describe("going from page to page in one tab, in a real browser", { timeout: 300_000 }, () => {
  const suite = signedInSuite();
  let t: TestHub;
  let page: Page;
  before(() => ({ t, page } = suite));

  const newTask = (title: string) => newTaskOf(t, title);
  const openTask = (id: string) => openTaskOf(page, t, id);
  const searchBox = () => page.getByRole("searchbox", { name: "Search tasks" });

  it("a comment posted as the person went to another page is not offered again as theirs to post when they come back", async () => {
    const id = await newTask("Slow comment");
    await openTask(id);
    const hold = await holdRequests(page, `**/api/v1/tasks/${id}/comments`, "POST");
    await page.getByRole("textbox", { name: /^Comment/ }).fill("Posted once");
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link").click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    await hold.release();
    await page.locator(".card", { hasText: "Slow comment" }).getByRole("link").click();
    await page.locator(".comment", { hasText: "Posted once" }).waitFor(WAIT);
    assert.equal(await page.getByRole("textbox", { name: /^Comment/ }).inputValue(), "", "the box is empty: the comment was posted");
  });

  it("words typed in the comment box while the last comment was on its way stay there once it is posted", async () => {
    const id = await newTask("Typing on");
    await openTask(id);
    const box = page.getByRole("textbox", { name: /^Comment/ });
    const hold = await holdRequests(page, `**/api/v1/tasks/${id}/comments`, "POST");
    await box.fill("First thought");
    await box.press("Control+Enter");
    await page.getByRole("button", { name: "Post comment" }).and(page.locator(":disabled")).waitFor(WAIT);
    await page.keyboard.type("\nSecond thought");
    await hold.release();
    await page.locator(".comment", { hasText: "First thought" }).waitFor(WAIT);
    // The answer handled: the box no longer holds both.
    await page.waitForFunction(() => document.querySelector<HTMLTextAreaElement>("#comment-body")?.value !== "First thought\nSecond thought");
    assert.equal(await box.inputValue(), "Second thought");
  });

  it("an edit saved as the person went to another page does not open again when they come back", async () => {
    const id = await newTask("Slow edit");
    await openTask(id);
    await page.getByRole("button", { name: "Edit task" }).click();
    const hold = await holdRequests(page, `**/api/v1/tasks/${id}`, "PATCH");
    await page.getByRole("form", { name: "Edit task" }).getByLabel("Title").fill("Slow edit, saved");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link").click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    await hold.release();
    await page.locator(".card", { hasText: "Slow edit, saved" }).getByRole("link").click();
    await page.getByRole("heading", { name: "Slow edit, saved" }).waitFor(WAIT);
    assert.equal(await page.getByRole("form", { name: "Edit task" }).count(), 0, "the form was saved and closed");
    await page.getByRole("button", { name: "Edit task" }).waitFor(WAIT);
  });

  it("words typed in the edit form while its save was on the way keep the form open with them", async () => {
    const id = await newTask("Edited on");
    await openTask(id);
    await page.getByRole("button", { name: "Edit task" }).click();
    const form = page.getByRole("form", { name: "Edit task" });
    const hold = await holdRequests(page, `**/api/v1/tasks/${id}`, "PATCH");
    await form.getByLabel("Title").fill("Edited on, saved");
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.getByLabel("Description (Markdown)").fill("Typed while it saved");
    await hold.release();
    await page.getByRole("heading", { name: "Edited on, saved" }).waitFor(WAIT);
    assert.equal(await form.getByLabel("Description (Markdown)").inputValue(), "Typed while it saved");
    await form.getByRole("button", { name: "Save", exact: true }).click();
    await form.waitFor({ state: "detached", ...WAIT });
    await page.locator(".details .markdown", { hasText: "Typed while it saved" }).waitFor(WAIT);
  });

  it("a task deleted as the person went on to another task leaves them on that one", async () => {
    const [gone, next] = [await newTask("Slow delete"), await newTask("Stay here")];
    await openTask(gone);
    const hold = await holdRequests(page, `**/api/v1/tasks/${gone}`, "DELETE");
    await page.getByRole("button", { name: "Delete task" }).click();
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link").click();
    await page.locator(".card", { hasText: "Stay here" }).getByRole("link").click();
    await page.getByRole("heading", { name: "Stay here" }).waitFor(WAIT);
    await hold.release();
    // Something of the person's own after the answer came: the page they are on takes it.
    await page.getByRole("textbox", { name: /^Comment/ }).fill("Still here");
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.locator(".comment", { hasText: "Still here" }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, `/tasks/${next}`);
  });

  it("the Runs link and back show the filter the address names", async () => {
    const pressed = () => page.getByRole("group", { name: "Show runs" }).locator('[aria-pressed="true"]');
    await page.goto(`${t.baseUrl}/runs?status=failed`);
    await page.getByRole("heading", { name: "Runs", exact: true }).waitFor(WAIT);
    assert.equal(await pressed().textContent(), "Failed");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await page.waitForURL(`${t.baseUrl}/runs`);
    assert.equal(await pressed().textContent(), "Active", "/runs is the active runs");
    await page.goBack();
    await page.waitForURL(`${t.baseUrl}/runs?status=failed`);
    assert.equal(await pressed().textContent(), "Failed", "back at ?status=failed: the failed runs");
  });

  it("another filter on Runs shows its runs once they come, not the last filter's under its name", async () => {
    const agent = (await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Idle" })).body as { id: string };
    const id = await newTask("Waiting for Idle");
    await t.owner(t.creds.ownerToken, "POST", `/tasks/${id}/delegate`, { agentId: agent.id });
    // The live answers wait while `holding`: a slow hub.
    let holding = false;
    const held: (() => void)[] = [];
    await page.routeWebSocket(/\/sync$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => (holding ? held.push(() => ws.send(message)) : ws.send(message)));
    });
    await page.goto(`${t.baseUrl}/runs?agent=${agent.id}`);
    await page.locator(".run-row", { hasText: "Waiting for Idle" }).waitFor(WAIT);
    holding = true;
    await page.getByRole("button", { name: "Failed", exact: true }).click();
    await page.getByText("Loading runs…").waitFor(WAIT);
    assert.equal(await page.locator(".run-row").count(), 0, "the pending run is not listed as failed");
    holding = false;
    for (const send of held.splice(0)) send();
    await page.getByText("No failed runs.").waitFor(WAIT);
    await page.unrouteAll();
    await t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`);
  });

  it("the agent select names the agent the address filters by, also once it is deleted, and All agents shows them all", async () => {
    const agent = (await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Short-lived" })).body as { id: string };
    const id = await newTask("Run of a short-lived agent");
    await t.owner(t.creds.ownerToken, "POST", `/tasks/${id}/delegate`, { agentId: agent.id });
    await page.goto(`${t.baseUrl}/runs?status=all&agent=${agent.id}`);
    const select = page.getByRole("combobox", { name: "Agent" });
    const shown = () => select.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent);
    await page.locator(".run-row", { hasText: "Run of a short-lived agent" }).waitFor(WAIT);
    assert.equal(await shown(), "Short-lived");
    await t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`);
    await select.locator("option", { hasText: "Short-lived" }).waitFor({ state: "attached", ...WAIT });
    await page.getByRole("button", { name: /^Retry/ }).waitFor({ state: "detached", ...WAIT });
    assert.match((await shown()) ?? "", /^Short-lived \(deleted\)$/, "the list is still its runs, and the select says whose");
    await select.selectOption({ label: "All agents" });
    await page.waitForURL(`${t.baseUrl}/runs?status=all`);
  });

  it("a link to the board without a search, and back, show the search the address names", async () => {
    await newTask("Alpha search");
    await newTask("Beta search");
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}?q=Alpha`);
    const beta = page.locator(".card", { hasText: "Beta search" });
    await page.locator(".card", { hasText: "Alpha search" }).waitFor(WAIT);
    await beta.waitFor({ state: "detached", ...WAIT });
    await page.getByRole("link", { name: "GroupChat hub" }).click();
    await page.waitForURL(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await beta.waitFor(WAIT);
    assert.equal(await searchBox().inputValue(), "");
    await page.goBack();
    await beta.waitFor({ state: "detached", ...WAIT });
    assert.equal(await searchBox().inputValue(), "Alpha");
  });

  it("a search on a slow hub says it is searching, and counts matches only once they come", async () => {
    let holding = false;
    const held: (() => void)[] = [];
    await page.routeWebSocket(/\/sync$/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => (holding ? held.push(() => ws.send(message)) : ws.send(message)));
    });
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.locator(".card", { hasText: "Beta search" }).waitFor(WAIT);
    holding = true;
    await searchBox().fill("Alpha");
    await page.waitForURL(/\?q=Alpha$/);
    await page.getByRole("status").filter({ hasText: "Searching…" }).waitFor(WAIT);
    assert.doesNotMatch(await page.locator(".column h2").first().innerText(), /match/, "the board shown is not yet the search's");
    holding = false;
    for (const send of held.splice(0)) send();
    await page.locator(".card", { hasText: "Beta search" }).waitFor({ state: "detached", ...WAIT });
    assert.match(await page.locator(".column h2").first().innerText(), /match/);
    await page.unrouteAll();
  });

  it("another sign-in link opened in the same tab, after one that failed, is the one used", async () => {
    await page.goto(`${t.baseUrl}/login#code=gcl_not-a-code`);
    await page.getByRole("alert").waitFor(WAIT);
    await page.goto(`${t.baseUrl}/login#code=${encodeURIComponent(await loginCode(t))}`);
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  it("a token revoked in another tab goes from the list on Revoke here, with no error", async () => {
    const token = (await t.owner(t.creds.ownerToken, "POST", "/tokens", { name: "Twice revoked" })).body as { id: string };
    const hook = (await t.owner(t.creds.ownerToken, "POST", "/webhooks", { url: "https://example.com/twice-deleted" })).body as { id: string };
    await page.goto(`${t.baseUrl}/tokens`);
    const row = page.locator(`[data-token-id="${token.id}"]`);
    const hookRow = page.locator(`[data-webhook-id="${hook.id}"]`);
    await row.waitFor(WAIT);
    await hookRow.waitFor(WAIT);
    await t.owner(t.creds.ownerToken, "DELETE", `/tokens/${token.id}`);
    await t.owner(t.creds.ownerToken, "DELETE", `/webhooks/${hook.id}`);
    // The webhooks are live: that one goes by itself; the tokens are not.
    await hookRow.waitFor({ state: "detached", ...WAIT });
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.waitFor({ state: "detached", ...WAIT });
    assert.equal(await page.getByRole("alert").count(), 0);
  });

  it("an invite taken back in another tab goes from the open invites on Revoke here, with no error", async () => {
    const invites = `/workspaces/${t.creds.workspaceId}/invites`;
    await t.owner(t.creds.ownerToken, "POST", invites);
    await page.goto(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await page.getByRole("button", { name: "Open invites" }).click();
    const open = page.getByRole("region", { name: "Open invites" });
    await open.getByRole("listitem").first().waitFor(WAIT);
    for (const invite of (await t.owner(t.creds.ownerToken, "GET", invites)).body as { id: string }[]) {
      await t.owner(t.creds.ownerToken, "DELETE", `${invites}/${invite.id}`);
    }
    await open.getByRole("button", { name: "Revoke" }).first().click();
    await open.getByText("No invite links waiting to be used.").waitFor(WAIT);
    assert.equal(await page.getByRole("alert").count(), 0);
  });

  it("a task page whose workspace the person was taken out of in another tab leads back to their boards, not to its own board, gone too", async () => {
    const ann = await t.hub.writer.run("addUser", { name: "Ann" });
    const me = (await t.owner(t.creds.ownerToken, "GET", "/me")).body as { id: string };
    const workspace = (await t.owner(ann.ownerToken, "POST", "/workspaces", { name: "Ann's" })).body as { id: string };
    const project = (await t.owner(ann.ownerToken, "POST", "/projects", { name: "Ann's project" }, { "x-workspace-id": workspace.id })).body as { id: string };
    const task = (await t.owner(ann.ownerToken, "POST", "/tasks", { projectId: project.id, title: "Ann's task" })).body as { id: string };
    await t.owner(ann.ownerToken, "POST", `/workspaces/${workspace.id}/members`, { userId: me.id });
    await openTask(task.id);
    await page.getByRole("link", { name: "← Ann's project" }).waitFor(WAIT);
    await t.owner(ann.ownerToken, "DELETE", `/workspaces/${workspace.id}/members/${me.id}`);
    await page.getByText("This task no longer exists, or you are no longer in its workspace.").waitFor(WAIT);
    await page.getByRole("link", { name: "Back to your boards" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  it("a board whose project was deleted in another tab: the project picker names none of the others, and picking one goes there", async () => {
    const make = async (name: string) => (await t.owner(t.creds.ownerToken, "POST", "/projects", { name }, { "x-workspace-id": t.creds.workspaceId })).body.id as string;
    const [doomed, other] = [await make("Doomed"), await make("Other")];
    await page.goto(`${t.baseUrl}/projects/${doomed}`);
    await page.getByRole("heading", { name: "Doomed" }).waitFor(WAIT);
    await t.owner(t.creds.ownerToken, "DELETE", `/projects/${doomed}`);
    await page.getByText("Not found: this project does not exist or is not yours.").waitFor(WAIT);
    const picker = page.getByRole("combobox", { name: "Project" });
    await picker.locator("option", { hasText: "Doomed" }).waitFor({ state: "detached", ...WAIT });
    assert.equal(await picker.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent), "Choose a project…");
    await picker.selectOption({ label: (await picker.locator("option", { hasText: "General" }).textContent())! });
    await page.waitForURL(`${t.baseUrl}/projects/${t.creds.projectId}`);
    await t.owner(t.creds.ownerToken, "DELETE", `/projects/${other}`);
  });
});
