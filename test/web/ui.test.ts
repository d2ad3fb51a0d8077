/**
 * The owner's web UI in a real headless Chromium against a real hub, with a real
 * agent on our SDK: everything the page shows after sign-in arrives live (the
 * owner:* queries over the sync protocol), and the page never reloads.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { ExecutorContext } from "../../src/sdk/index.ts";
import { png } from "../bridge/support/image-server.ts";
import { request, startTestHub, type TestHub } from "../support/hub.ts";
import { startSdkAgent } from "./support/agent.ts";
import { launchBrowser, type TestBrowser } from "./support/browser.ts";
import { ensureWebBuilt } from "./support/build.ts";

const ARTIFACTS = "test-artifacts/web";
const WAIT = { timeout: 20_000 };

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

describe("the web UI, live, in a real browser", { timeout: 300_000 }, () => {
  let t: TestHub;
  let b: TestBrowser;
  let page: Page;
  let agent: ReturnType<typeof startSdkAgent>;
  let loads = 0;
  let chatty: { token: string; runId: string; taskId: string };
  const dialogs: string[] = [];
  let declining = false;
  const halfway = deferred();
  const stopStarted = deferred();
  const stopSeen = deferred();

  before(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestHub();
    // The agent: posts progress, waits for the test (so RUNNING can be seen), and bills each turn $0.25.
    agent = startSdkAgent(t, t.creds.agentToken, async (run, ctx: ExecutorContext) => {
      if (run.taskTitle.startsWith("Stop me")) {
        stopStarted.resolve();
        await aborted(ctx.signal);
        stopSeen.resolve();
        return { summary: "never posted" };
      }
      if (run.lastFollowUpMessage) return { summary: `Follow-up done: **${run.lastFollowUpMessage}**`, stepCostUsd: 0.25 };
      ctx.progress("Reading the task");
      await halfway.promise;
      ctx.progress("Halfway there");
      return { summary: "Release notes drafted. See `NOTES.md`.", stepCostUsd: 0.25 };
    });
    b = await launchBrowser();
    page = await b.context.newPage();
    page.on("load", () => loads++);
    // Every confirm() the page asks is answered yes (no while a test is `declining`), and kept to check its words.
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void (declining ? dialog.dismiss() : dialog.accept());
    });
  });

  after(async () => {
    await agent?.worker.stop({ graceMs: 0 });
    await b?.close();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
  const runStatus = (status: string) => page.locator(`.timeline .run[data-status="${status}"]`);

  it("signs in with the one-time link and shows the board", async () => {
    await page.goto(await t.hub.loginLink());
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, `/projects/${t.creds.projectId}`);
    assert.equal(new URL(page.url()).hash, "", "the code is gone from the address bar");
    const cookies = await b.context.cookies();
    const session = cookies.find((c) => c.name === "gc_session");
    assert.ok(session?.httpOnly && session.sameSite === "Strict");
    // From here on, a reload would lose this marker.
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same page"));
  });

  it("creates a task, delegates it, and watches the agent take it to FINISHED live", async () => {
    await page.getByLabel("Title").fill("Write the release notes");
    await page.getByLabel("Description").fill("Cover the **web UI** and the bridge.");
    await page.getByRole("button", { name: "Add task" }).click();
    const card = page.locator('[data-column="todo"] .card', { hasText: "Write the release notes" });
    await card.waitFor(WAIT);
    await shot("board");
    await card.getByRole("link").click();
    await page.getByRole("heading", { name: "Write the release notes" }).waitFor(WAIT);
    await page.locator(".markdown strong", { hasText: "web UI" }).waitFor(WAIT);

    await page.getByLabel("Prompt (optional)").fill("Keep it short");
    await page.getByRole("button", { name: "Delegate" }).click();
    // The agent picks it up at once and posts its first progress comment.
    await runStatus("RUNNING").waitFor(WAIT);
    await page.locator('.comment[data-author-kind="agent"]', { hasText: "Reading the task" }).waitFor(WAIT);
    await shot("task-running");
    halfway.resolve();
    await page.locator('.comment[data-author-kind="agent"]', { hasText: "Halfway there" }).waitFor(WAIT);
    await runStatus("FINISHED").waitFor(WAIT);
    await page.locator(".comment.by-agent code", { hasText: "NOTES.md" }).waitFor(WAIT);
    await page.getByTestId("task-total").getByText("$0.25").waitFor(WAIT);
    const agentBadges = await page.locator(".comment.by-agent .badge.agent").count();
    assert.ok(agentBadges >= 3, `agent comments are marked as the agent's (${agentBadges})`);
    // The task moved to "doing" when the run started: shown inline in the feed.
    await page.locator(".status-change", { hasText: "doing" }).first().waitFor(WAIT);
    // Each status change says why when there is a why: here, whom the run went to.
    await page.locator(".status-change", { hasText: "root opened a run → PENDING — Delegated to OpenClaw Bot" }).waitFor(WAIT);
    await shot("task-finished");
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: string }).marker), "same page");
    assert.equal(loads, 1, "no reload: the page loaded once, at sign-in");
  });

  it("sends a follow-up on the ended run; the new turn runs and the total adds up", async () => {
    await page.getByRole("button", { name: "Follow up" }).click();
    await page.getByLabel("Follow-up message").fill("Add a line about the agents page");
    await page.getByRole("button", { name: "Send follow-up" }).click();
    await page.locator(".timeline .run").nth(1).and(runStatus("FINISHED")).waitFor(WAIT);
    await page.locator(".comment.by-agent strong", { hasText: "Add a line about the agents page" }).waitFor(WAIT);
    await page.getByTestId("task-total").getByText("$0.50").waitFor(WAIT);
    assert.equal(loads, 1);
  });

  it("an @mention in a comment delegates to the agent, and the comment renders as Markdown", async () => {
    await page.getByRole("button", { name: "@OpenClaw Bot" }).click();
    await page.getByRole("textbox", { name: /^Comment/ }).pressSequentially("please _also_ check the changelog");
    await page.getByRole("button", { name: "Post comment" }).click();
    await page.locator('.comment[data-author-kind="user"] em', { hasText: "also" }).waitFor(WAIT);
    await page.locator(".timeline .run").nth(2).and(runStatus("FINISHED")).waitFor(WAIT);
    await page.getByTestId("task-total").getByText("$0.75").waitFor(WAIT);
    assert.equal(loads, 1);
  });

  it("stops a running run from the page", async () => {
    await page.getByRole("link", { name: "GroupChat hub" }).click();
    await page.getByLabel("Title").fill("Stop me: a long job");
    await page.getByRole("button", { name: "Add task" }).click();
    await page.locator(".card", { hasText: "Stop me" }).getByRole("link").click();
    await page.getByRole("button", { name: "Delegate" }).click();
    await stopStarted.promise;
    await runStatus("RUNNING").waitFor(WAIT);
    await page.getByRole("button", { name: "Stop run" }).click();
    await runStatus("STOPPED").waitFor(WAIT);
    await page.getByRole("button", { name: "Stop run" }).waitFor({ state: "detached", ...WAIT });
    await shot("task-stopped");
    assert.equal(loads, 1);
    // The agent hears it through stoppedRuns and gives up (its executor's signal aborts).
    await stopSeen.promise;
  });

  /** A task of the owner's that an agent of theirs (not the one running here) posts `comments` comments on, and its run's start: 1 + comments notifications. */
  async function talkedAbout(title: string, comments: number) {
    const owner = t.creds.ownerToken;
    const helper = (await t.owner(owner, "POST", "/agents", { name: `${title} Bot` })).body;
    const task = (await t.owner(owner, "POST", "/tasks", { projectId: t.creds.projectId, title })).body;
    const run = (await t.owner(owner, "POST", `/tasks/${task.id}/delegate`, { agentId: helper.id })).body;
    await t.agent(helper.token, "POST", `/runs/${run.id}/start`, {});
    for (let i = 1; i <= comments; i++) await t.agent(helper.token, "POST", `/runs/${run.id}/comment`, { body: `${title} ${i}` });
    return { taskId: task.id as string, agentToken: helper.token as string, runId: run.id as string };
  }
  const unreadCount = async () => Number(await page.getByTestId("unread-count").textContent());

  it("counts unread notifications live and marks them read", async () => {
    // Away from the task they are about: opening it would mark them read.
    await page.getByRole("link", { name: "Agents" }).click();
    const pill = page.getByTestId("unread-count");
    // From zero: an earlier test's task page may have left the page before marking its last notification read.
    const earlier = (await t.owner(t.creds.ownerToken, "GET", "/notifications?unread=true")).body as { id: string }[];
    await t.owner(t.creds.ownerToken, "POST", "/notifications/read", { ids: earlier.map((n) => n.id) });
    await pill.getByText("0", { exact: true }).waitFor(WAIT);
    await talkedAbout("Noisy task", 2);
    await pill.getByText("3", { exact: true }).waitFor(WAIT);
    await page.getByRole("link", { name: /Notifications/ }).click();
    await page.locator(".notifications li.unread").first().waitFor(WAIT);
    await shot("notifications");
    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.locator(".notifications li.unread").first().waitFor({ state: "detached", ...WAIT });
    await page.getByTestId("unread-count").getByText("0", { exact: true }).waitFor(WAIT);
    assert.equal(loads, 1);
  });

  it("opening a task marks its notifications read: the bell's count drops by theirs, and stays down as more come while it is open", async () => {
    await page.getByRole("link", { name: "Agents" }).click();
    await page.getByTestId("unread-count").getByText("0", { exact: true }).waitFor(WAIT);
    const opened = await talkedAbout("Opened task", 3);
    await talkedAbout("Other task", 1);
    await page.getByTestId("unread-count").getByText("6", { exact: true }).waitFor(WAIT);
    await page.goto(`${t.baseUrl}/tasks/${opened.taskId}`);
    await page.getByRole("heading", { name: "Opened task" }).waitFor(WAIT);
    await page.getByTestId("unread-count").getByText("2", { exact: true }).waitFor(WAIT);
    await t.agent(opened.agentToken, "POST", `/runs/${opened.runId}/comment`, { body: "While you look" });
    await page.locator(".comment", { hasText: "While you look" }).waitFor(WAIT);
    await page.getByTestId("unread-count").getByText("2", { exact: true }).waitFor(WAIT);
    const unread = (await t.owner(t.creds.ownerToken, "GET", "/notifications?unread=true")).body as { taskTitle: string }[];
    assert.deepEqual(unread.map((n) => n.taskTitle), ["Other task", "Other task"]);
    await page.getByRole("link", { name: /Notifications/ }).click();
    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.getByTestId("unread-count").getByText("0", { exact: true }).waitFor(WAIT);
    assert.equal(await unreadCount(), 0);
  });

  it("creates an agent and shows its token once, with the three env lines; a reload does not show it again", async () => {
    await page.getByRole("link", { name: "Agents" }).click();
    await page.getByLabel("Name").fill("Release Bot");
    await page.getByRole("button", { name: "Create agent" }).click();
    const env = page.getByTestId("env-lines");
    await env.waitFor(WAIT);
    const lines = (await env.textContent())!.split("\n");
    assert.match(lines[0]!, /^GROUPCHAT_AGENT_TOKEN=gca_\S+$/);
    assert.equal(lines[1], `GROUPCHAT_API_URL=${t.baseUrl}/api/v1/agent`);
    assert.equal(lines[2], `GROUPCHAT_CONVEX_URL=${t.baseUrl}`);
    await page.getByRole("button", { name: "Copy" }).waitFor(WAIT);
    await page.locator(".agent", { hasText: "Release Bot" }).waitFor(WAIT);
    await page.locator(".agent", { hasText: "OpenClaw Bot" }).locator(".agent-runs li").first().waitFor(WAIT);
    await shot("agents-token");
    const token = lines[0]!.split("=")[1]!;
    // The token works for the agent API, and the page never shows it again.
    assert.equal((await t.agent(token, "GET", "/me")).body.name, "Release Bot");
    await page.reload();
    await page.locator(".agent", { hasText: "Release Bot" }).waitFor(WAIT);
    assert.equal(await page.getByTestId("token-once").count(), 0);
    assert.ok(!(await page.content()).includes(token));
  });

  it("is readable in dark mode", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.getByRole("link", { name: "GroupChat hub" }).click();
    await page.locator(".card", { hasText: "Write the release notes" }).getByRole("link").click();
    await runStatus("FINISHED").first().waitFor(WAIT);
    const [bg, fg] = await page.evaluate(() => {
      const style = getComputedStyle(document.body);
      return [style.backgroundColor, style.color];
    });
    assert.notEqual(bg, fg);
    assert.equal(bg, "rgb(15, 18, 22)");
    await shot("task-dark");
  });

  it("shows a long column's first 100 cards, its full count, and the rest on asking", async () => {
    const owner = t.creds.ownerToken;
    const project = (await t.owner(owner, "POST", "/projects", { name: "Backlog" }, { "x-workspace-id": t.creds.workspaceId })).body;
    for (let i = 1; i <= 101; i++) await t.owner(owner, "POST", "/tasks", { projectId: project.id, title: `Backlog item ${i}` });
    await page.goto(`${t.baseUrl}/projects/${project.id}`);
    const todo = page.locator('[data-column="todo"]');
    await todo.locator(".card").nth(99).waitFor(WAIT);
    assert.equal(await todo.locator(".card").count(), 100);
    assert.equal(await todo.locator(".count").textContent(), "101");
    // The newest first: the first item is the one below the fold.
    const first = todo.getByRole("link", { name: "Backlog item 1", exact: true });
    assert.equal(await todo.getByRole("link", { name: "Backlog item 2", exact: true }).count(), 1);
    assert.equal(await first.count(), 0);
    await todo.getByRole("button", { name: "Show more (1 not shown)" }).click();
    await first.waitFor(WAIT);
    assert.equal(await todo.locator(".card").count(), 101);
    assert.equal(await todo.getByRole("button", { name: /Show more/ }).count(), 0);
  });

  it("marks all read however many there are, and shows older notifications on asking", async () => {
    const owner = t.creds.ownerToken;
    const helper = (await t.owner(owner, "POST", "/agents", { name: "Chatty Bot" })).body;
    const task = (await t.owner(owner, "POST", "/tasks", { projectId: t.creds.projectId, title: "Chatty task" })).body;
    const run = (await t.owner(owner, "POST", `/tasks/${task.id}/delegate`, { agentId: helper.id })).body;
    chatty = { token: helper.token, runId: run.id, taskId: task.id };
    await t.agent(helper.token, "POST", `/runs/${run.id}/start`, {});
    for (let i = 1; i <= 70; i++) await t.agent(helper.token, "POST", `/runs/${run.id}/comment`, { body: `Progress ${i}` });
    await page.getByRole("link", { name: /Notifications/ }).click();
    const items = page.locator(".notifications li");
    await items.nth(49).waitFor(WAIT);
    assert.equal(await items.count(), 50);
    await page.getByRole("button", { name: "Show older" }).click();
    await items.nth(70).waitFor(WAIT);
    assert.ok(Number(await page.getByTestId("unread-count").textContent()) > 70);
    await page.getByRole("button", { name: "Mark all read" }).click();
    await page.getByTestId("unread-count").getByText("0", { exact: true }).waitFor(WAIT);
    await page.locator(".notifications li.unread").first().waitFor({ state: "detached", ...WAIT });
    assert.deepEqual((await t.owner(owner, "GET", "/notifications?unread=true")).body, []);
  });

  it("shows a long feed's newest 100 entries, and the older ones above them on asking, the entry read staying in place", async () => {
    for (let i = 1; i <= 35; i++) await t.owner(t.creds.ownerToken, "POST", `/tasks/${chatty.taskId}/comments`, { body: `Reply ${i}` });
    const feed = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${chatty.taskId}`)).body.activity as { id: string }[];
    const hidden = feed.length - 100;
    assert.ok(hidden > 0 && hidden < 100, `${feed.length} entries`);
    await page.goto(`${t.baseUrl}/tasks/${chatty.taskId}`);
    const entries = page.locator(".activity > li");
    const read = page.locator(`.activity > li[data-activity-id="${feed[hidden]!.id}"]`);
    await read.waitFor(WAIT);
    assert.equal(await entries.count(), 100);
    assert.equal(await page.locator(`[data-activity-id="${feed[0]!.id}"]`).count(), 0);
    const more = page.getByRole("button", { name: `Show ${hidden} older (${hidden} not shown)` });
    await more.scrollIntoViewIfNeeded();
    const top = (await read.boundingBox())!.y;
    await more.click();
    await page.locator(`[data-activity-id="${feed[0]!.id}"]`).waitFor({ state: "attached", ...WAIT });
    assert.equal(await entries.count(), feed.length);
    assert.equal(await page.getByRole("button", { name: /older/ }).count(), 0);
    // The older entries came in above: the one that was first on the list is where it was.
    assert.ok(Math.abs((await read.boundingBox())!.y - top) < 2, "the entry read stayed in place");
    // Asked for, the older entries stay while new ones arrive (past the 200 asked for): the window grows, not slides.
    for (let i = 36; i <= 135; i++) await t.owner(t.creds.ownerToken, "POST", `/tasks/${chatty.taskId}/comments`, { body: `Reply ${i}` });
    await page.getByText("Reply 135", { exact: true }).waitFor(WAIT);
    assert.equal(await page.locator(`[data-activity-id="${feed[0]!.id}"]`).count(), 1, "the oldest entry is still shown");
    assert.equal(await entries.count(), feed.length + 100);
  });

  it("deletes a task after a confirm, not while its run is going, and goes back to the board", async () => {
    await page.goto(`${t.baseUrl}/tasks/${chatty.taskId}`);
    await page.getByRole("heading", { name: "Chatty task" }).waitFor(WAIT);
    dialogs.length = 0;
    await page.getByRole("button", { name: "Delete task" }).click();
    await page.getByRole("alert").getByText("Chatty Bot has a run going on this task; stop it first").waitFor(WAIT);
    assert.deepEqual(dialogs, ["Delete “Chatty task” with its activity and runs? This cannot be undone."]);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/tasks/${chatty.taskId}`)).status, 200);

    assert.equal((await t.agent(chatty.token, "POST", `/runs/${chatty.runId}/complete`, { body: "Done talking" })).status, 200);
    await runStatus("FINISHED").waitFor(WAIT);
    await page.getByRole("button", { name: "Delete task" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, `/projects/${t.creds.projectId}`);
    await page.locator(".card", { hasText: "Write the release notes" }).waitFor(WAIT);
    assert.equal(await page.locator(".card", { hasText: "Chatty task" }).count(), 0);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/tasks/${chatty.taskId}`)).status, 404);
  });

  it("makes a project in a new workspace and lands on its empty board", async () => {
    await page.locator("details.new-project > summary").click();
    const form = page.getByRole("form", { name: "New project" });
    await form.locator("select").selectOption({ label: "New workspace…" });
    await form.getByLabel("Workspace name").fill("Side projects");
    await form.getByLabel("Project name").fill("Garden");
    await form.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("heading", { name: "Garden" }).waitFor(WAIT);
    await page.locator('[data-column="todo"]').getByText("Nothing here.").waitFor(WAIT);
    // Done with: the form is closed and empty again.
    assert.equal(await page.getByRole("form", { name: "New project" }).isVisible(), false);
    const projectId = new URL(page.url()).pathname.split("/")[2]!;
    const workspaces = (await t.owner(t.creds.ownerToken, "GET", "/workspaces")).body as { id: string; name: string }[];
    const side = workspaces.find((w) => w.name === "Side projects")!;
    const projects = (await t.owner(t.creds.ownerToken, "GET", "/projects", undefined, { "x-workspace-id": side.id })).body;
    assert.deepEqual(projects.map((p: { id: string; name: string }) => [p.id, p.name]), [[projectId, "Garden"]]);
    // The picker offers it beside the others.
    await page.getByRole("combobox", { name: "Project" }).locator("option", { hasText: "Side projects / Garden" }).waitFor({ state: "attached", ...WAIT });
    await shot("new-project");
  });

  it("invites a person by a one-time link: they name themselves, land on the board signed in, and the link is used up", async () => {
    await page.getByRole("link", { name: "GroupChat hub" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Invite someone" }).click();
    const link = (await page.getByTestId("invite-link").textContent())!;
    assert.match(link, new RegExp(`^${t.baseUrl}/join#code=gci_`));
    await shot("invite");
    await page.getByRole("button", { name: "Done" }).click();

    const guest = await launchBrowser();
    try {
      const theirs = await guest.context.newPage();
      await theirs.goto(link);
      await theirs.getByLabel("Your name").fill("Ivy");
      await theirs.getByRole("button", { name: "Join", exact: true }).click();
      await theirs.getByRole("heading", { name: "General" }).waitFor(WAIT);
      await theirs.locator(".card", { hasText: "Write the release notes" }).waitFor(WAIT);
      await theirs.locator(".who", { hasText: "Ivy" }).waitFor(WAIT);
      assert.equal(new URL(theirs.url()).hash, "", "the code is gone from the address bar");
      // Ivy has no shell on the hub: her way back in after signing out is a link she made while signed in.
      await theirs.getByRole("button", { name: "Sign in on another device" }).click();
      const back = (await theirs.getByTestId("device-link").textContent())!;
      await theirs.getByRole("button", { name: "Sign out" }).click();
      await theirs.getByRole("heading", { name: "GroupChat hub" }).waitFor(WAIT);
      await theirs.goto(back);
      await theirs.locator(".who", { hasText: "Ivy" }).waitFor(WAIT);
      // Used up: opening it again (signed in now, as Ivy) is refused.
      await theirs.goto(link);
      await theirs.getByRole("button", { name: "Join as Ivy" }).click();
      await theirs.getByRole("alert").getByText("Invalid or expired invite").waitFor(WAIT);
    } finally {
      await guest.close();
    }
  });

  it("hands a task to another person of the workspace", async () => {
    await page.locator(".card", { hasText: "Write the release notes" }).getByRole("link").click();
    const owner = page.getByRole("combobox", { name: "Owner" });
    await owner.locator("option", { hasText: "Ivy" }).waitFor({ state: "attached", ...WAIT });
    await owner.selectOption({ label: "Ivy" });
    const ivy = (await t.owner(t.creds.ownerToken, "GET", `/workspaces/${t.creds.workspaceId}/members`)).body.find((m: { name: string }) => m.name === "Ivy");
    await page.waitForFunction(() => (document.querySelector(".owner select") as HTMLSelectElement | null)?.selectedOptions[0]?.text === "Ivy");
    const taskId = new URL(page.url()).pathname.split("/")[2]!;
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/tasks/${taskId}`)).body.owner.id, ivy.id);
    await page.getByRole("link", { name: "GroupChat hub" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
  });

  it("lists the open invites and takes one back; its link then lets no one in", async () => {
    await page.getByRole("button", { name: "Invite someone" }).click();
    const link = (await page.getByTestId("invite-link").textContent())!;
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "Open invites" }).click();
    const open = page.getByRole("region", { name: "Open invites" });
    await open.getByRole("listitem").first().waitFor(WAIT);
    assert.equal(await open.getByRole("listitem").count(), 1, "the used invite is gone, this one is open");
    await open.getByRole("button", { name: "Revoke" }).click();
    await open.getByText("No invite links waiting to be used.").waitFor(WAIT);
    const code = decodeURIComponent(new URL(link).hash.replace(/^#code=/, ""));
    const res = await request(`${t.baseUrl}/api/v1/session/join`, {
      method: "POST", headers: { "content-type": "application/json", "x-groupchat-csrf": "1" }, body: JSON.stringify({ code, name: "Late" }),
    });
    assert.equal(res.status, 401);
    await open.getByRole("button", { name: "Close" }).click();
  });

  it("lists the workspace's members, and its creator removes one after a confirm", async () => {
    await page.getByText("Members (").click();
    const list = page.getByRole("list", { name: /^Members of / });
    const ivy = list.getByRole("listitem").filter({ hasText: "Ivy" });
    await ivy.waitFor(WAIT);
    await list.getByRole("listitem").filter({ hasText: "created the workspace" }).waitFor(WAIT);
    await shot("members");
    dialogs.length = 0;
    await ivy.getByRole("button", { name: "Remove" }).click();
    await ivy.waitFor({ state: "detached", ...WAIT });
    assert.match(dialogs[0] ?? "", /^Remove Ivy from /);
    const members = (await t.owner(t.creds.ownerToken, "GET", `/workspaces/${t.creds.workspaceId}/members`)).body;
    assert.ok(!members.some((m: { name: string }) => m.name === "Ivy"));
  });

  it("tells once of the tasks someone left behind, linking to their workspace, and each task's feed says why its owner changed", async () => {
    const owner = t.creds.ownerToken;
    const loaded = loads;
    const kim = await t.hub.writer.run("addUser", { name: "Kim" });
    await t.owner(owner, "POST", `/workspaces/${t.creds.workspaceId}/members`, { userId: kim.userId });
    for (const title of ["Kim's draft", "Kim's review"]) {
      await t.owner(kim.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title });
    }
    await t.owner(kim.ownerToken, "DELETE", `/workspaces/${t.creds.workspaceId}/members/${kim.userId}`);
    const workspace = (await t.owner(owner, "GET", "/workspaces")).body.find((w: { id: string }) => w.id === t.creds.workspaceId);
    const me = (await t.owner(owner, "GET", "/me")).body;
    await page.getByRole("link", { name: /Notifications/ }).click();
    const told = page.locator(".notifications li", { hasText: "handed tasks in" });
    await told.getByRole("link", { name: workspace.name }).waitFor(WAIT);
    assert.equal(await told.count(), 1);
    assert.match((await told.textContent())!, new RegExp(`^Kim handed tasks in ${workspace.name} over to you · .*Kim left ${workspace.name}: the 2 tasks they owned there are yours now`));
    await told.getByRole("link", { name: workspace.name }).click();
    await page.locator(".card", { hasText: "Kim's draft" }).getByRole("link").click();
    const line = page.locator(".activity .status-change", { hasText: "changed the owner" });
    await line.waitFor(WAIT);
    assert.match((await line.textContent())!, new RegExp(`^Kim changed the owner from Kim → ${me.name} — Kim left the workspace · `));
    assert.equal(loads, loaded, "no reload on the way");
  });

  it("deletes an agent after a confirm: gone from the list, its token refused", async () => {
    const agent = (await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Short Bot" })).body;
    await page.getByRole("link", { name: "Agents" }).click();
    const card = page.locator(".agent", { hasText: "Short Bot" });
    await card.waitFor(WAIT);
    dialogs.length = 0;
    await card.getByRole("button", { name: "Delete" }).click();
    await card.waitFor({ state: "detached", ...WAIT });
    assert.deepEqual(dialogs, ["Delete Short Bot? Its token stops working at once, and its pending and running runs are stopped."]);
    assert.equal((await t.agent(agent.token, "GET", "/me")).status, 401);
  });

  it("warns before revoking the token in credentials.json (hub init's), and keeps it when told no", async () => {
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("heading", { name: "API tokens" }).waitFor(WAIT);
    const fromInit = page.locator(".api-tokens li", { hasText: "Created by hub init" });
    await fromInit.waitFor(WAIT);
    assert.match((await fromInit.textContent())!, /in the data dir's credentials\.json/);
    dialogs.length = 0;
    declining = true;
    try {
      await fromInit.getByRole("button", { name: "Revoke" }).click();
    } finally {
      declining = false;
    }
    assert.deepEqual(dialogs, [
      "Revoke the token Created by hub init? It is the token in the hub's data dir credentials.json, the one `hub init --json` prints: scripts that read that file stop working at once.",
    ]);
    assert.equal(await fromInit.count(), 1);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", "/me")).status, 200);
  });

  it("makes an API token, shows it once with Copy, lists it by name and first characters, and revokes it after a confirm", async () => {
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("heading", { name: "API tokens" }).waitFor(WAIT);
    await page.locator(".api-tokens li", { hasText: "Created by hub init" }).waitFor(WAIT);
    await page.getByLabel("Name").fill("Nightly report");
    await page.getByRole("button", { name: "Create token" }).click();
    const shown = page.getByTestId("api-token");
    await shown.waitFor(WAIT);
    const token = (await shown.textContent())!;
    assert.match(token, /^gcp_[A-Za-z0-9_-]{43}$/);
    await page.getByTestId("api-token-once").getByRole("button", { name: "Copy" }).waitFor(WAIT);
    const row = page.locator(".api-tokens li", { hasText: "Nightly report" });
    await row.waitFor(WAIT);
    assert.ok((await row.textContent())!.includes(`${token.slice(0, 8)}…`));
    assert.ok(!(await row.textContent())!.includes("credentials.json"));
    await shot("api-token");
    assert.equal((await t.owner(token, "GET", "/me")).status, 200);
    // Done hides it, and a reload never shows it again.
    await page.getByTestId("api-token-once").getByRole("button", { name: "Done" }).click();
    await page.reload();
    await row.waitFor(WAIT);
    assert.equal(await page.getByTestId("api-token-once").count(), 0);
    assert.ok(!(await page.content()).includes(token));
    dialogs.length = 0;
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.waitFor({ state: "detached", ...WAIT });
    assert.deepEqual(dialogs, ["Revoke the token Nightly report? Scripts using it stop working at once."]);
    assert.equal((await t.owner(token, "GET", "/me")).status, 401);
  });

  /** Opens the project the picker lists as `label` ("Workspace / Project"), from the first project's board. */
  async function openProject(label: string) {
    await page.getByRole("link", { name: "GroupChat hub" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    const picker = page.getByRole("combobox", { name: "Project" });
    await picker.locator("option", { hasText: label }).waitFor({ state: "attached", ...WAIT });
    await picker.selectOption({ label });
  }

  it("renames a project and its workspace in Settings, live, and deletes a project after a confirm", async () => {
    const side = ((await t.owner(t.creds.ownerToken, "GET", "/workspaces")).body as { id: string; name: string }[]).find((w) => w.name === "Side projects")!;
    const shed = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Shed" }, { "x-workspace-id": side.id })).body;
    await openProject("Side projects / Garden");
    await page.getByRole("heading", { name: "Garden" }).waitFor(WAIT);
    await page.locator("details.settings > summary").click();
    const settings = page.getByRole("region", { name: "Settings" });
    const project = settings.getByRole("form", { name: "Project settings" });
    await project.getByLabel("Project name").fill("Garden beds");
    await project.getByLabel("Description").fill("Raised beds by the fence");
    await project.getByRole("button", { name: "Save project" }).click();
    await settings.getByRole("status").getByText("Project saved.").waitFor(WAIT);
    await page.getByRole("heading", { name: "Garden beds" }).waitFor(WAIT);
    await page.locator(".project-description", { hasText: "Raised beds by the fence" }).waitFor(WAIT);
    const workspace = settings.getByRole("form", { name: "Workspace settings" });
    await workspace.getByLabel("Workspace name").fill("Weekend");
    await workspace.getByRole("button", { name: "Save workspace" }).click();
    await page.getByRole("combobox", { name: "Project" }).locator("option", { hasText: "Weekend / Garden beds" }).waitFor({ state: "attached", ...WAIT });
    await shot("settings");

    dialogs.length = 0;
    const gardenId = new URL(page.url()).pathname.split("/")[2]!;
    await settings.getByRole("button", { name: "Delete project" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    assert.deepEqual(dialogs, ["Delete the project Garden beds with all its tasks, their runs and feeds? This cannot be undone."]);
    assert.equal((await t.owner(t.creds.ownerToken, "PATCH", `/projects/${gardenId}`, { name: "Back?" })).status, 404);
    const left = (await t.owner(t.creds.ownerToken, "GET", "/projects", undefined, { "x-workspace-id": side.id })).body;
    assert.deepEqual(left.map((p: { id: string }) => p.id), [shed.id]);
  });

  it("Settings follow a rename made elsewhere while untouched; being edited, they say what it was changed to, with Use theirs", async () => {
    const owner = t.creds.ownerToken;
    const ws = (await t.owner(owner, "POST", "/workspaces", { name: "Followed" })).body;
    const prj = (await t.owner(owner, "POST", "/projects", { name: "Plans", description: "First" }, { "x-workspace-id": ws.id })).body;
    await openProject("Followed / Plans");
    await page.locator("details.settings > summary").click();
    const settings = page.getByRole("region", { name: "Settings" });
    const name = settings.getByLabel("Project name");
    const workspaceName = settings.getByLabel("Workspace name");
    assert.equal(await name.inputValue(), "Plans");

    // Untouched: the fields follow, live.
    assert.equal((await t.owner(owner, "PATCH", `/projects/${prj.id}`, { name: "Plans 2", description: "Second" })).status, 200);
    assert.equal((await t.owner(owner, "PATCH", `/workspaces/${ws.id}`, { name: "Followed 2" })).status, 200);
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input[maxlength="200"]')?.value === "Plans 2", undefined, WAIT);
    assert.equal(await settings.getByLabel("Description").inputValue(), "Second");
    assert.equal(await workspaceName.inputValue(), "Followed 2");
    assert.equal(await settings.getByRole("button", { name: "Use theirs" }).count(), 0);

    // Being edited: the person's words stay, and the page says what it is elsewhere now.
    await name.fill("My plans");
    assert.equal((await t.owner(owner, "PATCH", `/projects/${prj.id}`, { name: "Their plans" })).status, 200);
    const theirs = settings.getByRole("status").filter({ hasText: "Changed elsewhere to “Their plans”" });
    await theirs.waitFor(WAIT);
    assert.equal(await name.inputValue(), "My plans");
    // Only the field being edited says so: the description, untouched, has nothing to choose between.
    assert.equal(await settings.getByRole("status").filter({ hasText: "Changed elsewhere" }).count(), 1);
    await theirs.getByRole("button", { name: "Use theirs" }).click();
    assert.equal(await name.inputValue(), "Their plans");
    await theirs.waitFor({ state: "detached", ...WAIT });
    // And following again from there.
    assert.equal((await t.owner(owner, "PATCH", `/projects/${prj.id}`, { name: "Plans 3" })).status, 200);
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input[maxlength="200"]')?.value === "Plans 3", undefined, WAIT);

    // Saved here: no word of a change elsewhere, the field and the project agree.
    await name.fill("Mine, saved");
    await settings.getByRole("button", { name: "Save project" }).click();
    await page.getByRole("heading", { name: "Mine, saved" }).waitFor(WAIT);
    assert.equal(await settings.getByRole("button", { name: "Use theirs" }).count(), 0);
    await page.locator("details.settings > summary").click();
  });

  it("hands a workspace to another member, after which its settings are theirs", async () => {
    const weekend = ((await t.owner(t.creds.ownerToken, "GET", "/workspaces")).body as { id: string; name: string }[]).find((w) => w.name === "Weekend")!;
    const uma = await t.hub.writer.run("addUser", { name: "Uma" });
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/workspaces/${weekend.id}/members`, { userId: uma.userId })).status, 201);
    await openProject("Weekend / Shed");
    await page.locator("details.settings > summary").click();
    const handover = page.getByRole("form", { name: "Hand over the workspace" });
    await handover.locator("option", { hasText: "Uma" }).waitFor({ state: "attached", ...WAIT });
    await handover.locator("select").selectOption({ label: "Uma" });
    dialogs.length = 0;
    await handover.getByRole("button", { name: "Hand over" }).click();
    await page.getByRole("status").getByText("Uma now manages Weekend.").waitFor(WAIT);
    assert.deepEqual(dialogs, ["Hand Weekend to Uma? They will manage it, and you will not."]);
    // Live: what only the workspace's creator may do is gone from the panel; renaming the project stays.
    await page.getByRole("button", { name: "Delete workspace" }).waitFor({ state: "detached", ...WAIT });
    assert.equal(await page.getByRole("form", { name: "Project settings" }).isVisible(), true);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", "/workspaces")).body.find((w: { id: string }) => w.id === weekend.id).createdBy, uma.userId);
  });

  it("deletes a whole workspace after a confirm, and lands on a board that is left", async () => {
    const scratch = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Scratch" })).body;
    await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Tmp" }, { "x-workspace-id": scratch.id });
    await openProject("Scratch / Tmp");
    await page.locator("details.settings > summary").click();
    dialogs.length = 0;
    await page.getByRole("button", { name: "Delete workspace" }).click();
    await page.getByRole("heading", { name: "General" }).waitFor(WAIT);
    assert.deepEqual(dialogs, ["Delete the workspace Scratch with all its projects, tasks and members? This cannot be undone."]);
    await page.getByRole("combobox", { name: "Project" }).locator("option", { hasText: "Scratch / Tmp" }).waitFor({ state: "detached", ...WAIT });
    assert.ok(!(await t.owner(t.creds.ownerToken, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === scratch.id));
  });

  it("finds tasks with the search box: the board filters live as you type, the query stays in the address, Escape clears it", async () => {
    const owner = t.creds.ownerToken;
    const project = (await t.owner(owner, "POST", "/projects", { name: "Findable" }, { "x-workspace-id": t.creds.workspaceId })).body;
    const create = async (title: string, description = "") => (await t.owner(owner, "POST", "/tasks", { projectId: project.id, title, description })).body.id as string;
    await create("Fix the login page");
    const flow = await create("New sign-up flow", "Link it from the LOGIN screen");
    const plants = await create("Water the plants");
    await t.owner(owner, "PATCH", `/tasks/${flow}`, { status: "done" });
    await page.goto(`${t.baseUrl}/projects/${project.id}`);
    const cards = page.locator(".board .card");
    await cards.nth(2).waitFor(WAIT);

    const box = page.getByRole("search").getByRole("searchbox", { name: "Search tasks" });
    await box.pressSequentially("Login", { delay: 30 });
    await page.waitForFunction(() => document.querySelectorAll(".board .card").length === 2, undefined, WAIT);
    assert.equal(await page.locator('[data-column="todo"] .count').textContent(), "1 match");
    assert.equal(await page.locator('[data-column="done"] .count').textContent(), "1 match");
    assert.equal(await page.locator('[data-column="doing"] .count').textContent(), "0 matches");
    await page.waitForURL((url) => url.searchParams.get("q") === "Login", WAIT);
    await shot("board-search");

    // Live: a task that comes to match shows up with no key pressed.
    await t.owner(owner, "PATCH", `/tasks/${plants}`, { description: "after the login fix" });
    await page.locator('[data-column="todo"] .card', { hasText: "Water the plants" }).waitFor(WAIT);
    assert.equal(await page.locator('[data-column="todo"] .count').textContent(), "2 matches");

    // A reload (or a shared link) keeps the search.
    await page.reload();
    await page.locator('[data-column="todo"] .count', { hasText: "2 matches" }).waitFor(WAIT);
    assert.equal(await page.getByRole("searchbox", { name: "Search tasks" }).inputValue(), "Login");

    await page.getByRole("searchbox", { name: "Search tasks" }).press("Escape");
    await page.locator('[data-column="todo"] .count', { hasText: /^2$/ }).waitFor(WAIT);
    await page.waitForURL((url) => !url.searchParams.has("q"), WAIT);
    await page.getByRole("searchbox", { name: "Search tasks" }).fill("nothing like it");
    await page.locator('[data-column="todo"]').getByText("No matches.").waitFor(WAIT);
    await page.getByRole("button", { name: "Clear search" }).click();
    await cards.nth(2).waitFor(WAIT);
    assert.equal(await page.getByRole("searchbox", { name: "Search tasks" }).inputValue(), "");
  });

  it("uploads a screenshot picked with Upload image, pasted or dropped: the hub keeps it and the task shows it", async () => {
    const task = (await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Look at this" })).body;
    await page.goto(`${t.baseUrl}/tasks/${task.id}`);
    await page.getByRole("heading", { name: "Look at this" }).waitFor(WAIT);
    const shown = page.locator(`.images img[src^="${t.baseUrl}/files/"]`);

    await page.getByLabel("Image file").setInputFiles({ name: "picked.png", mimeType: "image/png", buffer: png() });
    await shown.first().waitFor(WAIT);
    // Loaded from the hub, not only listed: the 2×2 PNG's own size.
    await page.waitForFunction(() => (document.querySelector(".images img") as HTMLImageElement | null)?.naturalWidth === 2, undefined, WAIT);
    assert.equal(await shown.first().getAttribute("alt"), "picked.png");

    // Ctrl/Cmd+V of an image, and a file dropped on the details.
    const bytes = [...png()];
    await page.evaluate((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], "pasted.png", { type: "image/png" }));
      window.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true }));
    }, bytes);
    await page.locator(".images img[alt='pasted.png']").waitFor(WAIT);
    await page.evaluate((data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], "dropped.png", { type: "image/png" }));
      document.querySelector(".image-drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, bytes);
    await page.locator(".images img[alt='dropped.png']").waitFor(WAIT);
    await shot("task-uploaded-images");

    const images = (await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`)).body.images as { url: string; name: string }[];
    assert.deepEqual(images.map((i) => i.name), ["picked.png", "pasted.png", "dropped.png"]);
    for (const image of images) assert.deepEqual(Buffer.from(await (await fetch(image.url)).arrayBuffer()), png());
  });
});
