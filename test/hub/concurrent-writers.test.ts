import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertStatus, createTask, delegateTo, secondAgent } from "../support/api.ts";
import { BACKENDS, startTestHub, type TestHub } from "../support/hub.ts";
import { loginCode, redeem } from "../web/support/session.ts";

/**
 * Writes that read a row, decide and write must hold when another write does the
 * same at the same moment: on SQLite they run one after another; on PostgreSQL
 * side by side, and the hub locks what it reads first. Each race is run a number
 * of times so that the interleavings that matter come up.
 */
for (const backend of BACKENDS) describe(`writes that race each other (${backend.label})`, () => {
  let t: TestHub;
  before(async () => (t = await startTestHub(backend.options)));
  after(() => t.close());

  /** A new workspace of the hub's owner with a project, and a person `name` in it. */
  async function workspaceWith(name: string, wsName: string) {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: wsName })).body;
    const project = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Work" }, { "x-workspace-id": ws.id })).body;
    const gil = await t.hub.writer.run("addUser", { name });
    assertStatus(await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: gil.userId }), 201);
    return { ws, project, gil };
  }

  it("adds up the cost steps of two runs on one task that end at the same moment", async () => {
    for (let i = 0; i < 8; i++) {
      const [a, b] = [await secondAgent(t, `Cost A${i}`), await secondAgent(t, `Cost B${i}`)];
      const task = await createTask(t);
      const runs = [await delegateTo(t, task.id, a.id), await delegateTo(t, task.id, b.id)];
      const tokens = [a.token, b.token];
      for (const [j, run] of runs.entries()) assertStatus(await t.agent(tokens[j]!, "POST", `/runs/${run.id}/start`, {}), 200);
      const ended = await Promise.all(runs.map((run, j) =>
        t.agent(tokens[j]!, "POST", `/runs/${run.id}/complete`, { body: "Done", stepCostUsd: j + 1 })));
      for (const res of ended) assertStatus(res, 200);
      // One ended first (total = its step); the other built on that total. Never both on zero.
      const totals = ended.map((res) => res.body.totalCostUsd as number).sort();
      assert.ok(totals[1] === 3 && (totals[0] === 1 || totals[0] === 2), `totals ${JSON.stringify(totals)} in round ${i}`);
    }
  });

  it("posts both of two comments that @mention the same agent at the same moment, and makes one run", async () => {
    for (let i = 0; i < 8; i++) {
      await secondAgent(t, `Mentioned${i}`);
      const task = await createTask(t);
      const posted = await Promise.all(["first", "second"].map((word) =>
        t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: `@Mentioned${i} please look (${word})` })));
      for (const res of posted) assertStatus(res, 201);
      assert.equal(posted.filter((res) => res.body.runId !== null).length, 1, `round ${i}: one of them made the run`);
      const detail = await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`);
      assert.equal((detail.body.runs as unknown[]).length, 1);
      const comments = (detail.body.activity as { type: string; runId: string | null }[]).filter((a) => a.type === "comment" && a.runId === null);
      assert.equal(comments.length, 2, `round ${i}: both comments kept`);
    }
  });

  it("never leaves a run waiting for an agent deleted while it was delegated to", async () => {
    for (let i = 0; i < 8; i++) {
      const agent = await secondAgent(t, `Doomed ${i}`);
      const task = await createTask(t);
      const [delegated, deleted] = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: agent.id }),
        t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`),
      ]);
      assertStatus(deleted, 204);
      // Delegated first (then stopped by the deletion), or refused: the agent was gone.
      assert.ok(delegated.status === 201 || delegated.status === 404, `delegate answered ${delegated.status}`);
      const detail = await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`);
      const statuses = (detail.body.runs as { status: string }[]).map((r) => r.status);
      assert.deepEqual(statuses, delegated.status === 201 ? ["STOPPED"] : [], `round ${i}`);
    }
  });
  it("replays a delegation and a start sent twice at once with one Idempotency-Key, instead of answering 409", async () => {
    for (let i = 0; i < 8; i++) {
      const agent = await secondAgent(t, `Retried ${i}`);
      const task = await createTask(t);
      const key = { "idempotency-key": `delegate-race-${i}` };
      const delegated = await Promise.all([1, 2].map(() =>
        t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: agent.id }, key)));
      for (const res of delegated) assertStatus(res, 201);
      assert.equal(delegated[0]!.body.id, delegated[1]!.body.id, `round ${i}: one run, replayed`);
      const started = await Promise.all([1, 2].map(() =>
        t.agent(agent.token, "POST", `/runs/${delegated[0]!.body.id}/start`, {}, { "idempotency-key": `start-race-${i}` })));
      for (const res of started) assertStatus(res, 200);
    }
  });

  it("makes one of two agents given the same name at the same moment", async () => {
    for (let i = 0; i < 8; i++) {
      const created = await Promise.all([`Twin ${i}`, `twin ${i}`].map((name) => t.owner(t.creds.ownerToken, "POST", "/agents", { name })));
      assert.deepEqual(created.map((res) => res.status).sort(), [201, 409], `round ${i}: ${JSON.stringify(created.map((res) => res.body))}`);
    }
  });

  it("posts a comment that @mentions an agent deleted at the same moment", async () => {
    for (let i = 0; i < 12; i++) {
      const agent = await secondAgent(t, `Leaving${i}`);
      const task = await createTask(t);
      const [posted, deleted] = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: `@Leaving${i} have a look` }),
        t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`),
      ]);
      assertStatus(deleted, 204);
      assertStatus(posted, 201);
      // Mentioned first (then stopped by the deletion), or not at all: the agent was gone.
      const detail = await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`);
      assert.deepEqual((detail.body.runs as { status: string }[]).map((r) => r.status), posted.body.runId ? ["STOPPED"] : [], `round ${i}`);
    }
  });

  it("deletes an agent whose run ends at the same moment", async () => {
    for (let i = 0; i < 12; i++) {
      const agent = await secondAgent(t, `Finishing ${i}`);
      const run = await delegateTo(t, (await createTask(t)).id, agent.id);
      assertStatus(await t.agent(agent.token, "POST", `/runs/${run.id}/start`, {}), 200);
      const [completed, deleted] = await Promise.all([
        t.agent(agent.token, "POST", `/runs/${run.id}/complete`, { body: "Done" }),
        t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`),
      ]);
      assertStatus(deleted, 204);
      // Completed first, or stopped by the deletion (then the agent's call finds it so, or its token gone).
      assert.ok([200, 401, 409].includes(completed.status), `complete answered ${completed.status}`);
    }
  });
  it("records each move of a task from the status it had, when a run starts as the task is edited", async () => {
    for (let i = 0; i < 12; i++) {
      const task = await createTask(t);
      const run = await delegateTo(t, task.id);
      const [started, edited] = await Promise.all([
        t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, {}),
        t.owner(t.creds.ownerToken, "PATCH", `/tasks/${task.id}`, { status: "done" }),
      ]);
      assertStatus(started, 200);
      assertStatus(edited, 200);
      const detail = await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`);
      const moves = (detail.body.activity as { type: string; subject: string | null; from: string; to: string }[])
        .filter((a) => a.type === "status_change" && a.subject === "task").map((a) => `${a.from}>${a.to}`);
      // Either order is right; each move starts where the one before it ended.
      assert.ok(moves.join() === "todo>doing,doing>done" || moves.join() === "todo>done,done>doing", `round ${i}: ${moves.join()}`);
      assert.equal(detail.body.task?.status ?? detail.body.status, moves.at(-1)!.split(">")[1]);
    }
  });
  it("gives no new token to an agent deleted at the same moment", async () => {
    for (let i = 0; i < 12; i++) {
      const agent = await secondAgent(t, `Rotated ${i}`);
      const [rotated, deleted] = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", `/agents/${agent.id}/token`),
        t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`),
      ]);
      assertStatus(deleted, 204);
      // Rotated first (then deleted), or refused: the agent was gone. Either way no token of it is kept.
      assert.ok(rotated.status === 201 || rotated.status === 404, `rotate answered ${rotated.status}`);
      const row = await t.database().get<{ token_hash: string | null }>("SELECT token_hash FROM agents WHERE id = ?", [agent.id]);
      assert.equal(row?.token_hash, null, `round ${i}: rotate answered ${rotated.status}`);
    }
  });
  it("deletes a task, or refuses while a run is going on it, when a delegation and a comment come at the same moment", async () => {
    for (let i = 0; i < 12; i++) {
      const task = await createTask(t);
      const [delegated, commented, deleted] = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId }),
        t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "One more thing" }),
        t.owner(t.creds.ownerToken, "DELETE", `/tasks/${task.id}`),
      ]);
      const detail = await t.owner(t.creds.ownerToken, "GET", `/tasks/${task.id}`);
      if (deleted.status === 204) {
        // Deleted first: the delegation found no task; the comment did too, or went with the task.
        assert.equal(delegated.status, 404, `round ${i}: delegate answered ${delegated.status} ${JSON.stringify(delegated.body)}`);
        assert.ok([201, 404].includes(commented.status), `round ${i}: comment answered ${commented.status} ${JSON.stringify(commented.body)}`);
        assert.equal(detail.status, 404);
      } else {
        // Delegated first: the run is going, so the deletion is refused and everything stays.
        assertStatus(deleted, 409);
        assertStatus(delegated, 201);
        assertStatus(commented, 201);
        assert.equal(detail.body.runs.length, 1, `round ${i}`);
      }
    }
  });
  it("deletes a project, or refuses while a run is going in it, when a delegation and a new task come at the same moment", async () => {
    for (let i = 0; i < 12; i++) {
      const project = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: `Racing ${i}` }, { "x-workspace-id": t.creds.workspaceId })).body;
      const task = await createTask(t, { projectId: project.id });
      const [delegated, created, deleted] = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId }),
        t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: project.id, title: "Late" }),
        t.owner(t.creds.ownerToken, "DELETE", `/projects/${project.id}`),
      ]);
      await t.hub.purger.drain(); // a deleted project's tasks go in the background
      const left = Number((await t.database().get<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE project_id = ?", [project.id]))!.n);
      if (deleted.status === 204) {
        // Deleted first: the delegation found no task; the new task found no project, or went with it.
        assert.equal(delegated.status, 404, `round ${i}: delegate answered ${delegated.status} ${JSON.stringify(delegated.body)}`);
        assert.ok([201, 404].includes(created.status), `round ${i}: new task answered ${created.status} ${JSON.stringify(created.body)}`);
        assert.equal(left, 0, `round ${i}: no task outlives its project`);
      } else {
        // Delegated first: the run is going, so the deletion is refused and everything stays.
        assertStatus(deleted, 409);
        assertStatus(delegated, 201);
        assertStatus(created, 201);
        assert.equal(left, 2, `round ${i}`);
        assertStatus(await t.owner(t.creds.ownerToken, "POST", `/runs/${delegated.body.id}/stop`), 200);
      }
    }
  });
  it("deletes a workspace, leaving nothing of it, when a new project, task, member and invite come at the same moment", async () => {
    for (let i = 0; i < 8; i++) {
      const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: `Racing ws ${i}` })).body;
      const project = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "First" }, { "x-workspace-id": ws.id })).body;
      const person = await t.hub.writer.run("addUser", { name: `Racing person ${i}` });
      const [projected, tasked, joined, invited, deleted] = await Promise.all([
        t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Late" }, { "x-workspace-id": ws.id }),
        t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: project.id, title: "Late" }),
        t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/members`, { userId: person.userId }),
        t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws.id}/invites`),
        t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}`),
      ]);
      assertStatus(deleted, 204);
      // Each came first (and went with the workspace) or found it gone.
      for (const res of [projected, tasked, joined, invited]) assert.ok([201, 404].includes(res.status), `round ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(!(await t.owner(person.ownerToken, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === ws.id), `round ${i}: the new member sees it`);
      await t.hub.purger.drain();
      for (const table of ["projects", "tasks", "workspace_members", "invites"]) {
        const n = Number((await t.database().get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = ?`, [ws.id]))!.n);
        assert.equal(n, 0, `round ${i}: ${table} of the deleted workspace`);
      }
    }
  });
  it("leaves no run going, nor an invite, of a member taken out of the workspace as they delegate, @mention, follow up and invite", async () => {
    for (let i = 0; i < 12; i++) {
      const { ws, project, gil } = await workspaceWith(`Parting Gil ${i}`, `Parting ${i}`);
      const bot = await secondAgent(t, `Parting Bot ${i}`, gil.ownerToken);
      const [task, other] = [await createTask(t, { projectId: project.id }, gil.ownerToken), await createTask(t, { projectId: project.id }, gil.ownerToken)];
      const ended = await delegateTo(t, other.id, bot.id, gil.ownerToken);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${ended.id}/error`, { body: "Failed" }), 200);
      const [delegated, mentioned, followed, invited, removed] = await Promise.all([
        t.owner(gil.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: bot.id }),
        t.owner(gil.ownerToken, "POST", `/tasks/${other.id}/comments`, { body: `@Parting Bot ${i} and this` }),
        t.owner(gil.ownerToken, "POST", `/runs/${ended.id}/follow-up`, { message: "Try again" }),
        t.owner(gil.ownerToken, "POST", `/workspaces/${ws.id}/invites`),
        t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${gil.userId}`),
      ]);
      assertStatus(removed, 204);
      // Each came first (and was undone by the removal) or found Gil out (404; a follow-up beaten by the @mention's run, 409).
      for (const res of [delegated, mentioned, followed, invited]) assert.ok([201, 404, 409].includes(res.status), `round ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      const going = await t.database().all<{ id: string; status: string }>(
        "SELECT r.id, r.status FROM runs r JOIN tasks t ON t.id = r.task_id WHERE t.workspace_id = ? AND r.status IN ('PENDING', 'RUNNING')", [ws.id]);
      assert.deepEqual(going, [], `round ${i}: runs of Gil's agent still going in a workspace Gil left`);
      const invites = await t.database().all("SELECT id FROM invites WHERE workspace_id = ? AND created_by = ?", [ws.id, gil.userId]);
      assert.deepEqual(invites, [], `round ${i}: an invite of Gil's outlived Gil's membership`);
    }
  });

  it("leaves no task owned by a member taken out of the workspace as their tasks are edited and another is given to them", async () => {
    for (let i = 0; i < 12; i++) {
      const { ws, project, gil } = await workspaceWith(`Handing Gil ${i}`, `Handing ${i}`);
      const [gils, mine] = [await createTask(t, { projectId: project.id }, gil.ownerToken), await createTask(t, { projectId: project.id })];
      const [renamed, given, removed] = await Promise.all([
        t.owner(gil.ownerToken, "PATCH", `/tasks/${gils.id}`, { title: `Renamed ${i}` }),
        t.owner(t.creds.ownerToken, "PATCH", `/tasks/${mine.id}`, { ownerId: gil.userId }),
        t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws.id}/members/${gil.userId}`),
      ]);
      assertStatus(removed, 204);
      // Each came first (and its task was handed back) or found Gil out (404 for Gil's edit, 400 for the gift).
      assert.ok([200, 404].includes(renamed.status), `round ${i}: ${renamed.status} ${JSON.stringify(renamed.body)}`);
      assert.ok([200, 400].includes(given.status), `round ${i}: ${given.status} ${JSON.stringify(given.body)}`);
      const owners = await t.database().all<{ owner_id: string }>("SELECT DISTINCT owner_id FROM tasks WHERE workspace_id = ?", [ws.id]);
      assert.deepEqual(owners, [{ owner_id: t.creds.ownerId }], `round ${i}: a task is owned by someone out of the workspace`);
    }
  });

  it("answers two edits of a project at the same moment, a rename and a new description, the second with both", async () => {
    const headers = { "x-workspace-id": t.creds.workspaceId };
    for (let i = 0; i < 8; i++) {
      const project = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: `Edited ${i}`, description: "Old" }, headers)).body;
      const edits = await Promise.all([
        t.owner(t.creds.ownerToken, "PATCH", `/projects/${project.id}`, { name: `Renamed ${i}` }),
        t.owner(t.creds.ownerToken, "PATCH", `/projects/${project.id}`, { description: `New ${i}` }),
      ]);
      for (const res of edits) assertStatus(res, 200);
      const stored = (await t.owner(t.creds.ownerToken, "GET", "/projects", undefined, headers)).body.find((p: { id: string }) => p.id === project.id);
      assert.deepEqual([stored.name, stored.description], [`Renamed ${i}`, `New ${i}`]);
      // Whichever went second read what the first wrote: it answers the project as stored.
      assert.ok(edits.some((res) => JSON.stringify(res.body) === JSON.stringify(stored)), `round ${i}: ${JSON.stringify(edits.map((r) => r.body))}`);
    }
  });

  it("signs in once with a one-time code redeemed twice at the same moment", async () => {
    for (let i = 0; i < 8; i++) {
      const code = await loginCode(t);
      const redeemed = await Promise.all([redeem(t, code), redeem(t, code)]);
      assert.deepEqual(redeemed.map((res) => res.status).sort(), [200, 401], `round ${i}`);
    }
  });
});
