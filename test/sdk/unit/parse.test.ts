import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseProfile, parseRunDetail, parseRuns, ParseError } from "../../../src/sdk/parse.ts";

describe("lenient parsing of Agent API answers", () => {
  it("accepts a run list item with only the documented fields (hosted GroupChat)", () => {
    const runs = parseRuns([{ id: "r1", taskTitle: "Fix it", prompt: "Please fix", ownerName: "Ann", somethingNew: 1 }]);
    assert.deepEqual(runs, [{ id: "r1", taskTitle: "Fix it", prompt: "Please fix" }]);
  });

  it("keeps our fields when they are present and well-typed, and drops ill-typed ones", () => {
    const [run] = parseRuns([{ id: "r1", taskTitle: "T", prompt: "P", status: "PENDING", createdAt: 5, startedAt: "yesterday", owner: { id: "u", name: "Ann" } }]);
    assert.deepEqual(run, { id: "r1", taskTitle: "T", prompt: "P", status: "PENDING", createdAt: 5, owner: { id: "u", name: "Ann" } });
  });

  it("refuses a run without a documented field", () => {
    assert.throws(() => parseRuns([{ id: "r1", prompt: "P" }]), (e: unknown) => e instanceof ParseError && /taskTitle/.test(e.message));
    assert.throws(() => parseRuns({ runs: [] }), ParseError);
  });

  it("reads a detail with the documented names and fills what it can", () => {
    const detail = parseRunDetail({
      prompt: "Do it", task: { title: "Task A", description: "desc", dueDate: null, extra: true },
      activity: [{ type: "comment", body: "hi", author: { id: "u", name: "Ann", kind: "user" } }, { weird: true }],
    }, "run_9");
    assert.equal(detail.id, "run_9");
    assert.equal(detail.taskTitle, "Task A");
    assert.equal(detail.lastFollowUpMessage, null);
    assert.deepEqual(detail.task, { title: "Task A", description: "desc", dueDate: null });
    assert.deepEqual(detail.activity, [{ type: "comment", body: "hi", author: { id: "u", name: "Ann", kind: "user" } }, {}]);
    assert.equal(detail.owner, undefined);
  });

  it("refuses a detail without prompt, task or activity", () => {
    assert.throws(() => parseRunDetail({ task: {}, activity: [] }, "r"), /prompt/);
    assert.throws(() => parseRunDetail({ prompt: "p", activity: [] }, "r"), /task/);
    assert.throws(() => parseRunDetail({ prompt: "p", task: {} }, "r"), /activity/);
  });

  it("reads the profile's documented fields", () => {
    const me = parseProfile({ name: "Bot", agentUserId: "u1", ownerId: "u0", ownerName: "Ann", createdAt: "2026-01-01" });
    assert.deepEqual(me, { name: "Bot", agentUserId: "u1", ownerId: "u0", ownerName: "Ann" });
  });
});
