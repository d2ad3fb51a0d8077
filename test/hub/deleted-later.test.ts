/**
 * Deleting a project or a workspace is one short write: it is gone at once from every
 * read (the owner API, the agent API, the live queries), and its rows are purged after,
 * batch by batch, by the hub's purger, which finishes after a restart what a stopped hub
 * left, and shares the work with other hubs on one PostgreSQL database.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConvexClient } from "convex/browser";
import { anyApi, type FunctionReference } from "convex/server";
import { assertError, assertStatus, createTask, delegateTo } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { Recorder, stockClient } from "../realtime/support.ts";
import { browserSocket, signIn } from "../web/support/session.ts";

/** The purger runs only when a test says (it looks once at start, when there is nothing yet). */
const BY_HAND = { everyMs: 3_600_000 };

interface History { taskIds: string[]; runIds: string[] }

/** Three tasks in the project: one with a finished run (comments, notifications), one with a stopped run, one with a comment. */
async function history(t: TestHub, projectId: string): Promise<History> {
  const agent = t.creds.agentToken;
  const [done, stopped, talked] = [
    await createTask(t, { projectId, title: "Finished there" }), await createTask(t, { projectId, title: "Stopped there" }),
    await createTask(t, { projectId, title: "Talked about there" }),
  ];
  const finished = await delegateTo(t, done.id);
  assertStatus(await t.agent(agent, "POST", `/runs/${finished.id}/start`, { body: "On it" }), 200);
  assertStatus(await t.agent(agent, "POST", `/runs/${finished.id}/comment`, { body: "Halfway" }), 201);
  assertStatus(await t.agent(agent, "POST", `/runs/${finished.id}/complete`, { body: "Done" }), 200);
  const halted = await delegateTo(t, stopped.id);
  assertStatus(await t.owner(t.creds.ownerToken, "POST", `/runs/${halted.id}/stop`), 200);
  assertStatus(await t.owner(t.creds.ownerToken, "POST", `/tasks/${talked.id}/comments`, { body: "A note" }), 201);
  return { taskIds: [done.id, stopped.id, talked.id], runIds: [finished.id, halted.id] };
}

/** Rows left of the history, of its projects and of its workspace, table by table, read from the database itself. */
async function rowsLeft(t: TestHub, h: History, projectIds: string[], workspaceId?: string): Promise<Record<string, number>> {
  const count = async (sql: string, params: string[]) => Number((await t.database().get<{ n: number }>(sql, params))!.n);
  const inList = (ids: string[]) => ids.map(() => "?").join(", ");
  const [tasks, runs, projects] = [inList(h.taskIds), inList(h.runIds), inList(projectIds)];
  const rows: Record<string, number> = {
    tasks: await count(`SELECT count(*) AS n FROM tasks WHERE id IN (${tasks}) OR project_id IN (${projects})`, [...h.taskIds, ...projectIds]),
    runs: await count(`SELECT count(*) AS n FROM runs WHERE id IN (${runs}) OR task_id IN (${tasks})`, [...h.runIds, ...h.taskIds]),
    activity: await count(`SELECT count(*) AS n FROM activity WHERE task_id IN (${tasks}) OR run_id IN (${runs})`, [...h.taskIds, ...h.runIds]),
    notifications: await count(`SELECT count(*) AS n FROM notifications WHERE task_id IN (${tasks}) OR run_id IN (${runs})`, [...h.taskIds, ...h.runIds]),
    projects: await count(`SELECT count(*) AS n FROM projects WHERE id IN (${projects})`, projectIds),
  };
  if (workspaceId) {
    for (const table of ["workspace_members", "invites", "projects"]) {
      rows[`${table} of the workspace`] = await count(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = ?`, [workspaceId]);
    }
    rows.workspaces = await count("SELECT count(*) AS n FROM workspaces WHERE id = ?", [workspaceId]);
  }
  return rows;
}

const none = (rows: Record<string, number>) => Object.fromEntries(Object.keys(rows).map((k) => [k, 0]));
const ids = (list: { id: string }[]) => list.map((x) => x.id);

describe("deleting a project or a workspace", () => {
  let t: TestHub;
  let cookie: string;
  const clients: ConvexClient[] = [];
  before(async () => {
    t = await startTestHub({ purge: BY_HAND });
    cookie = await signIn(t);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  /** A live query of the owner's (by session cookie) or the agent's (by token), recorded. */
  function live(module: "owner" | "agentWebSocket", name: string, args: Record<string, unknown>): Recorder {
    const client = module === "owner"
      ? new ConvexClient(t.baseUrl, { webSocketConstructor: browserSocket({ cookie, origin: t.baseUrl }), logger: false })
      : stockClient(t.baseUrl);
    clients.push(client);
    return new Recorder(client, (anyApi[module] as Record<string, unknown>)[name] as FunctionReference<"query">, args);
  }

  /** What the agent and the owner are shown of runs and tasks, over the APIs. */
  async function shown(): Promise<{ agentTasks: string[]; agentRuns: string[]; ownerTasks: string[]; agentRunsForOwner: string[] }> {
    const agent = t.creds.agentToken;
    return {
      agentTasks: ids((await t.agent(agent, "GET", "/tasks?includeCompleted=true")).body),
      agentRuns: ids((await t.agent(agent, "GET", "/runs")).body),
      ownerTasks: ids((await t.owner(t.creds.ownerToken, "GET", "/tasks?limit=200")).body),
      agentRunsForOwner: ids((await t.owner(t.creds.ownerToken, "GET", `/agents/${t.creds.agentId}/runs`)).body),
    };
  }

  it("a deleted project vanishes at once from every read, and its rows are purged after", async () => {
    const project = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Doomed" }, { "x-workspace-id": t.creds.workspaceId })).body;
    const h = await history(t, project.id);
    const before = await shown();
    for (const id of h.runIds) assert.ok(before.agentRuns.includes(id) && before.agentRunsForOwner.includes(id));
    for (const id of h.taskIds) assert.ok(before.ownerTasks.includes(id));
    const board = live("owner", "board", { projectId: project.id });
    const task = live("owner", "task", { taskId: h.taskIds[0] });
    const me = live("owner", "me", {});
    const agents = live("owner", "agents", {});
    const stopped = live("agentWebSocket", "stoppedRuns", { token: t.creds.agentToken });
    const pending = live("agentWebSocket", "pendingRuns", { token: t.creds.agentToken });
    await Promise.all([board, task, me, agents, stopped, pending].map((r) => r.until(() => true)));
    assert.ok((stopped.last as { id: string }[]).some((r) => r.id === h.runIds[1]));

    assertStatus(await t.owner(t.creds.ownerToken, "DELETE", `/projects/${project.id}`), 204);

    // The owner API.
    assert.ok(!ids((await t.owner(t.creds.ownerToken, "GET", "/projects", undefined, { "x-workspace-id": t.creds.workspaceId })).body).includes(project.id));
    for (const id of h.taskIds) assertError(await t.owner(t.creds.ownerToken, "GET", `/tasks/${id}`), 404, "Task not found");
    for (const id of h.runIds) assertError(await t.owner(t.creds.ownerToken, "GET", `/runs/${id}`), 404, "Run not found");
    assertError(await t.owner(t.creds.ownerToken, "PATCH", `/projects/${project.id}`, { name: "Back" }), 404, "Project not found");
    assertError(await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: project.id, title: "Late" }), 404, "Project not found");
    assertError(await t.owner(t.creds.ownerToken, "POST", `/tasks/${h.taskIds[2]}/delegate`, { agentId: t.creds.agentId }), 404, "Task not found");
    assertError(await t.owner(t.creds.ownerToken, "POST", `/runs/${h.runIds[0]}/follow-up`, { message: "More" }), 404, "Run not found");
    // The agent API.
    for (const id of h.runIds) assertError(await t.agent(t.creds.agentToken, "GET", `/runs/${id}`), 404, "Run not found");
    assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${h.runIds[1]}/start`, {}), 404, "Run not found");
    const after = await shown();
    for (const list of Object.values(after)) for (const id of [...h.taskIds, ...h.runIds]) assert.ok(!list.includes(id), `${id} still listed`);
    // The live queries.
    for (const gone of [board, task]) assert.equal(((await gone.untilError()).data as { code?: string }).code, "NOT_FOUND");
    await me.until((v) => !JSON.stringify(v).includes(project.id), "owner:me without the project");
    await agents.until((v) => !h.runIds.some((id) => JSON.stringify(v).includes(id)), "owner:agents without its runs");
    await stopped.until((v) => !(v as { id: string }[]).some((r) => h.runIds.includes(r.id)), "stoppedRuns without its run");
    assert.ok(!(pending.last as { id: string }[]).some((r) => h.runIds.includes(r.id)));

    // Its rows are still there, until the purger has been through them.
    const left = await rowsLeft(t, h, [project.id]);
    assert.ok(left.tasks === 3 && left.runs === 2 && left.activity! > 0 && left.notifications! > 0, JSON.stringify(left));
    assert.equal(await t.hub.purger.drain(), 3);
    assert.deepEqual(await rowsLeft(t, h, [project.id]), none(left));
    for (const r of [board, task, me, agents, stopped, pending]) r.unsubscribe();
  });

  it("a deleted workspace vanishes at once for every member, with its projects, members and invites; its rows are purged after", async () => {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Gone" })).body;
    const projects = [
      (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Gone work" }, { "x-workspace-id": ws.id })).body,
      (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Gone too" }, { "x-workspace-id": ws.id })).body,
    ];
    const member = await t.hub.writer.run("addUser", { name: "Gone member" });
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: member.userId }), 201);
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/invites`), 201);
    const h = await history(t, projects[0].id);
    await createTask(t, { projectId: projects[1].id, title: "In the other project" });
    const me = live("owner", "me", {});
    await me.until((v) => JSON.stringify(v).includes(ws.id), "owner:me with the workspace");

    assertStatus(await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}`), 204);

    for (const token of [t.creds.ownerToken, member.ownerToken]) {
      assert.ok(!ids((await t.owner(token, "GET", "/workspaces")).body).includes(ws.id));
      assertError(await t.owner(token, "GET", "/projects", undefined, { "x-workspace-id": ws.id }), 404, "Workspace not found");
      assertError(await t.owner(token, "GET", `/workspaces/${ws.id}/members`), 404, "Workspace not found");
      for (const id of h.taskIds) assertError(await t.owner(token, "GET", `/tasks/${id}`), 404, "Task not found");
    }
    assertError(await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Late" }, { "x-workspace-id": ws.id }), 404, "Workspace not found");
    const after = await shown();
    for (const list of Object.values(after)) for (const id of [...h.taskIds, ...h.runIds]) assert.ok(!list.includes(id), `${id} still listed`);
    await me.until((v) => !JSON.stringify(v).includes(ws.id), "owner:me without the workspace");

    const left = await rowsLeft(t, h, ids(projects), ws.id);
    // Its members and invites go with the deletion itself; the rest waits for the purger.
    assert.equal(left["workspace_members of the workspace"], 0);
    assert.equal(left["invites of the workspace"], 0);
    assert.ok(left.tasks === 4 && left.workspaces === 1, JSON.stringify(left));
    assert.equal(await t.hub.purger.drain(), 4);
    assert.deepEqual(await rowsLeft(t, h, ids(projects), ws.id), none(left));
    me.unsubscribe();
  });

  for (const kind of ["project", "workspace"] as const) {
    it(`a deleted ${kind}'s notifications leave the person's list, unread count and live queries at once, and are no longer theirs to mark read`, async () => {
      const owner = t.creds.ownerToken;
      const ws = kind === "workspace" ? (await t.owner(owner, "POST", "/workspaces", { name: "Noisy space" })).body.id as string : t.creds.workspaceId;
      const project = (await t.owner(owner, "POST", "/projects", { name: "Noisy" }, { "x-workspace-id": ws })).body;
      const h = await history(t, project.id);
      // One unread notification elsewhere that stays.
      const kept = await delegateTo(t, (await createTask(t, { title: "Kept" })).id);
      assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${kept.id}/start`, { body: "Still here" }), 200);
      type Note = { id: string; taskId: string | null; readAt: number | null };
      const listed = async (query = "") => (await t.owner(owner, "GET", `/notifications?limit=500${query}`)).body as Note[];
      const unreadCount = async () => (await t.owner(owner, "GET", "/me")).body.unreadNotifications as number;
      const doomed = (await listed()).filter((n) => h.taskIds.includes(n.taskId!));
      assert.ok(doomed.length >= 3 && doomed.every((n) => n.readAt === null), JSON.stringify(doomed));
      const unreadBefore = await unreadCount();
      const notifications = live("owner", "notifications", {});
      const me = live("owner", "me", {});
      const shows = (v: unknown) => doomed.some((n) => JSON.stringify(v).includes(n.id));
      await notifications.until(shows, "owner:notifications with the project's");
      await me.until((v) => (v as { unreadNotifications: number }).unreadNotifications === unreadBefore, "owner:me with their count");

      assertStatus(await t.owner(owner, "DELETE", kind === "project" ? `/projects/${project.id}` : `/workspaces/${ws}`), 204);

      const unreadAfter = unreadBefore - doomed.length;
      for (const query of ["", "&unread=true"]) assert.ok(!shows(await listed(query)), `GET /notifications${query} still lists them`);
      assert.equal(await unreadCount(), unreadAfter);
      const gone = await notifications.until((v) => !shows(v), "owner:notifications without the project's");
      assert.equal((gone as { unread: number }).unread, unreadAfter);
      await me.until((v) => (v as { unreadNotifications: number }).unreadNotifications === unreadAfter, "owner:me's count without them");
      // Their ids are as unknown ones: nothing marked. "All read" counts only what the person sees.
      assert.deepEqual((await t.owner(owner, "POST", "/notifications/read", { ids: doomed.map((n) => n.id) })).body, { updated: 0 });
      const newest = [...doomed.map((n) => n.id), (await listed())[0]!.id].sort().at(-1)!;
      assert.deepEqual((await t.owner(owner, "POST", "/notifications/read-all", { upTo: newest })).body, { updated: unreadAfter });
      assert.equal(await unreadCount(), 0);
      // Still there until the purger has been through them.
      assert.ok((await rowsLeft(t, h, [project.id])).notifications! >= doomed.length);
      await t.hub.purger.drain();
      assert.equal((await rowsLeft(t, h, [project.id])).notifications, 0);
      for (const r of [notifications, me]) r.unsubscribe();
    });
  }

  it("someone leaving while a project of theirs waits for the purger: the creator is told of, and each feed shows, only the tasks still there", async () => {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Leaving later" })).body;
    const [kept, gone] = [
      (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Kept" }, { "x-workspace-id": ws.id })).body,
      (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Gone" }, { "x-workspace-id": ws.id })).body,
    ];
    const dee = await t.hub.writer.run("addUser", { name: "Dee" });
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: dee.userId }), 201);
    const stays = await createTask(t, { projectId: kept.id, title: "Stays" }, dee.ownerToken);
    for (const title of ["Gone 1", "Gone 2"]) await createTask(t, { projectId: gone.id, title }, dee.ownerToken);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/projects/${gone.id}`)).status, 204);

    assert.equal((await t.owner(dee.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${dee.userId}`)).status, 204);
    const told = (await t.owner(t.creds.ownerToken, "GET", "/notifications")).body.filter((n: { workspaceId: string }) => n.workspaceId === ws.id);
    assert.deepEqual(told.map((n: { body: string }) => n.body), ['Dee left Leaving later: their task "Stays" is yours now']);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/tasks/${stays.id}`)).body.activity.at(-1).subject, "owner");
    assert.ok(await t.hub.purger.drain() > 0);
  });

  it("keeps refusing (409) while a run there is going, and takes nothing then", async () => {
    const project = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Busy" }, { "x-workspace-id": t.creds.workspaceId })).body;
    const task = await createTask(t, { projectId: project.id });
    const run = await delegateTo(t, task.id);
    assertError(await t.owner(t.creds.ownerToken, "DELETE", `/projects/${project.id}`), 409, "OpenClaw Bot has a run going in this project; stop it first");
    // Still there, and its run still starts.
    assertStatus(await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`), 200);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {}), 200);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/complete`, { body: "Done" }), 200);
  });
});

describe("the purger", () => {
  it("finishes, once the hub is started again, a purge that a stopped hub left half-way", async () => {
    const first = await startTestHub({ purge: { ...BY_HAND, batch: 2 } });
    try {
      const project = (await first.owner(first.creds.ownerToken, "POST", "/projects", { name: "Half" }, { "x-workspace-id": first.creds.workspaceId })).body;
      const h = await history(first, project.id);
      for (let i = 0; i < 3; i++) h.taskIds.push((await createTask(first, { projectId: project.id })).id);
      assertStatus(await first.owner(first.creds.ownerToken, "DELETE", `/projects/${project.id}`), 204);
      assert.equal((await first.hub.purger.step()).tasks, 2);
      await first.hub.close(); // stopped between two batches: each batch is one transaction, whole or not at all
      const second = await startTestHub({ reuse: { dataDir: first.dataDir, databaseFlag: first.databaseFlag } });
      try {
        await second.hub.purger.drain(); // it began at start; this waits for it, and looks once more
        assert.deepEqual(await rowsLeft(second, h, [project.id]), {
          tasks: 0, runs: 0, activity: 0, notifications: 0, projects: 0,
        });
        assertError(await second.owner(second.creds.ownerToken, "GET", `/tasks/${h.taskIds[0]}`), 404, "Task not found");
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it("on PostgreSQL, shares the work with another hub: each task purged by one of them, and neither fails", { skip: process.env.GROUPCHAT_TEST_DATABASE !== "postgres" }, async () => {
    const first = await startTestHub({ purge: { ...BY_HAND, batch: 3 } });
    const dir = mkdtempSync(join(tmpdir(), "gc-hub-second-"));
    copyFileSync(join(first.dataDir, "credentials.json"), join(dir, "credentials.json"));
    try {
      const second = await startTestHub({ purge: { ...BY_HAND, batch: 3 }, reuse: { dataDir: dir, databaseFlag: first.databaseFlag } });
      try {
        const projects = [];
        const h: History = { taskIds: [], runIds: [] };
        for (const name of ["Shared A", "Shared B"]) {
          const project = (await first.owner(first.creds.ownerToken, "POST", "/projects", { name }, { "x-workspace-id": first.creds.workspaceId })).body;
          projects.push(project.id);
          const made = await history(first, project.id);
          h.taskIds.push(...made.taskIds);
          h.runIds.push(...made.runIds);
          for (let i = 0; i < 9; i++) h.taskIds.push((await createTask(first, { projectId: project.id })).id);
          assertStatus(await first.owner(first.creds.ownerToken, "DELETE", `/projects/${project.id}`), 204);
        }
        const errors: unknown[] = [];
        const purged = await Promise.all([first, second].map(async (hub) => {
          let tasks = 0;
          // Batch by batch from both at once, until neither finds more.
          for (;;) {
            const step = await hub.hub.purger.step().catch((error: unknown) => (errors.push(error), null));
            if (!step?.more) break;
            tasks += step.tasks;
          }
          return tasks;
        }));
        assert.deepEqual(errors, []);
        const rest = await first.hub.purger.drain(); // whatever one left while the other held it
        assert.equal(purged[0]! + purged[1]! + rest, h.taskIds.length, `purged ${purged.join(" + ")} + ${rest}`);
        assert.deepEqual(await rowsLeft(first, h, projects), { tasks: 0, runs: 0, activity: 0, notifications: 0, projects: 0 });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await first.close();
    }
  });
});
