import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emptyChangeSet } from "../../src/hub/changes.ts";
import { UniqueViolation } from "../../src/hub/db/port.ts";
import { HubError, runConflict } from "../../src/hub/errors.ts";
import { pushCall, pushExecuted, pushFailed, readCalls, readOutcomes, type Batch } from "../../src/hub/writer/wire.ts";

const agent = { kind: "agent", agentId: "agt_1", userId: "usr_2", name: "Bot", description: "", creatorId: "usr_1", creatorName: "Ada", createdAt: 1 };

describe("the writer thread's wire format", () => {
  it("carries calls whole: name, clock, principal, input and Idempotency-Key", () => {
    const batch: Batch = [];
    pushCall(batch, 1, { name: "startRun", now: 42, input: { agent, runId: "run_1", body: "On it" } });
    pushCall(batch, 2, { name: "createTask", now: 43, input: { user: { kind: "user", userId: "usr_1", name: "Ada" }, task: { projectId: "prj_1", title: "T" } } });
    pushCall(batch, 3, {
      name: "forgetIdempotencyKeys", now: 44, input: { before: 7 },
      idempotency: { scope: "agent:agt_1", key: "k-1", requestHash: "abc", status: 201 },
    });
    const calls = [...readCalls(structuredClone(batch))];
    assert.deepEqual(calls, [
      { id: 1, call: { name: "startRun", now: 42, input: { runId: "run_1", body: "On it", agent }, idempotency: undefined } },
      { id: 2, call: { name: "createTask", now: 43, input: { task: { projectId: "prj_1", title: "T" }, user: { kind: "user", userId: "usr_1", name: "Ada" } }, idempotency: undefined } },
      { id: 3, call: { name: "forgetIdempotencyKeys", now: 44, input: { before: 7 }, idempotency: { scope: "agent:agt_1", key: "k-1", requestHash: "abc", status: 201 } } },
    ]);
  });

  it("carries outcomes whole: bodies, what changed (whatever the ids hold), run transitions, replays, typed errors and a driver's error code", () => {
    const changes = emptyChangeSet();
    changes.agents.add("agt_1");
    changes.tasks.add("task_1").add("task_2");
    const odd = emptyChangeSet();
    odd.users.add("a|b,c[d");
    const batch: Batch = [];
    pushExecuted(batch, 1, { outcome: { kind: "done", json: '{"id":"run_1"}' }, changes, transitions: ["STOPPED", "PENDING"] });
    pushExecuted(batch, 2, { outcome: { kind: "done", json: "null" }, changes: odd, transitions: [] });
    pushExecuted(batch, 3, { outcome: { kind: "replay", json: '{"ok":1}', status: 201, requestHash: "h" }, changes: emptyChangeSet(), transitions: [] });
    pushFailed(batch, 4, runConflict("complete", "STOPPED"));
    pushFailed(batch, 5, new UniqueViolation("UNIQUE constraint failed: runs.id"));
    pushFailed(batch, 6, new TypeError("boom"));
    pushFailed(batch, 7, Object.assign(new Error("file is not a database"), { code: "SQLITE_NOTADB" }));
    const [done, oddDone, replay, conflict, unique, bug, driver] = [...readOutcomes(structuredClone(batch))];
    assert.ok(done?.ok && oddDone?.ok && replay?.ok);
    assert.deepEqual(done.executed, { outcome: { kind: "done", json: '{"id":"run_1"}' }, changes, transitions: ["STOPPED", "PENDING"] });
    assert.deepEqual(oddDone.executed.changes, odd);
    assert.deepEqual(oddDone.executed.transitions, []);
    assert.deepEqual(replay.executed.outcome, { kind: "replay", json: '{"ok":1}', status: 201, requestHash: "h" });
    assert.ok(conflict && !conflict.ok && conflict.error instanceof HubError);
    assert.equal(conflict.error.status, 409);
    assert.deepEqual(conflict.error.extra, { status: "STOPPED" });
    assert.ok(unique && !unique.ok && unique.error instanceof UniqueViolation);
    assert.ok(bug && !bug.ok && !(bug.error instanceof HubError));
    assert.match(bug.error.message, /boom/);
    assert.match(bug.error.stack ?? "", /on the writer thread/);
    assert.equal((bug.error as { code?: string }).code, undefined);
    assert.ok(driver && !driver.ok);
    assert.equal((driver.error as { code?: string }).code, "SQLITE_NOTADB");
  });
});
