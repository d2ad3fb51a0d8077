/**
 * Who may see and touch what: agent A vs agent B's runs (404, never 403, and
 * nothing in B's lists), a workspace member vs someone else's agent and runs,
 * and a person outside a workspace (404 for all of it).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo, memberWithAgent, runIn, secondAgent, statusOf } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

describe("access", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  describe("agent A vs agent B", () => {
    let b: { id: string; token: string };
    before(async () => (b = await secondAgent(t, "Agent B")));

    for (const status of ["PENDING", "RUNNING"] as const) {
      it(`answers B 404 (never 403) for every call on A's ${status} run, and A's run is untouched`, async () => {
        const { runId } = await runIn(t, status);
        const calls: Array<[string, string, unknown?]> = [
          ["GET", ""], ["POST", "/start", { body: "mine now" }], ["POST", "/comment", { body: "hi" }], ["POST", "/heartbeat"],
          ["POST", "/complete", { body: "done", stepCostUsd: 1 }], ["POST", "/error", { body: "failed" }],
        ];
        for (const [method, suffix, body] of calls) {
          assertError(await t.agent(b.token, method, `/runs/${runId}${suffix}`, body), 404, "Run not found");
        }
        assert.equal(await statusOf(t, runId), status);
        const detail = (await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`)).body;
        assert.ok(detail.activity.every((a: { author: { name: string } }) => a.author.name !== "Agent B"));
      });
    }

    it("keeps A's runs out of B's run lists (any status filter) and A's tasks out of B's task list", async () => {
      const finished = await runIn(t, "FINISHED");
      const pending = await runIn(t, "PENDING");
      const mine = await delegateTo(t, (await createTask(t, { title: "B's own" })).id, b.id);
      for (const query of ["", "?status=PENDING", "?status=FINISHED", `?workspaceId=${t.creds.workspaceId}`]) {
        const res = await t.agent(b.token, "GET", `/runs${query}`);
        assertStatus(res, 200);
        const ids = res.body.map((r: { id: string }) => r.id);
        assert.ok(!ids.includes(finished.runId) && !ids.includes(pending.runId), query);
      }
      assert.deepEqual((await t.agent(b.token, "GET", "/runs")).body.map((r: { id: string }) => r.id), [mine.id]);
      const tasks = await t.agent(b.token, "GET", "/tasks?includeCompleted=true");
      assert.deepEqual(tasks.body.map((x: { id: string }) => x.id), [mine.taskId]);
      // A, for its part, does not see B's run.
      assertError(await t.agent(t.creds.agentToken, "GET", `/runs/${mine.id}`), 404, "Run not found");
    });

    it("shows B a task it shares with A, but only through B's own run", async () => {
      const task = await createTask(t, { title: "Shared by two agents" });
      const runA = await delegateTo(t, task.id);
      const runB = await delegateTo(t, task.id, b.id);
      assert.ok((await t.agent(b.token, "GET", "/tasks")).body.some((x: { id: string }) => x.id === task.id));
      assertStatus(await t.agent(b.token, "GET", `/runs/${runB.id}`), 200);
      assertError(await t.agent(b.token, "GET", `/runs/${runA.id}`), 404, "Run not found");
    });
  });

  describe("a workspace member vs the first owner's agent and runs", () => {
    let bob: { userId: string; ownerToken: string };
    before(async () => (bob = await t.hub.writer.run("addUser", { name: "Bob" })));

    it("lets the member see the shared workspace's tasks and runs", async () => {
      const { taskId, runId } = await runIn(t, "PENDING");
      assertStatus(await t.owner(bob.ownerToken, "GET", `/tasks/${taskId}`), 200);
      assertStatus(await t.owner(bob.ownerToken, "GET", `/runs/${runId}`), 200);
      assert.ok((await t.owner(bob.ownerToken, "GET", "/workspaces")).body.some((w: { id: string }) => w.id === t.creds.workspaceId));
    });

    it("answers 404 when the member delegates to the first owner's agent", async () => {
      const task = await createTask(t, { title: "Bob's task" }, bob.ownerToken);
      assertError(await t.owner(bob.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: t.creds.agentId }), 404, "Agent not found");
      assert.deepEqual((await t.owner(bob.ownerToken, "GET", `/tasks/${task.id}`)).body.runs, []);
    });

    it("creates no run when the member @mentions the first owner's agent", async () => {
      const task = await createTask(t, {}, bob.ownerToken);
      const res = await t.owner(bob.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "@OpenClaw Bot do it" });
      assertStatus(res, 201);
      assert.equal(res.body.runId, null);
      assert.deepEqual(res.body.runs, []);
    });

    it("answers 403 when the member stops someone else's run, and leaves it running", async () => {
      const { runId } = await runIn(t, "RUNNING");
      assertError(await t.owner(bob.ownerToken, "POST", `/runs/${runId}/stop`), 403, "Only the run's owner can stop it");
      assert.equal(await statusOf(t, runId), "RUNNING");
    });

    it("answers 403 when the member sends a follow-up to someone else's agent", async () => {
      const { runId } = await runIn(t, "FINISHED");
      assertError(await t.owner(bob.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "Mine now" }), 403, "Only the agent's creator can send it a follow-up");
    });

    it("hides the first owner's agents from the member: not listed, no rotate, no delete, no runs (404)", async () => {
      const agents = await t.owner(bob.ownerToken, "GET", "/agents");
      assert.deepEqual(agents.body, []);
      assertError(await t.owner(bob.ownerToken, "POST", `/agents/${t.creds.agentId}/token`), 404, "Agent not found");
      assertError(await t.owner(bob.ownerToken, "DELETE", `/agents/${t.creds.agentId}`), 404, "Agent not found");
      assertError(await t.owner(bob.ownerToken, "GET", `/agents/${t.creds.agentId}/runs`), 404, "Agent not found");
      assertStatus(await t.agent(t.creds.agentToken, "GET", "/me"), 200);
    });

    it("lets the first owner not stop the member's run either (403), while the member can (200)", async () => {
      const bobs = await t.owner(bob.ownerToken, "POST", "/agents", { name: "Bob Bot" });
      const task = await createTask(t, {}, bob.ownerToken);
      const run = await delegateTo(t, task.id, bobs.body.id, bob.ownerToken);
      assertError(await t.owner(t.creds.ownerToken, "POST", `/runs/${run.id}/stop`), 403, "Only the run's owner can stop it");
      assert.equal((await t.owner(bob.ownerToken, "POST", `/runs/${run.id}/stop`)).body.status, "STOPPED");
    });
  });

  describe("a person taken out of the workspace", () => {
    it("no longer reads its tasks through their agent: the run's detail is 404 and the task leaves the agent's task list, the stop stays in its run list", async () => {
      const { ws, prj, member: gil, bot } = await memberWithAgent(t, "Gil");
      const task = await createTask(t, { projectId: prj, title: "Roadmap" }, gil.ownerToken);
      const run = await delegateTo(t, task.id, bot.id, gil.ownerToken);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${run.id}/start`, {}), 200);
      assert.equal((await t.agent(bot.token, "GET", `/runs/${run.id}`)).body.task.title, "Roadmap");

      assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws}/members/${gil.userId}`)).status, 204);
      // What the workspace writes after Gil left is none of Gil's business.
      assertStatus(await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${task.id}`, { title: "Secret roadmap", description: "After Gil" }), 200);
      assertStatus(await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.id}/comments`, { body: "Said after Gil left" }), 201);

      assertError(await t.agent(bot.token, "GET", `/runs/${run.id}`), 404, "Run not found");
      const tasks = await t.agent(bot.token, "GET", "/tasks?includeCompleted=true");
      assertStatus(tasks, 200);
      assert.ok(!tasks.body.some((x: { id: string }) => x.id === task.id));
      // Nor through the agent's run history on their own page (the task's title there is the workspace's news).
      const history = await t.owner(gil.ownerToken, "GET", `/agents/${bot.id}/runs`);
      assertStatus(history, 200);
      assert.deepEqual(history.body, []);
      // The agent still hears that its run was stopped, and can end nothing there.
      const runs = await t.agent(bot.token, "GET", "/runs?status=STOPPED");
      assert.deepEqual(runs.body.map((r: { id: string }) => r.id), [run.id]);
      assertError(await t.agent(bot.token, "POST", `/runs/${run.id}/complete`, { body: "Done" }), 409, "Cannot complete a run that is STOPPED", { status: "STOPPED" });
    });

    it("still sees its agent's runs there listed, with a neutral title in place of the task's title, prompt and follow-up", async () => {
      const { ws, prj, member: hal, bot } = await memberWithAgent(t, "Hal");
      const task = await createTask(t, { projectId: prj, title: "Budget", description: "Numbers for Q3" }, hal.ownerToken);
      const finished = await delegateTo(t, task.id, bot.id, hal.ownerToken);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${finished.id}/start`, {}), 200);
      assertStatus(await t.agent(bot.token, "POST", `/runs/${finished.id}/complete`, { body: "Done" }), 200);
      assertStatus(await t.owner(hal.ownerToken, "POST", `/runs/${finished.id}/follow-up`, { message: "Also Q4 budget" }), 201);
      const listed = async (query: string) => (await t.agent(bot.token, "GET", `/runs${query}`)).body as
        { id: string; workspaceId: string; taskTitle: string; prompt: string; lastFollowUpMessage: string | null }[];
      assert.equal((await listed("")).find((r) => r.id === finished.id)?.taskTitle, "Budget");

      assert.equal((await t.owner(hal.ownerToken, "DELETE", `/workspaces/${ws}/members/${hal.userId}`)).status, 204);
      assertStatus(await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${task.id}`, { title: "Layoffs", description: "Who goes" }), 200);

      const neutral = "A task in a workspace you are no longer in";
      // The finished run and the follow-up, stopped as Hal left: both still there, neither saying what the task is.
      assert.equal((await listed("")).length, 2);
      for (const query of ["", "?status=FINISHED", "?status=STOPPED", `?workspaceId=${ws}`]) {
        const runs = await listed(query);
        assert.ok(runs.length > 0, query);
        for (const run of runs) {
          assert.equal(run.workspaceId, ws);
          assert.equal(run.taskTitle, neutral, query);
          assert.equal(run.prompt, neutral, query);
          assert.equal(run.lastFollowUpMessage, null, query);
          assert.doesNotMatch(JSON.stringify(run), /Budget|Layoffs|Q3|Q4|Who goes/, query);
        }
      }
      assertError(await t.agent(bot.token, "GET", `/runs/${finished.id}`), 404, "Run not found");
    });
  });

  describe("a person outside the workspace", () => {
    let outsider: { userId: string; ownerToken: string };
    let ws: string;
    let prj: string;
    let taskId: string;
    let runId: string;

    before(async () => {
      // An added person joins the hub's first workspace only; the owner's second one is outside her reach.
      outsider = await t.hub.writer.run("addUser", { name: "Olive" });
      ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Private" })).body.id;
      prj = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Secret" }, { "x-workspace-id": ws })).body.id;
      taskId = (await createTask(t, { projectId: prj, title: "Secret task" })).id;
      runId = (await delegateTo(t, taskId)).id;
    });

    it("gets 404 for the workspace's tasks, runs and projects, whatever the verb", async () => {
      const o = outsider.ownerToken;
      assertError(await t.owner(o, "GET", `/tasks/${taskId}`), 404, "Task not found");
      assertError(await t.owner(o, "PATCH", `/tasks/${taskId}`, { title: "Mine" }), 404, "Task not found");
      assertError(await t.owner(o, "POST", `/tasks/${taskId}/comments`, { body: "hello" }), 404, "Task not found");
      assertError(await t.owner(o, "POST", `/tasks/${taskId}/delegate`, { agentId: t.creds.agentId }), 404, "Task not found");
      assertError(await t.owner(o, "GET", `/runs/${runId}`), 404, "Run not found");
      assertError(await t.owner(o, "POST", `/runs/${runId}/stop`), 404, "Run not found");
      assertError(await t.owner(o, "POST", `/runs/${runId}/follow-up`, { message: "x" }), 404, "Run not found");
      assertError(await t.owner(o, "GET", "/projects", undefined, { "x-workspace-id": ws }), 404, "Workspace not found");
      assertError(await t.owner(o, "POST", "/projects", { name: "Mine" }, { "x-workspace-id": ws }), 404, "Workspace not found");
      assertError(await t.owner(o, "POST", "/tasks", { projectId: prj, title: "Sneaky" }), 404, "Project not found");
      assertError(await t.owner(o, "POST", `/workspaces/${ws}/members`, { userId: outsider.userId }), 404, "Workspace not found");
      assert.equal(await statusOf(t, runId), "PENDING");
    });

    it("does not list the workspace or its tasks", async () => {
      const workspaces = await t.owner(outsider.ownerToken, "GET", "/workspaces");
      assert.ok(!workspaces.body.some((w: { id: string }) => w.id === ws));
      assert.deepEqual((await t.owner(outsider.ownerToken, "GET", `/tasks?workspaceId=${ws}`)).body, []);
      assert.deepEqual((await t.owner(outsider.ownerToken, "GET", `/tasks?projectId=${prj}`)).body, []);
      assert.ok(!(await t.owner(outsider.ownerToken, "GET", "/tasks")).body.some((x: { id: string }) => x.id === taskId));
    });
  });
});
