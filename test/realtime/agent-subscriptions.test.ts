import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import { delegatedRun, startTestHub, type TestHub } from "../support/hub.ts";
import { eventually, ids, Recorder, stockClient } from "./support.ts";

const pendingRuns = anyApi.agentWebSocket!.pendingRuns!;
const stoppedRuns = anyApi.agentWebSocket!.stoppedRuns!;

describe("agents subscribe with the stock convex client", () => {
  let t: TestHub;
  let clients: ConvexClient[] = [];
  const client = (url = t.baseUrl) => {
    const c = stockClient(url);
    clients.push(c);
    return c;
  };

  /** A second agent of the same owner, with its own token. */
  async function newAgent(name: string): Promise<{ id: string; token: string }> {
    const res = await t.owner(t.creds.ownerToken, "POST", "/agents", { name });
    assert.equal(res.status, 201);
    return { id: res.body.id, token: res.body.token };
  }

  async function delegateTo(agentId: string, title: string): Promise<string> {
    const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title });
    const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.body.id}/delegate`, { agentId });
    assert.equal(run.status, 201);
    return run.body.id;
  }

  before(async () => (t = await startTestHub()));
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });
  after(() => t.close());

  it("gets the pending list, then each delegate, then the list shrinks on start, in the GET /runs shape", async () => {
    const agent = await newAgent("Subscriber");
    const runs = new Recorder(client(), pendingRuns, { token: agent.token });
    assert.deepEqual(await runs.until(() => true), []);

    const first = await delegateTo(agent.id, "First");
    await runs.until((v) => ids(v).includes(first));
    const second = await delegateTo(agent.id, "Second");
    const both = await runs.until((v) => ids(v).length === 2);
    assert.deepEqual(ids(both), [first, second], "oldest first");

    const viaHttp = await t.agent(agent.token, "GET", "/runs?status=PENDING");
    assert.deepEqual(both, viaHttp.body, "same items as GET /runs?status=PENDING");

    assert.equal((await t.agent(agent.token, "POST", `/runs/${first}/start`, {})).status, 200);
    assert.deepEqual(ids(await runs.until((v) => ids(v).length === 1)), [second]);
    assert.equal(runs.errors.length, 0);
  });

  it("bounds the pending list to about a megabyte, oldest first, and brings the next runs in as the first ones start", async () => {
    const agent = await newAgent("Backlogged");
    const runs = new Recorder(client(), pendingRuns, { token: agent.token });
    assert.deepEqual(await runs.until(() => true), []);
    // Twelve runs with prompts of 190,000 characters: 2.3 MB in all; five fit in a result.
    const delegated: string[] = [];
    for (let i = 0; i < 12; i++) {
      const task = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: `Long ${i}` });
      const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${task.body.id}/delegate`, { agentId: agent.id, prompt: `${i} ${"p".repeat(190_000)}` });
      assert.equal(run.status, 201);
      delegated.push(run.body.id);
    }
    const first = await runs.until((v) => ids(v).includes(delegated[4]!));
    assert.deepEqual(ids(first), delegated.slice(0, 5));
    const viaHttp = await t.agent(agent.token, "GET", "/runs?status=PENDING&limit=5");
    assert.deepEqual(first, viaHttp.body, "the same items as GET /runs, whole");

    for (const runId of delegated.slice(0, 3)) assert.equal((await t.agent(agent.token, "POST", `/runs/${runId}/start`, {})).status, 200);
    assert.deepEqual(ids(await runs.until((v) => ids(v)[0] === delegated[3] && ids(v).length === 5)), delegated.slice(3, 8));
    assert.equal(runs.errors.length, 0);
  });

  it("pushes the new title when the owner renames a pending run's task, as GET /runs shows it", async () => {
    const agent = await newAgent("Rename Watcher");
    const runs = new Recorder(client(), pendingRuns, { token: agent.token });
    const runId = await delegateTo(agent.id, "Original title");
    await runs.until((v) => ids(v).includes(runId));
    const taskId = (await t.agent(agent.token, "GET", `/runs/${runId}`)).body.taskId;
    assert.equal((await t.owner(t.creds.ownerToken, "PATCH", `/tasks/${taskId}`, { title: "Renamed title" })).status, 200);
    const renamed = await runs.until((v) => (v as { taskTitle: string }[]).some((r) => r.taskTitle === "Renamed title"));
    assert.deepEqual(renamed, (await t.agent(agent.token, "GET", "/runs?status=PENDING")).body);
  });

  it("pushes only real changes: a write that leaves the list as it was sends nothing", async () => {
    const agent = await newAgent("Quiet");
    const runs = new Recorder(client(), pendingRuns, { token: agent.token });
    await runs.until(() => true);
    const first = await delegateTo(agent.id, "One");
    await runs.until((v) => ids(v).includes(first));
    await t.agent(agent.token, "POST", `/runs/${first}/start`, {});
    await runs.until((v) => ids(v).length === 0);
    // Completing a RUNNING run touches the agent but not its pending list.
    assert.equal((await t.agent(agent.token, "POST", `/runs/${first}/complete`, { body: "done" })).status, 200);
    const second = await delegateTo(agent.id, "Two");
    await runs.until((v) => ids(v).includes(second));
    assert.deepEqual(runs.values.map(ids), [[], [first], [], [second]]);
  });

  it("shows a stopped run in stoppedRuns, newest first, on the same connection as pendingRuns", async () => {
    const agent = await newAgent("Stoppable");
    const c = client();
    const pending = new Recorder(c, pendingRuns, { token: agent.token });
    const stopped = new Recorder(c, stoppedRuns, { token: agent.token });
    assert.deepEqual(await stopped.until(() => true), []);
    const a = await delegateTo(agent.id, "Stop A");
    const b = await delegateTo(agent.id, "Stop B");
    await pending.until((v) => ids(v).length === 2);
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${a}/stop`, {})).status, 200);
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/runs/${b}/stop`, {})).status, 200);
    const both = await stopped.until((v) => ids(v).length === 2);
    assert.deepEqual(ids(both), [b, a]);
    assert.ok((both as { status: string }[]).every((r) => r.status === "STOPPED"));
    await pending.until((v) => ids(v).length === 0);
    // Sockets of earlier tests may still be closing on the hub's side.
    await eventually(() => t.hub.realtime.connections === 1, "one socket carrying both queries");
  });

  it("shows a run stopped as its agent's creator left the workspace in stoppedRuns, titled as GET /runs titles it, not by its task", async () => {
    const ws = (await t.owner(t.creds.ownerToken, "POST", "/workspaces", { name: "Left" })).body.id;
    const prj = (await t.owner(t.creds.ownerToken, "POST", "/projects", { name: "Plans" }, { "x-workspace-id": ws })).body.id;
    const ivy = await t.hub.writer.run("addUser", { name: "Ivy" });
    assert.equal((await t.owner(t.creds.ownerToken, "POST", `/workspaces/${ws}/members`, { userId: ivy.userId })).status, 201);
    const bot = (await t.owner(ivy.ownerToken, "POST", "/agents", { name: "Ivy Bot" })).body;
    const task = (await t.owner(ivy.ownerToken, "POST", "/tasks", { projectId: prj, title: "Merger", description: "Terms" })).body;
    const run = (await t.owner(ivy.ownerToken, "POST", `/tasks/${task.id}/delegate`, { agentId: bot.id })).body;
    const stopped = new Recorder(client(), stoppedRuns, { token: bot.token });
    assert.deepEqual(await stopped.until(() => true), []);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/workspaces/${ws}/members/${ivy.userId}`)).status, 204);
    const [item] = (await stopped.until((v) => ids(v).length === 1)) as { id: string; taskTitle: string; prompt: string }[];
    assert.deepEqual([item!.id, item!.taskTitle, item!.prompt], [run.id, "A task in a workspace you are no longer in", "A task in a workspace you are no longer in"]);
    assert.deepEqual((await t.agent(bot.token, "GET", "/runs?status=STOPPED")).body, [item]);
  });

  it("fails a bad token with UNAUTHORIZED in onError, and the hub and other clients go on", async () => {
    const bad = new Recorder(client(), pendingRuns, { token: "gca_not_a_real_token" });
    const error = await bad.untilError();
    assert.deepEqual(error.data, { code: "UNAUTHORIZED" });
    assert.match(error.message, /Invalid agent token/);

    const good = new Recorder(client(), pendingRuns, { token: t.creds.agentToken });
    await good.until(() => true);
    const { runId } = await delegatedRun(t, "After a bad token");
    await good.until((v) => ids(v).includes(runId));
    assert.equal(bad.values.length, 0);
  });

  it("answers a bad or missing argument and an unknown function with a coded error", async () => {
    const c = client();
    const missing = new Recorder(c, pendingRuns, {});
    const unknown = new Recorder(c, anyApi.agentWebSocket!.nope!, { token: t.creds.agentToken });
    assert.deepEqual((await missing.untilError()).data, { code: "BAD_REQUEST" });
    assert.deepEqual((await unknown.untilError()).data, { code: "NOT_FOUND" });
    await assert.rejects(c.mutation(anyApi.agentWebSocket!.claimRun!, { token: t.creds.agentToken }), /serves no mutation/);
    await assert.rejects(c.action(anyApi.agentWebSocket!.work!, {}), /serves no action/);
  });

  it("never shows one agent another agent's runs", async () => {
    const a = await newAgent("Agent A");
    const b = await newAgent("Agent B");
    const seenByA = new Recorder(client(), pendingRuns, { token: a.token });
    const seenByB = new Recorder(client(), pendingRuns, { token: b.token });
    await seenByA.until(() => true);
    await seenByB.until(() => true);
    const forA = await delegateTo(a.id, "For A");
    const forB = await delegateTo(b.id, "For B");
    await seenByA.until((v) => ids(v).includes(forA));
    await seenByB.until((v) => ids(v).includes(forB));
    assert.ok(seenByA.values.every((v) => !ids(v).includes(forB)));
    assert.ok(seenByB.values.every((v) => !ids(v).includes(forA)));
  });

  it("answers client.query once, without a subscription", async () => {
    const agent = await newAgent("One-shot");
    const runId = await delegateTo(agent.id, "Query me");
    const c = client();
    assert.deepEqual(ids(await c.query(pendingRuns, { token: agent.token })), [runId]);
    assert.deepEqual(await c.query(stoppedRuns, { token: agent.token }), []);
    await assert.rejects(c.query(pendingRuns, { token: "gca_wrong" }), (e: Error & { data?: unknown }) => {
      assert.deepEqual(e.data, { code: "UNAUTHORIZED" });
      return true;
    });
  });

  it("cuts a rotated token off at once, and the new token works", async () => {
    const agent = await newAgent("Rotated");
    const old = new Recorder(client(), pendingRuns, { token: agent.token });
    await old.until(() => true);
    const rotated = await t.owner(t.creds.ownerToken, "POST", `/agents/${agent.id}/token`, {});
    assert.equal(rotated.status, 201);
    assert.deepEqual((await old.untilError()).data, { code: "UNAUTHORIZED" });
    const fresh = new Recorder(client(), pendingRuns, { token: rotated.body.token });
    assert.deepEqual(await fresh.until(() => true), []);
  });

  it("cuts a deleted agent off at once", async () => {
    const agent = await newAgent("Deleted");
    const c = client();
    const pending = new Recorder(c, pendingRuns, { token: agent.token });
    const stopped = new Recorder(c, stoppedRuns, { token: agent.token });
    await pending.until(() => true);
    await stopped.until(() => true);
    assert.equal((await t.owner(t.creds.ownerToken, "DELETE", `/agents/${agent.id}`)).status, 204);
    assert.deepEqual((await pending.untilError()).data, { code: "UNAUTHORIZED" });
    assert.deepEqual((await stopped.untilError()).data, { code: "UNAUTHORIZED" });
  });

  it("works with a trailing slash in the deployment URL", async () => {
    const runs = new Recorder(client(`${t.baseUrl}/`), pendingRuns, { token: t.creds.agentToken });
    await runs.until(() => true);
    const { runId } = await delegatedRun(t, "Trailing slash");
    await runs.until((v) => ids(v).includes(runId));
  });
});
