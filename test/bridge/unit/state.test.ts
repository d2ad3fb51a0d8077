import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BridgeStartError, BridgeState } from "../../../src/bridge/state.ts";
import { tempDir } from "../../support/temp.ts";

describe("the bridge's state file", () => {
  const file = () => join(tempDir("gc-state-"), "bridge.sqlite");

  it("keeps its instance id, its runs and its outbox across a reopen, in order", async () => {
    const path = file();
    const a = new BridgeState(path);
    const id = a.instanceId();
    a.claiming("r1");
    a.claimed("r1");
    a.turnStarted("r1", "boot-1");
    a.claiming("r2");
    for (let i = 0; i < 5; i++) {
      await a.enqueue({ id: `e${i}`, runId: "r1", kind: "comment", payload: { body: `c${i}` }, idempotencyKey: `k${i}`, createdAt: i });
    }
    await a.enqueue({ id: "final", runId: "r1", kind: "complete", payload: { body: "done", stepCostUsd: 0.5 }, idempotencyKey: "kf", createdAt: 9 });
    await a.ack("e0");
    a.close();

    const b = new BridgeState(path);
    assert.equal(b.instanceId(), id);
    assert.deepEqual(b.runs().map((r) => [r.runId, r.phase, r.bootId, r.turnStarted]), [["r1", "claimed", "boot-1", true], ["r2", "claiming", null, false]]);
    assert.deepEqual(b.turnOf("r1"), { bootId: "boot-1" });
    assert.equal(b.turnOf("r2"), null);
    const pending = await b.pending();
    assert.deepEqual(pending.map((e) => e.id), ["e1", "e2", "e3", "e4", "final"]);
    assert.deepEqual(pending.at(-1), { id: "final", runId: "r1", kind: "complete", payload: { body: "done", stepCostUsd: 0.5 }, idempotencyKey: "kf", createdAt: 9 });
    assert.equal(b.hasFinalCall("r1"), true);
    assert.equal(b.hasFinalCall("r2"), false);
    assert.equal(b.outboxDepth, 5);
    b.forget("r2");
    assert.deepEqual(b.runs().map((r) => r.runId), ["r1"]);
    b.close();
  });
  it("is one bridge's at a time: a second open fails at once with a clear error, and works once the first closed", () => {
    const path = file();
    const first = new BridgeState(path);
    assert.throws(() => new BridgeState(path), (error: Error) => {
      assert.ok(error instanceof BridgeStartError);
      assert.equal(error.message, `Another bridge is using ${path}. Stop it first, or give this one its own --state (and --openclaw-state).`);
      return true;
    });
    const id = first.instanceId();
    first.close();
    const second = new BridgeState(path);
    assert.equal(second.instanceId(), id);
    second.close();
  });
});
