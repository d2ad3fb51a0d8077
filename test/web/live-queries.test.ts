/**
 * The owner:* live queries over the stock Convex client, authorized by the
 * session cookie sent with the WebSocket upgrade (as a browser does), never by
 * args: no cookie or a cross-site page means UNAUTHORIZED, and a sign-out ends
 * the live queries at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { watchOwner, Watch, type Update } from "./support/live.ts";
import { browserSocket, CSRF, signIn, withCookie } from "./support/session.ts";

describe("owner live queries", { timeout: 120_000 }, () => {
  let t: TestHub;
  const clients: ConvexClient[] = [];
  before(async () => (t = await startTestHub()));
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  const watch = (name: string, args: Record<string, unknown>, headers: Record<string, string>): Watch => watchOwner(t.baseUrl, clients, name, args, headers);

  const origin = () => ({ origin: t.baseUrl });

  it("without a session the owner queries fail UNAUTHORIZED (and agents' queries are unaffected)", async () => {
    const w = watch("board", { projectId: t.creds.projectId }, origin());
    const { error } = await w.until((u) => u.error !== undefined);
    assert.equal(error!.data?.code, "UNAUTHORIZED");
  });

  it("a cookie sent from another site's page is ignored", async () => {
    const cookie = await signIn(t);
    const w = watch("me", {}, { cookie, origin: "http://evil.example" });
    const { error } = await w.until((u) => u.error !== undefined);
    assert.equal(error!.data?.code, "UNAUTHORIZED");
  });

  it("with the session cookie, the board is live: a task created over REST appears without asking again", async () => {
    const cookie = await signIn(t);
    const w = watch("board", { projectId: t.creds.projectId }, { cookie, ...origin() });
    await w.until((u) => u.value !== undefined);
    await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "Seen live" });
    const seen = await w.until((u) => JSON.stringify(u.value ?? null).includes("Seen live"));
    assert.equal((seen.value as { project: { id: string } }).project.id, t.creds.projectId);
  });

  it("the board shows each column's own first tasks and its count: a long Done never hides an older To do task", async () => {
    const cookie = await signIn(t);
    const project = (await withCookie(t, cookie, "POST", "/projects", { name: "Long board" }, { ...CSRF, "x-workspace-id": t.creds.workspaceId })).body;
    const create = async (title: string) => (await withCookie(t, cookie, "POST", "/tasks", { projectId: project.id, title })).body.id as string;
    // Each move at a later millisecond than the last, so Done's order (by last change) has no ties.
    const move = async (id: string, status: string) => {
      const res = await withCookie(t, cookie, "PATCH", `/tasks/${id}`, { status });
      for (const at = Date.now(); Date.now() === at;) await new Promise((resolve) => setTimeout(resolve, 1));
      return res;
    };
    const oldest = await create("Oldest to do");
    const done: string[] = [];
    for (let i = 0; i < 4; i++) done.push(await create(`Done ${i}`));
    for (const id of done) await move(id, "done");
    await move(done[0]!, "done"); // moved again: the most recent change in Done
    await move(done[0]!, "todo");
    await move(done[0]!, "done");

    type Board = { tasks: { id: string; status: string }[]; counts: Record<string, number> };
    const w = watch("board", { projectId: project.id, limit: 2 }, { cookie, ...origin() });
    const board = (await w.until((u) => u.value !== undefined)).value as Board;
    assert.deepEqual(board.counts, { todo: 1, doing: 0, done: 4 });
    assert.deepEqual(board.tasks.map((x) => [x.id, x.status]), [[oldest, "todo"], [done[0], "done"], [done[3], "done"]]);

    // More of a column on asking, and a task moved live changes the counts.
    const more = watch("board", { projectId: project.id, limit: 10 }, { cookie, ...origin() });
    await more.until((u) => (u.value as Board | undefined)?.tasks.length === 5);
    await move(oldest, "doing");
    const after = (await more.until((u) => (u.value as Board | undefined)?.counts.doing === 1)).value as Board;
    assert.deepEqual(after.counts, { todo: 0, doing: 1, done: 4 });
    const bad = watch("board", { projectId: project.id, limit: 0 }, { cookie, ...origin() });
    assert.ok((await bad.until((u) => u.error !== undefined)).error);
  });

  it("the board with q shows only matching tasks and each column's count of them, live as edits make a task match or stop", async () => {
    const cookie = await signIn(t);
    const project = (await withCookie(t, cookie, "POST", "/projects", { name: "Searched board" }, { ...CSRF, "x-workspace-id": t.creds.workspaceId })).body;
    const create = async (title: string, description = "") =>
      (await withCookie(t, cookie, "POST", "/tasks", { projectId: project.id, title, description })).body.id as string;
    const login = await create("Fix the LOGIN page");
    const flow = await create("New flow", "the login flow, redone");
    const other = await create("Water the plants");
    await withCookie(t, cookie, "PATCH", `/tasks/${flow}`, { status: "done" });

    type Board = { tasks: { id: string; status: string }[]; counts: Record<string, number> };
    const ids = (u: Update) => (u.value as Board | undefined)?.tasks.map((x) => x.id).sort();
    const w = watch("board", { projectId: project.id, q: " Login " }, { cookie, ...origin() });
    const board = (await w.until((u) => u.value !== undefined)).value as Board;
    assert.deepEqual(board.counts, { todo: 1, doing: 0, done: 1 });
    assert.deepEqual(ids({ value: board }), [login, flow].sort());

    // An edit that makes a task match brings it in; one that makes a task stop matching takes it out.
    await withCookie(t, cookie, "PATCH", `/tasks/${other}`, { description: "after the login fix" });
    const grown = await w.until((u) => ids(u)?.length === 3);
    assert.deepEqual((grown.value as Board).counts, { todo: 2, doing: 0, done: 1 });
    await withCookie(t, cookie, "PATCH", `/tasks/${login}`, { title: "Fix the sign-in page" });
    const shrunk = await w.until((u) => ids(u)?.length === 2 && !ids(u)!.includes(login));
    assert.deepEqual((shrunk.value as Board).counts, { todo: 1, doing: 0, done: 1 });

    const none = watch("board", { projectId: project.id, q: "nothing like it" }, { cookie, ...origin() });
    assert.deepEqual((await none.until((u) => u.value !== undefined)).value, { ...(shrunk.value as object), tasks: [], counts: { todo: 0, doing: 0, done: 0 } });
    for (const q of ["  ", "x".repeat(201)]) {
      const bad = watch("board", { projectId: project.id, q }, { cookie, ...origin() });
      assert.equal((await bad.until((u) => u.error !== undefined)).error!.data?.code, "BAD_REQUEST");
    }
  });

  it("owner:task shows the newest activityLimit entries of the feed and its count; the window moves live, a bigger limit shows older ones", async () => {
    const cookie = await signIn(t);
    const task = (await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "Long feed" })).body;
    const comment = (body: string) => withCookie(t, cookie, "POST", `/tasks/${task.id}/comments`, { body });
    // People's comments and a run's entries interleaved: the feed is read from both of its indexes.
    await comment("first");
    const run = (await withCookie(t, cookie, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId })).body;
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {})).status, 200);
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/comment`, { body: `progress ${i}` })).status, 201);
      assert.equal((await comment(`reply ${i}`)).status, 201);
    }
    const whole = (await withCookie(t, cookie, "GET", `/tasks/${task.id}`)).body as { activity: { id: string; body: string }[] };
    const all = whole.activity.map((a) => a.id);
    assert.ok(all.length >= 8, `${all.length} entries`);

    type TaskFeed = { activity: { id: string; body: string }[]; activityCount: number };
    const feed = (u: Update) => u.value as TaskFeed | undefined;
    const w = watch("task", { taskId: task.id, activityLimit: 4 }, { cookie, ...origin() });
    const answer = await w.until(() => true);
    assert.equal(answer.error, undefined);
    const first = feed(answer)!;
    assert.deepEqual(first.activity.map((a) => a.id), all.slice(-4));
    assert.equal(first.activityCount, all.length);

    // A new entry arrives live: the window keeps the newest four.
    const posted = ((await comment("arrives live")).body as { comment: { id: string } }).comment;
    const moved = feed(await w.until((u) => feed(u)?.activityCount === all.length + 1))!;
    assert.deepEqual(moved.activity.map((a) => a.id), [...all.slice(-3), posted.id]);
    assert.equal(moved.activity.at(-1)!.body, "arrives live");

    const more = watch("task", { taskId: task.id, activityLimit: 2000 }, { cookie, ...origin() });
    const everything = feed(await more.until(() => true))!;
    assert.deepEqual(everything.activity.map((a) => a.id), [...all, posted.id]);
    assert.equal(everything.activityCount, all.length + 1);

    for (const activityLimit of [0, 2001, 1.5]) {
      const bad = watch("task", { taskId: task.id, activityLimit }, { cookie, ...origin() });
      assert.equal((await bad.until((u) => u.error !== undefined)).error!.data?.code, "BAD_REQUEST");
    }
  });

  it("owner:task shows a comment's edit (its words and editedAt) and its deletion (gone, the count one less) as they happen", async () => {
    const cookie = await signIn(t);
    const task = (await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "Edited live" })).body;
    const post = async (body: string) => ((await withCookie(t, cookie, "POST", `/tasks/${task.id}/comments`, { body })).body as { comment: { id: string } }).comment.id;
    const [edited, deleted] = [await post("Typo hree"), await post("Never mind")];
    type TaskFeed = { activity: { id: string; body: string; editedAt: number | null }[]; activityCount: number };
    const feed = (u: Update) => u.value as TaskFeed | undefined;
    const w = watch("task", { taskId: task.id }, { cookie, ...origin() });
    const first = feed(await w.until((u) => u.value !== undefined))!;
    assert.deepEqual(first.activity.map((a) => [a.body, a.editedAt]), [["Typo hree", null], ["Never mind", null]]);

    assert.equal((await withCookie(t, cookie, "PATCH", `/tasks/${task.id}/comments/${edited}`, { body: "Typo here" })).status, 200);
    const fixed = feed(await w.until((u) => feed(u)?.activity[0]?.body === "Typo here"))!;
    assert.equal(typeof fixed.activity[0]!.editedAt, "number");
    assert.equal(fixed.activityCount, 2);

    assert.equal((await withCookie(t, cookie, "DELETE", `/tasks/${task.id}/comments/${deleted}`)).status, 204);
    const gone = feed(await w.until((u) => feed(u)?.activityCount === 1))!;
    assert.deepEqual(gone.activity.map((a) => a.id), [edited]);
  });

  it("owner:me shows a workspace as soon as its owner creates it, and to a member as soon as they are added", async () => {
    const cookie = await signIn(t);
    const w = watch("me", {}, { cookie, ...origin() });
    await w.until((u) => u.value !== undefined);
    const created = await withCookie(t, cookie, "POST", "/workspaces", { name: "Made live" });
    assert.equal(created.status, 201);
    const names = (u: Update) => ((u.value as { workspaces?: { name: string }[] } | undefined)?.workspaces ?? []).map((x) => x.name);
    await w.until((u) => names(u).includes("Made live"));

    const other = await t.hub.writer.run("addUser", { name: "Member Later" });
    const theirs = watch("me", {}, { cookie: await signIn(t, other.userId), ...origin() });
    await theirs.until((u) => u.value !== undefined && !names(u).includes("Made live"));
    const added = await withCookie(t, cookie, "POST", `/workspaces/${created.body.id}/members`, { userId: other.userId });
    assert.equal(added.status, 201);
    await theirs.until((u) => names(u).includes("Made live"));
  });

  it("owner:notifications shows a task's new title as soon as it is renamed", async () => {
    const cookie = await signIn(t);
    const task = (await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "Named at first" })).body;
    const run = (await withCookie(t, cookie, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId })).body;
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {})).status, 200);
    const w = watch("notifications", {}, { cookie, ...origin() });
    await w.until((u) => JSON.stringify(u.value ?? null).includes("Named at first"));
    assert.equal((await withCookie(t, cookie, "PATCH", `/tasks/${task.id}`, { title: "Named again" })).status, 200);
    await w.until((u) => JSON.stringify(u.value ?? null).includes("Named again"));
  });

  it("another workspace's project is NOT_FOUND", async () => {
    const cookie = await signIn(t);
    const w = watch("board", { projectId: "prj_elsewhere" }, { cookie, ...origin() });
    const { error } = await w.until((u) => u.error !== undefined);
    assert.equal(error!.data?.code, "NOT_FOUND");
  });

  it("a task in a workspace you are not in is NOT_FOUND, and arrives once you are added to it (the failure waits on your user and the task)", async () => {
    const gil = await t.hub.writer.run("addUser", { name: "Gil" });
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Shared later" })).body;
    const project = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Later" }, { "x-workspace-id": ws.id })).body;
    const task = (await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: project.id, title: "Seen once shared" })).body;
    const w = watch("task", { taskId: task.id }, { cookie: await signIn(t, gil.userId), ...origin() });
    const { error } = await w.until((u) => u.error !== undefined);
    assert.equal(error!.data?.code, "NOT_FOUND");
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: gil.userId })).status, 201);
    const { value } = await w.until((u) => u.value !== undefined);
    assert.equal((value as { title: string }).title, "Seen once shared");
  });

  it("an id holding a NUL character fails as the client's mistake, not as an internal error (PostgreSQL refuses such text)", async () => {
    const cookie = await signIn(t);
    const w = watch("task", { taskId: "tsk_\u0000" }, { cookie, ...origin() });
    const { error } = await w.until((u) => u.error !== undefined);
    assert.equal(error!.data?.code, t.kind === "postgres" ? "BAD_REQUEST" : "NOT_FOUND");
  });

  it("owner:runs shows a run as soon as it is made, moves it from the active ones to the failed ones as it errors, and counts them live", async () => {
    const kim = await t.hub.writer.run("addUser", { name: "Kim" });
    const cookie = await signIn(t, kim.userId);
    const ws = (await withCookie(t, cookie, "POST", "/workspaces", { name: "Kim's" })).body.id as string;
    const prj = (await withCookie(t, cookie, "POST", "/projects", { name: "Work" }, { ...CSRF, "x-workspace-id": ws })).body.id as string;
    const bot = (await withCookie(t, cookie, "POST", "/agents", { name: "Kim Bot" })).body as { id: string; token: string };
    type RunsValue = { runs: { id: string; status: string; taskTitle: string }[]; counts: Record<string, number>; agents: { id: string; name: string }[] };
    const runsOf = (u: Update) => (u.value as RunsValue | undefined)?.runs ?? [];
    const active = watch("runs", { status: ["PENDING", "RUNNING"] }, { cookie, ...origin() });
    const failed = watch("runs", { status: ["ERROR"], agentId: bot.id }, { cookie, ...origin() });
    const first = await active.until((u) => u.value !== undefined);
    assert.deepEqual((first.value as RunsValue).agents, [{ id: bot.id, name: "Kim Bot" }]);
    assert.deepEqual(runsOf(first), []);
    await failed.until((u) => u.value !== undefined);

    const task = (await withCookie(t, cookie, "POST", "/tasks", { projectId: prj, title: "Watched run" })).body;
    const run = (await withCookie(t, cookie, "POST", `/tasks/${task.id}/delegate`, { agentId: bot.id })).body;
    await active.until((u) => runsOf(u).some((r) => r.id === run.id && r.status === "PENDING" && r.taskTitle === "Watched run"));
    assert.equal((await t.agent(bot.token, "POST", `/runs/${run.id}/start`, {})).status, 200);
    const running = await active.until((u) => runsOf(u).some((r) => r.id === run.id && r.status === "RUNNING"));
    assert.equal((running.value as RunsValue).counts.RUNNING, 1);
    assert.equal((await t.agent(bot.token, "POST", `/runs/${run.id}/error`, { body: "Broke" })).status, 200);
    // The first value had no run either: this is the one after the error.
    const gone = await active.until((u) => (u.value as RunsValue | undefined)?.counts.ERROR === 1);
    assert.deepEqual(runsOf(gone), []);
    assert.deepEqual((gone.value as RunsValue).counts, { PENDING: 0, RUNNING: 0, ERROR: 1 });
    await failed.until((u) => runsOf(u).some((r) => r.id === run.id && r.status === "ERROR"));
    // Someone else's run never shows.
    const theirs = await withCookie(t, await signIn(t), "POST", "/tasks", { projectId: t.creds.projectId, title: "Not Kim's" });
    await t.owner(t.creds.ownerToken, "POST", `/tasks/${theirs.body.id}/delegate`, { agentId: t.creds.agentId });
    assert.ok(active.updates.every((u) => !JSON.stringify(u.value ?? null).includes("Not Kim's")));
  });

  it("a retry shows live, with retryOf, on the task's runs and the Runs page, and in its agent's pendingRuns with the same prompt", async () => {
    const cookie = await signIn(t);
    const task = (await withCookie(t, cookie, "POST", "/tasks", { projectId: t.creds.projectId, title: "Retried live" })).body;
    const run = (await withCookie(t, cookie, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId, prompt: "Do it again" })).body;
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {})).status, 200);
    assert.equal((await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/error`, { body: "Model outage" })).status, 200);
    type Run = { id: string; status: string; prompt: string; retryOf?: string | null };
    const onTask = watch("task", { taskId: task.id }, { cookie, ...origin() });
    const onRuns = watch("runs", { status: ["PENDING"] }, { cookie, ...origin() });
    const client = new ConvexClient(t.baseUrl, { logger: false });
    clients.push(client);
    const pending = new Watch();
    client.onUpdate(anyApi.agentWebSocket!.pendingRuns!, { token: t.creds.agentToken }, (value) => pending.push({ value }), (error) => pending.push({ error }));
    const tasksRuns = (u: Update) => ((u.value as { runs?: Run[] } | undefined)?.runs ?? []);
    await onTask.until((u) => tasksRuns(u).some((r) => r.id === run.id && r.status === "ERROR"));
    await onRuns.until((u) => u.value !== undefined);
    await pending.until((u) => u.value !== undefined);

    const retried = (await withCookie(t, cookie, "POST", `/runs/${run.id}/retry`)).body as Run;
    assert.equal(retried.retryOf, run.id);
    const seen = await onTask.until((u) => tasksRuns(u).some((r) => r.id === retried.id));
    assert.deepEqual(tasksRuns(seen).map((r) => [r.id, r.status, r.retryOf]), [[run.id, "ERROR", null], [retried.id, "PENDING", run.id]]);
    const listed = await onRuns.until((u) => tasksRuns(u).some((r) => r.id === retried.id));
    assert.equal(tasksRuns(listed).find((r) => r.id === retried.id)!.retryOf, run.id);
    const picked = await pending.until((u) => ((u.value as Run[] | undefined) ?? []).some((r) => r.id === retried.id));
    const theirs = (picked.value as Run[]).find((r) => r.id === retried.id)!;
    assert.equal(theirs.prompt, "Do it again");
    assert.equal("retryOf" in theirs, false);
  });

  it("owner:runs drops, live, the runs in a workspace you leave", async () => {
    const lee = await t.hub.writer.run("addUser", { name: "Lee" });
    const cookie = await signIn(t, lee.userId);
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Left later" })).body.id as string;
    const prj = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "P" }, { "x-workspace-id": ws })).body.id as string;
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws}/members`, { userId: lee.userId })).status, 201);
    const bot = (await withCookie(t, cookie, "POST", "/agents", { name: "Lee Bot" })).body as { id: string };
    const task = (await withCookie(t, cookie, "POST", "/tasks", { projectId: prj, title: "Lee's secret" })).body;
    const run = (await withCookie(t, cookie, "POST", `/tasks/${task.id}/delegate`, { agentId: bot.id })).body;
    const w = watch("runs", {}, { cookie, ...origin() });
    await w.until((u) => JSON.stringify(u.value ?? null).includes(run.id));
    assert.equal((await withCookie(t, cookie, "DELETE", `/workspaces/${ws}/members/${lee.userId}`)).status, 204);
    const seenAt = w.updates.findIndex((u) => JSON.stringify(u.value ?? null).includes(run.id));
    const after = await w.until((u) => w.updates.indexOf(u) > seenAt && u.value !== undefined && !JSON.stringify(u.value).includes(run.id));
    assert.ok(!JSON.stringify(after.value).includes("secret"));
  });

  it("owner:runs refuses a status that is not one and a limit out of range (BAD_REQUEST)", async () => {
    const cookie = await signIn(t);
    for (const args of [{ status: ["FAILED"] }, { status: [] }, { limit: 0 }, { limit: 501 }, { agentId: "" }]) {
      const bad = watch("runs", args, { cookie, ...origin() });
      assert.equal((await bad.until((u) => u.error !== undefined)).error!.data?.code, "BAD_REQUEST", JSON.stringify(args));
    }
  });

  it("signing out ends the session's live queries at once", async () => {
    const cookie = await signIn(t);
    const w = watch("notifications", {}, { cookie, ...origin() });
    await w.until((u) => u.value !== undefined);
    assert.equal((await withCookie(t, cookie, "DELETE", "/session")).status, 204);
    const { error } = await w.until((u) => u.error !== undefined);
    assert.equal(error!.data?.code, "UNAUTHORIZED");
  });
});

describe("owner live queries behind a proxy that passes its own Host on (--public-url)", { timeout: 120_000 }, () => {
  let t: TestHub;
  const clients: ConvexClient[] = [];
  before(async () => (t = await startTestHub({ publicUrl: "https://chat.example.com" })));
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  async function me(headers: Record<string, string>): Promise<Update> {
    const client = new ConvexClient(t.baseUrl, { webSocketConstructor: browserSocket(headers), logger: false });
    clients.push(client);
    const w = new Watch();
    client.onUpdate(anyApi.owner!.me!, {}, (value) => w.push({ value }), (error) => w.push({ error }));
    return w.until(() => true);
  }

  it("a page from the public URL's origin is signed in, though the Host the hub sees is the proxy's upstream", async () => {
    const cookie = await signIn(t);
    const update = await me({ cookie, origin: "https://chat.example.com", host: "127.0.0.1:9" });
    assert.equal(update.error, undefined, update.error?.message);
    assert.ok(update.value);
  });

  it("another origin still is not, nor the public URL's host on another scheme", async () => {
    const cookie = await signIn(t);
    for (const origin of ["https://evil.example", "http://chat.example.com"]) {
      const update = await me({ cookie, origin, host: "127.0.0.1:9" });
      assert.equal(update.error?.data?.code, "UNAUTHORIZED", origin);
    }
  });
});
