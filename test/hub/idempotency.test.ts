/**
 * Idempotency-Key on POSTs: the same key with the same body replays the first
 * response (and does nothing twice), a different body is refused with 422, and
 * keys belong to their caller.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, runIn, secondAgent } from "../support/api.ts";
import { startTestHub, BACKENDS, type TestHub } from "../support/hub.ts";

for (const backend of BACKENDS) describe(`idempotency (${backend.label})`, () => {
  let t: TestHub;
  before(async () => (t = await startTestHub(backend.options)));
  after(() => t.close());

  const key = (k: string) => ({ "idempotency-key": k });
  const comments = async (runId: string) =>
    (await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`)).body.activity.filter((a: { type: string }) => a.type === "comment");

  it("replays an agent comment: same status and body, Idempotent-Replayed: true, and one comment in the feed", async () => {
    const { runId } = await runIn(t, "RUNNING");
    const before = (await comments(runId)).length;
    const first = await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "Halfway there" }, key("comment-1"));
    assertStatus(first, 201);
    assert.equal(first.headers.get("idempotent-replayed"), null);
    const again = await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "Halfway there" }, key("comment-1"));
    assertStatus(again, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(again.body, first.body);
    assert.equal((await comments(runId)).length, before + 1);
  });

  it("replays a start instead of answering 409 for the retry of a start that already won", async () => {
    const { runId } = await runIn(t, "PENDING");
    const first = await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, { body: "Starting" }, key("start-1"));
    assertStatus(first, 200);
    const again = await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, { body: "Starting" }, key("start-1"));
    assertStatus(again, 200);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(again.body, first.body);
    // Without the key, the same call is a second start.
    assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, { body: "Starting" }), 409, "Cannot start a run that is RUNNING", { status: "RUNNING" });
  });

  it("replays owner POSTs: one task created, one run delegated", async () => {
    const body = { projectId: t.creds.projectId, title: "Idempotent task" };
    const first = await t.owner(t.creds.ownerToken, "POST", "/tasks", body, key("task-1"));
    const again = await t.owner(t.creds.ownerToken, "POST", "/tasks", body, key("task-1"));
    assertStatus(again, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(again.body, first.body);
    const listed = (await t.owner(t.creds.ownerToken, "GET", `/tasks?projectId=${t.creds.projectId}&limit=500`)).body;
    assert.equal(listed.filter((x: { title: string }) => x.title === "Idempotent task").length, 1);

    const delegate = { agentId: t.creds.agentId };
    const run = await t.owner(t.creds.ownerToken, "POST", `/tasks/${first.body.id}/delegate`, delegate, key("delegate-1"));
    assertStatus(run, 201);
    const rerun = await t.owner(t.creds.ownerToken, "POST", `/tasks/${first.body.id}/delegate`, delegate, key("delegate-1"));
    assertStatus(rerun, 201);
    assert.equal(rerun.body.id, run.body.id);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/tasks/${first.body.id}`)).body.runs.length, 1);
  });

  it("replays a POST whose retry was sent with the path's slashes repeated (/api/v1//tasks): it is the same route", async () => {
    const body = { projectId: t.creds.projectId, title: "Slashed task" };
    const first = await t.owner(t.creds.ownerToken, "POST", "/tasks", body, key("task-slashes"));
    assertStatus(first, 201);
    const again = await t.owner(t.creds.ownerToken, "POST", "//tasks", body, key("task-slashes"));
    assertStatus(again, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(again.body, first.body);
  });

  it("answers 422 for the same key with a different body or on another route, and changes nothing", async () => {
    const { runId } = await runIn(t, "RUNNING");
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "one" }, key("reuse")), 201);
    const before = (await comments(runId)).length;
    assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "two" }, key("reuse")), 422, "Idempotency-Key was already used with a different request");
    assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/complete`, { body: "one" }, key("reuse")), 422, "Idempotency-Key was already used with a different request");
    const other = await runIn(t, "RUNNING");
    assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${other.runId}/comment`, { body: "one" }, key("reuse")), 422, "Idempotency-Key was already used with a different request");
    assert.equal((await comments(runId)).length, before);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`)).body.status, "RUNNING");
  });

  it("answers 422 for a key reused to create a project in another workspace, and creates none there", async () => {
    const owner = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      t.owner(t.creds.ownerToken, method, path, body, headers);
    const other = await owner("POST", "/workspaces", { name: "Second workspace" });
    assertStatus(other, 201);
    const create = (workspaceId: string) => owner("POST", "/projects", { name: "Roadmap" }, { ...key("project-key"), "x-workspace-id": workspaceId });
    assertStatus(await create(t.creds.workspaceId), 201);
    assertError(await create(other.body.id), 422, "Idempotency-Key was already used with a different request");
    const projects = await owner("GET", "/projects", undefined, { "x-workspace-id": other.body.id });
    assert.deepEqual(projects.body.map((p: { name: string }) => p.name).filter((n: string) => n === "Roadmap"), []);
    const replay = await create(t.creds.workspaceId);
    assertStatus(replay, 201);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
  });

  it("keeps keys per caller: another agent, the owner and another person may use the same key", async () => {
    const b = await secondAgent(t, "Key Bot");
    const mine = await runIn(t, "RUNNING");
    const theirs = await runIn(t, "RUNNING", { agentId: b.id, agentToken: b.token });
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${mine.runId}/comment`, { body: "same" }, key("shared")), 201);
    const other = await t.agent(b.token, "POST", `/runs/${theirs.runId}/comment`, { body: "same" }, key("shared"));
    assertStatus(other, 201);
    assert.equal(other.headers.get("idempotent-replayed"), null);
    assert.equal(other.body.runId, theirs.runId);

    const body = { projectId: t.creds.projectId, title: "Same key, two people" };
    const bob = await t.hub.writer.run("addUser", { name: "Bob" });
    const a = await t.owner(t.creds.ownerToken, "POST", "/tasks", body, key("shared"));
    const c = await t.owner(bob.ownerToken, "POST", "/tasks", body, key("shared"));
    assertStatus(a, 201);
    assertStatus(c, 201);
    assert.equal(c.headers.get("idempotent-replayed"), null);
    assert.notEqual(c.body.id, a.body.id);
    assert.equal(c.body.creator.id, bob.userId);
  });

  it("does not remember a refused request: the same key works once the run allows it", async () => {
    const { runId } = await runIn(t, "PENDING");
    assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "early" }, key("early")), 409, "Cannot comment on a run that is PENDING", { status: "PENDING" });
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/start`, {}), 200);
    const later = await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "early" }, key("early"));
    assertStatus(later, 201);
    assert.equal(later.headers.get("idempotent-replayed"), null);
  });

  it("answers two concurrent requests with the same key and body with one write and the same response", async () => {
    const { runId } = await runIn(t, "RUNNING");
    const before = (await comments(runId)).length;
    const send = () => t.agent(t.creds.agentToken, "POST", `/runs/${runId}/comment`, { body: "racing" }, key("race"));
    const [x, y] = await Promise.all([send(), send()]);
    assertStatus(x, 201);
    assertStatus(y, 201);
    assert.deepEqual(x.body, y.body);
    assert.deepEqual([x.headers.get("idempotent-replayed"), y.headers.get("idempotent-replayed")].sort(), ["true", null].sort());
    assert.equal((await comments(runId)).length, before + 1);
  });

  it("replays a follow-up: one new run, not a 409 for the retry", async () => {
    const { taskId, runId } = await runIn(t, "FINISHED");
    const first = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "More" }, key("fu"));
    const again = await t.owner(t.creds.ownerToken, "POST", `/runs/${runId}/follow-up`, { message: "More" }, key("fu"));
    assertStatus(first, 201);
    assertStatus(again, 201);
    assert.equal(again.body.id, first.body.id);
    assert.equal((await t.owner(t.creds.ownerToken, "GET", `/tasks/${taskId}`)).body.runs.length, 2);
  });

  it("never stores a token it showed once: a retried agent creation or rotation answers 409, makes nothing twice, and the token works", async () => {
    const first = await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Once Bot" }, key("agent-once"));
    assertStatus(first, 201);
    const again = await t.owner(t.creds.ownerToken, "POST", "/agents", { name: "Once Bot" }, key("agent-once"));
    assertError(again, 409, "This request already succeeded; the token it made is shown only once. Rotate the agent's token to get a new one.");
    assert.equal(JSON.stringify(again.body).includes(first.body.token), false);
    const agents = (await t.owner(t.creds.ownerToken, "GET", "/agents")).body as { name: string }[];
    assert.equal(agents.filter((a) => a.name === "Once Bot").length, 1);
    assertStatus(await t.agent(first.body.token, "GET", "/me"), 200);

    const rotated = await t.owner(t.creds.ownerToken, "POST", `/agents/${first.body.id}/token`, undefined, key("rotate-once"));
    assertStatus(rotated, 201);
    assertError(await t.owner(t.creds.ownerToken, "POST", `/agents/${first.body.id}/token`, undefined, key("rotate-once")), 409, "This request already succeeded; the token it made is shown only once. Rotate the agent's token to get a new one.");
    assertStatus(await t.agent(rotated.body.token, "GET", "/me"), 200); // the retry rotated nothing
    // At rest: no stored response holds either token.
    const stored = await t.database().all<{ response_body: string }>("SELECT response_body FROM idempotency_keys");
    for (const token of [first.body.token, rotated.body.token]) assert.equal(stored.some((r) => r.response_body.includes(token)), false);
  });
});
