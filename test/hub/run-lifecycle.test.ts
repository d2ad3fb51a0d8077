import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { delegatedRun, startTestHub, BACKENDS, type TestHub } from "../support/hub.ts";

for (const backend of BACKENDS) describe(`run lifecycle over the agent API (${backend.label})`, () => {
  let t: TestHub;
  before(async () => (t = await startTestHub(backend.options)));
  after(() => t.close());

  it("takes a delegated run from PENDING through RUNNING to FINISHED with its side effects", async () => {
    const { taskId, runId } = await delegatedRun(t);
    const token = t.creds.agentToken;

    const pending = await t.agent(token, "GET", "/runs?status=PENDING");
    assert.equal(pending.status, 200);
    assert.deepEqual(pending.body.map((r: { id: string }) => r.id), [runId]);
    assert.equal(pending.body[0].taskTitle, "Fix the login bug");
    assert.equal(pending.body[0].prompt, "Fix the login bug\n\nIt crashes");

    const started = await t.agent(token, "POST", `/runs/${runId}/start`, { body: "Starting work on this now." });
    assert.equal(started.status, 200);
    assert.equal(started.body.status, "RUNNING");
    assert.equal((await t.agent(token, "GET", "/runs?status=PENDING")).body.length, 0);

    const comment = await t.agent(token, "POST", `/runs/${runId}/comment`, { body: "Found the issue." });
    assert.equal(comment.status, 201);

    const done = await t.agent(token, "POST", `/runs/${runId}/complete`, { body: "Done!", stepCostUsd: 0.5 });
    assert.equal(done.status, 200);
    assert.equal(done.body.status, "FINISHED");
    assert.equal(done.body.totalCostUsd, 0.5);

    const detail = await t.agent(token, "GET", `/runs/${runId}`);
    assert.equal(detail.body.task.id, taskId);
    assert.equal(detail.body.task.status, "doing");
    const comments = detail.body.activity.filter((a: { type: string }) => a.type === "comment").map((a: { body: string }) => a.body);
    assert.deepEqual(comments, ["Starting work on this now.", "Found the issue.", "Done!"]);

    const notes = await t.owner(t.creds.ownerToken, "GET", "/notifications?unread=true");
    assert.deepEqual(notes.body.map((n: { type: string }) => n.type), ["run_finished", "run_comment", "run_started"]);
  });
});
