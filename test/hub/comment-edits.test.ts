/**
 * A person edits or deletes their own comment on a task (`PATCH` / `DELETE /tasks/:id/comments/:activityId`): the
 * author alone (403 for another member), a person's comment on the task alone (404 for an agent's, a status change,
 * a follow-up's message or an id not on the task), validated as a comment's POST is; an edit tells the people it
 * newly @mentions and starts no run; the agent sees the current words, without the owner's editedAt.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertStatus, createTask, delegateTo } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

describe("editing and deleting comments", () => {
  let t: TestHub;
  let now = Date.UTC(2031, 0, 1);
  let owner: string;
  let ws: { id: string };
  let prj: { id: string };
  let ann: { userId: string; ownerToken: string };
  let bo: { userId: string; ownerToken: string };
  before(async () => {
    t = await startTestHub({ clock: () => now });
    owner = t.creds.ownerToken;
    ws = (await t.owner(owner, "POST", "/workspaces", { name: "Edits" })).body;
    prj = (await t.owner(owner, "POST", "/projects", { name: "Edit work" }, { "x-workspace-id": ws.id })).body;
    [ann, bo] = [await t.hub.writer.run("addUser", { name: "Ann" }), await t.hub.writer.run("addUser", { name: "Bo" })];
    for (const p of [ann, bo]) assertStatus(await t.owner(owner, "POST", `/workspaces/${ws.id}/members`, { userId: p.userId }), 201);
  });
  after(() => t.close());

  const comment = async (taskId: string, body: string, token = ann.ownerToken) => {
    const res = await t.owner(token, "POST", `/tasks/${taskId}/comments`, { body });
    assertStatus(res, 201);
    return res.body.comment as { id: string; createdAt: number; editedAt: number | null };
  };
  const feed = async (taskId: string, token = ann.ownerToken) =>
    ((await t.owner(token, "GET", `/tasks/${taskId}`)).body.activity as Array<{ id: string; type: string; body: string; editedAt: number | null }>);
  const told = async (token: string, taskId: string) =>
    ((await t.owner(token, "GET", "/notifications")).body as Array<{ type: string; taskId: string; body: string }>)
      .filter((n) => n.taskId === taskId).map((n) => [n.type, n.body]);

  it("lets the author edit a comment: the answer and the feed hold the new words and editedAt; the same words again change nothing", async () => {
    const task = await createTask(t, { projectId: prj.id }, ann.ownerToken);
    const posted = await comment(task.id, "First thuoght");
    assert.equal(posted.editedAt, null);
    now += 60_000;
    const res = await t.owner(ann.ownerToken, "PATCH", `/tasks/${task.id}/comments/${posted.id}`, { body: "  First thought\u0000 " });
    assertStatus(res, 200);
    assert.deepEqual(res.body, {
      id: posted.id, type: "comment", subject: null, runId: null, author: { id: ann.userId, name: "Ann", kind: "user" },
      body: "First thought\uFFFD", from: null, to: null, createdAt: posted.createdAt, editedAt: now,
    });
    assert.deepEqual((await feed(task.id, bo.ownerToken)).find((a) => a.id === posted.id), res.body);
    const editedAt = now;
    now += 60_000;
    const again = await t.owner(ann.ownerToken, "PATCH", `/tasks/${task.id}/comments/${posted.id}`, { body: "First thought\uFFFD" });
    assertStatus(again, 200);
    assert.equal(again.body.editedAt, editedAt);
  });

  it("lets the author delete a comment: it leaves the feed, and a second delete finds nothing (404)", async () => {
    const task = await createTask(t, { projectId: prj.id }, ann.ownerToken);
    const [kept, gone] = [await comment(task.id, "Keep me"), await comment(task.id, "Drop me")];
    const before = (await feed(task.id)).length;
    const res = await t.owner(ann.ownerToken, "DELETE", `/tasks/${task.id}/comments/${gone.id}`);
    assert.equal(res.status, 204);
    const after = await feed(task.id);
    assert.equal(after.length, before - 1);
    assert.deepEqual(after.filter((a) => a.type === "comment").map((a) => a.id), [kept.id]);
    assertError(await t.owner(ann.ownerToken, "DELETE", `/tasks/${task.id}/comments/${gone.id}`), 404, "Comment not found");
    assertError(await t.owner(ann.ownerToken, "PATCH", `/tasks/${task.id}/comments/${gone.id}`, { body: "Back?" }), 404, "Comment not found");
  });

  it("refuses another member (403), and leaves the comment as it was", async () => {
    const task = await createTask(t, { projectId: prj.id }, ann.ownerToken);
    const posted = await comment(task.id, "Mine");
    assertError(await t.owner(bo.ownerToken, "PATCH", `/tasks/${task.id}/comments/${posted.id}`, { body: "Yours" }), 403, "Only its author can edit or delete a comment");
    assertError(await t.owner(bo.ownerToken, "DELETE", `/tasks/${task.id}/comments/${posted.id}`), 403, "Only its author can edit or delete a comment");
    // The workspace's creator is no author either.
    assertError(await t.owner(owner, "DELETE", `/tasks/${task.id}/comments/${posted.id}`), 403);
    assert.equal((await feed(task.id)).find((a) => a.id === posted.id)?.body, "Mine");
  });

  it("finds no comment of the author's (404) in an agent's comment, a status change, a follow-up's message, another task's comment or an unknown id", async () => {
    const task = await createTask(t, { projectId: t.creds.projectId });
    const run = await delegateTo(t, task.id);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/start`, { body: "On it" }), 200);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/comment`, { body: "Progress" }), 201);
    assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${run.id}/complete`, { body: "Done" }), 200);
    assertStatus(await t.owner(owner, "POST", `/runs/${run.id}/follow-up`, { message: "One more thing" }), 201);
    assertStatus(await t.owner(owner, "PATCH", `/tasks/${task.id}`, { status: "done" }), 200);
    const other = await createTask(t, { projectId: t.creds.projectId });
    const elsewhere = (await t.owner(owner, "POST", `/tasks/${other.id}/comments`, { body: "Over there" })).body.comment;
    const entries = await feed(task.id, owner);
    const byAgent = entries.find((a) => a.type === "comment" && a.body === "Progress")!;
    const followUp = entries.find((a) => a.type === "comment" && a.body === "One more thing")!;
    const statusChange = entries.findLast((a) => a.type === "status_change")!;
    for (const id of [byAgent.id, followUp.id, statusChange.id, elsewhere.id, "act_unknown"]) {
      assertError(await t.owner(owner, "PATCH", `/tasks/${task.id}/comments/${id}`, { body: "Edited" }), 404, "Comment not found");
      assertError(await t.owner(owner, "DELETE", `/tasks/${task.id}/comments/${id}`), 404, "Comment not found");
    }
    assertError(await t.owner(owner, "DELETE", `/tasks/task_unknown/comments/${elsewhere.id}`), 404, "Task not found");
    // Someone outside the task's workspace finds no task.
    const cy = await t.hub.writer.run("addUser", { name: "Cy" });
    const theirs = await createTask(t, { projectId: prj.id }, ann.ownerToken);
    const posted = await comment(theirs.id, "Members only");
    assertError(await t.owner(cy.ownerToken, "PATCH", `/tasks/${theirs.id}/comments/${posted.id}`, { body: "Hi" }), 404, "Task not found");
    assert.deepEqual(await feed(task.id, owner), entries);
  });

  it("validates the words as a comment's POST does: blank (400), too long (400), no other field", async () => {
    const task = await createTask(t, { projectId: prj.id }, ann.ownerToken);
    const posted = await comment(task.id, "Fine");
    const path = `/tasks/${task.id}/comments/${posted.id}`;
    assertError(await t.owner(ann.ownerToken, "PATCH", path, { body: " \u200b " }), 400, /^body must not be blank/);
    assertError(await t.owner(ann.ownerToken, "PATCH", path, { body: "" }), 400, "Invalid body: body must NOT have fewer than 1 characters");
    assertError(await t.owner(ann.ownerToken, "PATCH", path, { body: "x".repeat(200_001) }), 400, "Invalid body: body must NOT have more than 200000 characters");
    assertError(await t.owner(ann.ownerToken, "PATCH", path, {}), 400);
    assertError(await t.owner(ann.ownerToken, "PATCH", path, { body: "Hi", runId: null }), 400);
    assertError(await t.owner(ann.ownerToken, "PATCH", `/tasks/${task.id}/comments/act%00x`, { body: "Hi" }), 404, "Comment not found");
    assert.equal((await feed(task.id)).find((a) => a.id === posted.id)?.body, "Fine");
  });

  it("tells a person the edit newly @mentions (mention) once, not those told already, and starts no agent's run", async () => {
    const task = await createTask(t, { projectId: prj.id }, ann.ownerToken);
    const bot = (await t.owner(ann.ownerToken, "POST", "/agents", { name: "Ann Bot" })).body;
    const ownerName = (await t.owner(owner, "GET", "/me")).body.name as string;
    const posted = await comment(task.id, `Thoughts, @${ownerName}?`);
    const path = `/tasks/${task.id}/comments/${posted.id}`;
    assertStatus(await t.owner(ann.ownerToken, "PATCH", path, { body: `Thoughts, @${ownerName} and @Bo? cc @Ann Bot` }), 200);
    assertStatus(await t.owner(ann.ownerToken, "PATCH", path, { body: `Thoughts, @${ownerName} and @bo? cc @Ann Bot!` }), 200);
    assert.deepEqual(await told(bo.ownerToken, task.id), [["mention", `Thoughts, @${ownerName} and @Bo? cc @Ann Bot`]]);
    assert.deepEqual(await told(owner, task.id), [["mention", `Thoughts, @${ownerName}?`]]);
    const detail = (await t.owner(ann.ownerToken, "GET", `/tasks/${task.id}`)).body;
    assert.deepEqual(detail.runs, []);
    assert.deepEqual((await t.owner(ann.ownerToken, "GET", `/agents/${bot.id}/runs`)).body, []);
    // A deleted comment's mention stays, with the words it was sent with.
    assertStatus(await t.owner(ann.ownerToken, "DELETE", path), 204);
    assert.equal((await told(bo.ownerToken, task.id)).length, 1);
  });

  it("shows the agent the comment's current words in its run detail, without editedAt, and not at all once deleted", async () => {
    const task = await createTask(t, { projectId: t.creds.projectId });
    const [edited, deleted] = [await comment(task.id, "Before", owner), await comment(task.id, "Soon gone", owner)];
    const run = await delegateTo(t, task.id);
    assertStatus(await t.owner(owner, "PATCH", `/tasks/${task.id}/comments/${edited.id}`, { body: "After" }), 200);
    assertStatus(await t.owner(owner, "DELETE", `/tasks/${task.id}/comments/${deleted.id}`), 204);
    const detail = await t.agent(t.creds.agentToken, "GET", `/runs/${run.id}`);
    assertStatus(detail, 200);
    const comments = (detail.body.activity as Array<Record<string, unknown>>).filter((a) => a.type === "comment");
    assert.deepEqual(comments.map((a) => a.body), ["After"]);
    assert.deepEqual(Object.keys(comments[0]!).sort(), ["author", "body", "createdAt", "from", "id", "runId", "subject", "to", "type"]);
    // The owner's run detail has it.
    const mine = (await t.owner(owner, "GET", `/runs/${run.id}`)).body.activity as Array<{ id: string; editedAt: number | null }>;
    assert.equal(mine.find((a) => a.id === edited.id)?.editedAt, now);
  });
});
