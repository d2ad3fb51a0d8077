/**
 * POST /runs/:id/retry: an ended run run again, as a new PENDING run of the same agent on the same task with the
 * same prompt and follow-up message, saying what it retried (retryOf); delegate's rules on who may, and its 409s.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo, runIn, secondAgent } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { CSRF, signIn, withCookie } from "../web/support/session.ts";

describe("POST /runs/:id/retry", () => {
  let t: TestHub;
  before(async () => (t = await startTestHub()));
  after(() => t.close());

  const retry = (runId: string, token = t.creds.ownerToken, headers: Record<string, string> = {}) =>
    t.owner(token, "POST", `/runs/${runId}/retry`, undefined, headers);
  const runsOfTask = async (taskId: string) => (await t.owner(t.creds.ownerToken, "GET", `/tasks/${taskId}`)).body.runs as Array<Record<string, unknown>>;

  /** A member of the hub's workspace (`hub user add` makes one), with an agent of their own. */
  async function member(name: string) {
    const user = await t.hub.writer.run("addUser", { name });
    return { ...user, bot: await secondAgent(t, `${name} Bot`, user.ownerToken) };
  }

  for (const status of ["FINISHED", "ERROR", "STOPPED"] as const) {
    it(`runs a ${status} run again: a PENDING run of the same agent on the same task with the same prompt, retryOf it, in the task's feed`, async () => {
      const task = await createTask(t, { title: `Retry ${status}`, description: "Build it" });
      const first = await delegateTo(t, task.id, t.creds.agentId, t.creds.ownerToken, "Build the release notes");
      const step = async (path: string, by: "agent" | "owner") => assertStatus(await (by === "agent"
        ? t.agent(t.creds.agentToken, "POST", `/runs/${first.id}/${path}`, { body: "x" })
        : t.owner(t.creds.ownerToken, "POST", `/runs/${first.id}/${path}`)), 200);
      if (status !== "STOPPED") await step("start", "agent");
      if (status === "FINISHED") await step("complete", "agent");
      if (status === "ERROR") await step("error", "agent");
      if (status === "STOPPED") await step("stop", "owner");

      const res = await retry(first.id);
      assertStatus(res, 201);
      const run = res.body;
      assert.notEqual(run.id, first.id);
      assert.deepEqual(
        { status: run.status, taskId: run.taskId, agent: run.agent, owner: run.owner, prompt: run.prompt, lastFollowUpMessage: run.lastFollowUpMessage, retryOf: run.retryOf },
        { status: "PENDING", taskId: task.id, agent: first.agent, owner: first.owner, prompt: "Build the release notes", lastFollowUpMessage: null, retryOf: first.id },
      );
      assert.deepEqual(Object.keys(run).sort(), [...Object.keys(first), "retryOf"].sort());
      // Every owner's view of the runs says what the new one retried, and that the others retried nothing.
      const detail = (await t.owner(t.creds.ownerToken, "GET", `/runs/${run.id}`)).body;
      assert.equal(detail.retryOf, first.id);
      assert.equal((await t.owner(t.creds.ownerToken, "GET", `/runs/${first.id}`)).body.retryOf, null);
      assert.deepEqual((await runsOfTask(task.id)).map((r) => [r.id, r.status, r.retryOf]), [[first.id, status, null], [run.id, "PENDING", first.id]]);
      const listed = (await t.owner(t.creds.ownerToken, "GET", "/runs?status=PENDING")).body.runs as Array<{ id: string; retryOf: string | null }>;
      assert.equal(listed.find((r) => r.id === run.id)?.retryOf, first.id);
      const ofAgent = (await t.owner(t.creds.ownerToken, "GET", `/agents/${t.creds.agentId}/runs`)).body as Array<{ id: string; retryOf: string | null }>;
      assert.equal(ofAgent.find((r) => r.id === run.id)?.retryOf, first.id);
      const said = (detail.activity as Array<{ runId: string; to: string; body: string; author: { id: string } }>).filter((a) => a.runId === run.id);
      assert.deepEqual(said.map((a) => [a.to, a.body, a.author.id]), [["PENDING", "Retry for OpenClaw Bot", t.creds.ownerId]]);
    });
  }

  it("gives a retried follow-up the same message: the agent picks it up over the agent API with the same prompt, in the shape it always had", async () => {
    const { runId } = await runIn(t, "FINISHED");
    const followed = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "Now the changelog" });
    assertStatus(followed, 201);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${followed.body.id}/start`, {}), 200);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${followed.body.id}/error`, { body: "Model outage" }), 200);

    const res = await retry(followed.body.id);
    assertStatus(res, 201);
    assert.equal(res.body.prompt, "Now the changelog");
    assert.equal(res.body.lastFollowUpMessage, "Now the changelog");
    const pending = (await t.agent(t.creds.agentToken, "GET", "/runs?status=PENDING")).body as Array<Record<string, unknown>>;
    const picked = pending.find((r) => r.id === res.body.id);
    assert.ok(picked, "the agent's queue holds the retried run");
    assert.equal(picked.prompt, "Now the changelog");
    assert.equal(picked.lastFollowUpMessage, "Now the changelog");
    assert.equal("retryOf" in picked, false);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${res.body.id}/start`, {}), 200);
    const seen = (await t.agent(t.creds.agentToken, "GET", `/runs/${res.body.id}`)).body;
    assert.equal(seen.prompt, "Now the changelog");
    assert.equal(seen.status, "RUNNING");
    assert.equal("retryOf" in seen, false);
  });

  it("refuses a run that has not ended (409 with its status), and one whose agent has a run going on the task already (409)", async () => {
    for (const status of ["PENDING", "RUNNING"] as const) {
      const { runId } = await runIn(t, status);
      assertError(await retry(runId), 409, `Cannot retry a run that is ${status}`, { status });
    }
    const { taskId, runId } = await runIn(t, "ERROR");
    assertStatus(await retry(runId), 201);
    assertError(await retry(runId), 409, "OpenClaw Bot already has a pending or running run on this task");
    assert.equal((await runsOfTask(taskId)).length, 2);
  });

  it("is the agent's creator's alone: another member of the workspace gets 403, someone outside it or an unknown run 404", async () => {
    const { runId } = await runIn(t, "ERROR");
    const other = await member("Rosa");
    assertError(await retry(runId, other.ownerToken), 403, "Only the agent's creator can retry its run");
    const stranger = await member("Stan");
    assertStatus(await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${t.creds.workspaceId}/members/${stranger.userId}`), 204);
    assertError(await retry(runId, stranger.ownerToken), 404, "Run not found");
    assertError(await retry("run_unknown"), 404, "Run not found");
    // Rosa's own run in the same workspace is hers to retry, and not the workspace owner's.
    const task = await createTask(t, { title: "Rosa's" });
    const hers = await delegateTo(t, task.id, other.bot.id, other.ownerToken);
    assertStatus(await t.owner(other.ownerToken, "POST", `/runs/${hers.id}/stop`), 200);
    assertError(await retry(hers.id), 403, "Only the agent's creator can retry its run");
    const again = await retry(hers.id, other.ownerToken);
    assertStatus(again, 201);
    assert.deepEqual([again.body.owner.id, again.body.agent.id, again.body.retryOf], [other.userId, other.bot.id, hers.id]);
  });

  it("is not found once the caller has left the task's workspace, or the task is deleted", async () => {
    const leaver = await member("Lee");
    const task = await createTask(t, { title: "Lee's" });
    const run = await delegateTo(t, task.id, leaver.bot.id, leaver.ownerToken);
    assertStatus(await t.owner(leaver.ownerToken, "POST", `/runs/${run.id}/stop`), 200);
    assertStatus(await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${t.creds.workspaceId}/members/${leaver.userId}`), 204);
    assertError(await retry(run.id, leaver.ownerToken), 404, "Run not found");

    const { taskId, runId } = await runIn(t, "FINISHED");
    assertStatus(await t.owner(t.creds.ownerToken, "DELETE", `/tasks/${taskId}`), 204);
    assertError(await retry(runId), 404, "Run not found");
  });

  it("refuses the run of a deleted agent with 409, saying to delegate to another", async () => {
    const bot = await secondAgent(t, "Gone Bot");
    const { runId } = await runIn(t, "ERROR", { agentId: bot.id, agentToken: bot.token });
    assertStatus(await t.owner(t.creds.ownerToken, "DELETE", `/agents/${bot.id}`), 204);
    assertError(await retry(runId), 409, "Gone Bot was deleted; delegate the task to another agent");
  });

  it("honours Idempotency-Key (the same key answers the same run, and adds none), takes a session with its CSRF header, and refuses a body with fields", async () => {
    const { taskId, runId } = await runIn(t, "ERROR");
    const key = { "idempotency-key": "retry-once" };
    const first = await retry(runId, t.creds.ownerToken, key);
    assertStatus(first, 201);
    const replay = await retry(runId, t.creds.ownerToken, key);
    assertStatus(replay, 201);
    assert.deepEqual(replay.body, first.body);
    assert.equal((await runsOfTask(taskId)).length, 2);

    const { runId: stopped } = await runIn(t, "STOPPED");
    const cookie = await signIn(t);
    assertError(await withCookie(t, cookie, "POST", `/runs/${stopped}/retry`, undefined, {}), 403);
    const viaSession = await withCookie(t, cookie, "POST", `/runs/${stopped}/retry`, undefined, CSRF);
    assertStatus(viaSession, 201);
    assert.equal(viaSession.body.retryOf, stopped);

    const { runId: finished } = await runIn(t, "FINISHED");
    assertError(await t.owner(t.creds.ownerToken, "POST", `/runs/${finished}/retry`, { prompt: "other" }), 400);
  });
});
