/**
 * Looking after workspaces and projects over the owner API: renaming them,
 * handing a workspace to another member, deleting a project or a workspace with
 * everything in it, and who may do which.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo, secondAgent } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

describe("workspace and project admin", () => {
  let t: TestHub;
  let owner: string;
  let ownerId: string;
  before(async () => {
    t = await startTestHub();
    owner = t.creds.ownerToken;
    ownerId = t.creds.ownerId;
  });
  after(() => t.close());

  /** A workspace of the owner's with one project, and a person added to it. */
  async function shared(name: string) {
    const ws = (await t.owner(owner, "POST", "/workspaces", { name })).body;
    const prj = (await t.owner(owner, "POST", "/projects", { name: `${name} work` }, { "x-workspace-id": ws.id })).body;
    const member = await t.hub.writer.run("addUser", { name: `${name} member` });
    assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: member.userId }), 201);
    return { ws, prj, member };
  }

  /** Rows of `table` whose `column` is one of `ids`, read from the database itself. */
  async function rowsFor(table: string, column: string, ids: string[]): Promise<number> {
    const row = await t.database().get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${column} IN (${ids.map(() => "?").join(", ")})`, ids);
    return Number(row!.n);
  }

  it("PATCH /projects/:id renames it and changes its description, for any member; bad input is 400; outsiders get 404", async () => {
    const { ws, prj, member } = await shared("Renames");
    const res = await t.owner(member.ownerToken, "PATCH", `/projects/${prj.id}`, { name: "  Launch  ", description: "Everything for the launch" });
    assertStatus(res, 200);
    assert.deepEqual(res.body, { ...prj, name: "Launch", description: "Everything for the launch" });
    const listed = (await t.owner(owner, "GET", "/projects", undefined, { "x-workspace-id": ws.id })).body;
    assert.deepEqual(listed.find((p: { id: string }) => p.id === prj.id), res.body);

    assertError(await t.owner(owner, "PATCH", `/projects/${prj.id}`, { name: "   " }), 400, "name must not be blank (empty, or only spaces or invisible characters)");
    assertError(await t.owner(owner, "PATCH", `/projects/${prj.id}`, {}), 400);
    assertError(await t.owner(owner, "PATCH", `/projects/${prj.id}`, { workspaceId: "ws_other" }), 400);
    assertError(await t.owner(owner, "PATCH", `/projects/${prj.id}`, { name: "x".repeat(201) }), 400);
    const stranger = await t.hub.writer.run("addUser", { name: "Renames stranger" });
    assertError(await t.owner(stranger.ownerToken, "PATCH", `/projects/${prj.id}`, { name: "Mine" }), 404, "Project not found");
    assertError(await t.owner(owner, "PATCH", "/projects/prj_unknown", { name: "Mine" }), 404, "Project not found");
  });

  it("PATCH /workspaces/:id renames it, for its creator only (a member gets 403, anyone else 404)", async () => {
    const { ws, member } = await shared("Old name");
    assertError(await t.owner(member.ownerToken, "PATCH", `/workspaces/${ws.id}`, { name: "Taken over" }), 403, "Only the workspace's creator can change it");
    const stranger = await t.hub.writer.run("addUser", { name: "Old name stranger" });
    assertError(await t.owner(stranger.ownerToken, "PATCH", `/workspaces/${ws.id}`, { name: "Mine" }), 404, "Workspace not found");
    assertError(await t.owner(owner, "PATCH", `/workspaces/${ws.id}`, { name: "" }), 400);
    assertError(await t.owner(owner, "PATCH", `/workspaces/${ws.id}`, {}), 400);

    const res = await t.owner(owner, "PATCH", `/workspaces/${ws.id}`, { name: " New name " });
    assertStatus(res, 200);
    assert.deepEqual(res.body, { ...ws, name: "New name" });
    for (const token of [owner, member.ownerToken]) {
      assert.equal((await t.owner(token, "GET", "/workspaces")).body.find((w: { id: string }) => w.id === ws.id).name, "New name");
    }
  });

  it("PATCH /workspaces/:id {creatorId} hands it to a member, who then manages it; the one who handed it over may leave", async () => {
    const { ws, member } = await shared("Handover");
    const stranger = await t.hub.writer.run("addUser", { name: "Handover stranger" });
    assertError(await t.owner(owner, "PATCH", `/workspaces/${ws.id}`, { creatorId: stranger.userId }), 400, "creatorId must be a member of the workspace");

    const res = await t.owner(owner, "PATCH", `/workspaces/${ws.id}`, { creatorId: member.userId });
    assertStatus(res, 200);
    assert.equal(res.body.createdBy, member.userId);
    const members = (await t.owner(owner, "GET", `/workspaces/${ws.id}/members`)).body;
    assert.deepEqual(members.map((m: { id: string; isCreator: boolean }) => [m.id, m.isCreator]), [[ownerId, false], [member.userId, true]]);

    // The former creator has no say any more; the new one cannot leave, and may remove the former.
    assertError(await t.owner(owner, "PATCH", `/workspaces/${ws.id}`, { name: "Back" }), 403, "Only the workspace's creator can change it");
    assertError(await t.owner(member.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${member.userId}`), 409, "The workspace's creator cannot leave it");
    assert.equal((await t.owner(owner, "DELETE", `/workspaces/${ws.id}/members/${ownerId}`)).status, 204);
    assertError(await t.owner(owner, "GET", `/workspaces/${ws.id}/members`), 404, "Workspace not found");
  });

  it("DELETE /projects/:id takes its tasks with their feeds, runs and notifications; 409 while a run in it is going; the workspace's creator's only", async () => {
    const { ws, prj, member } = await shared("Doomed");
    const other = (await t.owner(owner, "POST", "/projects", { name: "Stays" }, { "x-workspace-id": ws.id })).body;
    const agent = await secondAgent(t, "Project Bot");
    const tasks = [await createTask(t, { projectId: prj.id, title: "One" }), await createTask(t, { projectId: prj.id, title: "Two" })];
    const kept = await createTask(t, { projectId: other.id, title: "Kept" });
    // A finished run with a follow-up on the first task, a run on the kept task, and one going on the second.
    const first = await delegateTo(t, tasks[0].id, agent.id);
    assertStatus(await t.agent(agent.token, "POST", `/runs/${first.id}/start`, { body: "On it" }), 200);
    assertStatus(await t.agent(agent.token, "POST", `/runs/${first.id}/comment`, { body: "Halfway" }), 201);
    assertStatus(await t.agent(agent.token, "POST", `/runs/${first.id}/complete`, { body: "Done" }), 200);
    const followUp = (await t.owner(owner, "POST", `/runs/${first.id}/follow-up`, { message: "One more thing" })).body;
    assertStatus(await t.agent(agent.token, "POST", `/runs/${followUp.id}/start`, {}), 200);
    assertStatus(await t.agent(agent.token, "POST", `/runs/${followUp.id}/complete`, { body: "Done too" }), 200);
    const keptRun = await delegateTo(t, kept.id, agent.id);
    assertStatus(await t.agent(agent.token, "POST", `/runs/${keptRun.id}/start`, { body: "On the kept one" }), 200);
    const going = await delegateTo(t, tasks[1].id, agent.id);

    assertError(await t.owner(member.ownerToken, "DELETE", `/projects/${prj.id}`), 403, "Only the workspace's creator can delete its projects");
    assertError(await t.owner(owner, "DELETE", `/projects/${prj.id}`), 409, "Project Bot has a run going in this project; stop it first");
    assertStatus(await t.owner(owner, "POST", `/runs/${going.id}/stop`), 200);

    const taskIds = tasks.map((x: { id: string }) => x.id);
    const runIds = [first.id, followUp.id, going.id];
    assert.ok(await rowsFor("notifications", "run_id", runIds) > 0);
    assert.equal((await t.owner(owner, "DELETE", `/projects/${prj.id}`)).status, 204);

    assertError(await t.owner(owner, "PATCH", `/projects/${prj.id}`, { name: "Again" }), 404, "Project not found");
    assertError(await t.owner(owner, "DELETE", `/projects/${prj.id}`), 404, "Project not found");
    for (const id of taskIds) assertError(await t.owner(owner, "GET", `/tasks/${id}`), 404, "Task not found");
    for (const id of runIds) assertError(await t.agent(agent.token, "GET", `/runs/${id}`), 404, "Run not found");
    assertError(await t.owner(owner, "POST", "/tasks", { projectId: prj.id, title: "Late" }), 404);
    // Its rows go in the background, batch after batch (test/hub/deleted-later.test.ts).
    await t.hub.purger.drain();
    assert.deepEqual(
      [await rowsFor("tasks", "id", taskIds), await rowsFor("runs", "task_id", taskIds), await rowsFor("activity", "task_id", taskIds),
        await rowsFor("notifications", "task_id", taskIds), await rowsFor("notifications", "run_id", runIds)],
      [0, 0, 0, 0, 0],
    );
    // The other project, its task and its running run are untouched.
    assert.equal((await t.owner(owner, "GET", `/tasks/${kept.id}`)).body.runs[0].status, "RUNNING");
    assert.ok((await t.owner(owner, "GET", "/projects", undefined, { "x-workspace-id": ws.id })).body.some((p: { id: string }) => p.id === other.id));
    assert.ok(!(await t.owner(owner, "GET", "/notifications")).body.some((n: { taskId: string }) => taskIds.includes(n.taskId)));
    assertStatus(await t.agent(agent.token, "POST", `/runs/${keptRun.id}/complete`, { body: "Kept and done" }), 200);
  });

  it("DELETE /workspaces/:id takes its projects, tasks, members and invites; 409 while a run in it is going; its creator's only", async () => {
    const { ws, prj, member } = await shared("Gone");
    const task = await createTask(t, { projectId: prj.id, title: "In a workspace to go" });
    const run = await delegateTo(t, task.id);
    const invite = (await t.owner(owner, "POST", `/workspaces/${ws.id}/invites`)).body;
    assert.ok(invite.url);

    assertError(await t.owner(member.ownerToken, "DELETE", `/workspaces/${ws.id}`), 403, "Only the workspace's creator can delete it");
    assertError(await t.owner(owner, "DELETE", `/workspaces/${ws.id}`), 409, "OpenClaw Bot has a run going in this workspace; stop it first");
    assertStatus(await t.owner(owner, "POST", `/runs/${run.id}/stop`), 200);
    assert.equal((await t.owner(owner, "DELETE", `/workspaces/${ws.id}`)).status, 204);

    for (const token of [owner, member.ownerToken]) {
      assert.ok(!(await t.owner(token, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === ws.id));
      assertError(await t.owner(token, "GET", "/projects", undefined, { "x-workspace-id": ws.id }), 404, "Workspace not found");
    }
    assertError(await t.owner(owner, "GET", `/tasks/${task.id}`), 404, "Task not found");
    assertError(await t.agent(t.creds.agentToken, "GET", `/runs/${run.id}`), 404, "Run not found");
    assertError(await t.owner(owner, "DELETE", `/workspaces/${ws.id}`), 404, "Workspace not found");
    await t.hub.purger.drain();
    assert.deepEqual(
      [await rowsFor("projects", "workspace_id", [ws.id]), await rowsFor("workspace_members", "workspace_id", [ws.id]), await rowsFor("invites", "workspace_id", [ws.id])],
      [0, 0, 0],
    );
    // The hub's first workspace is untouched.
    assert.ok((await t.owner(owner, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === t.creds.workspaceId));
  });

  it("counts runs of several agents in what is to be deleted, and names each agent once", async () => {
    const { ws, prj } = await shared("Busy");
    const [a, b] = [await secondAgent(t, "Busy A"), await secondAgent(t, "Busy B")];
    for (let i = 0; i < 2; i++) {
      const task = await createTask(t, { projectId: prj.id, title: `Busy ${i}` });
      await delegateTo(t, task.id, a.id);
      if (i === 0) await delegateTo(t, task.id, b.id);
    }
    assertError(await t.owner(owner, "DELETE", `/projects/${prj.id}`), 409, "Busy A, Busy B have 3 runs going in this project; stop them first");
    assertError(await t.owner(owner, "DELETE", `/workspaces/${ws.id}`), 409, "Busy A, Busy B have 3 runs going in this workspace; stop them first");
  });
});
