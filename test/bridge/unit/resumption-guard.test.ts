/**
 * The resumption guard against a scripted gateway: after a restart, OpenClaw's own resumption of a turn the bridge
 * gave up on is aborted; the bridge's own turns, and everything before the restart, are left alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import { ResumptionGuard } from "../../../src/bridge/resumption-guard.ts";
import { BridgeState, MAX_FORBIDDEN_RESUMPTIONS } from "../../../src/bridge/state.ts";
import { FakeClock } from "../../sdk/support/fake-clock.ts";
import { tempDir } from "../../support/temp.ts";

const SESSION = "agent:main:groupchat-task_1";

class FakeGateway {
  state = "connected" as "connected" | "disconnected";
  bootId: string | null = "boot-1";
  tasks: Array<{ runId: string; status: string }> = [];
  readonly sent: Array<[string, Record<string, unknown>]> = [];

  async request<T>(method: string, params: Record<string, unknown>): Promise<T> {
    this.sent.push([method, params]);
    return (method === "tasks.list" ? { tasks: this.tasks } : { ok: true }) as T;
  }
}

describe("the resumption guard", () => {
  it("aborts the turn OpenClaw resumed by itself in a session whose turn the bridge gave up on, once the gateway is back on a new boot; the bridge's own turns it leaves alone", async () => {
    const clock = new FakeClock();
    const gateway = new FakeGateway();
    const guard = new ResumptionGuard({ gateway, clock });
    guard.forbid(SESSION, "boot-1");
    gateway.state = "disconnected";
    await clock.advance(5_000);
    assert.equal(gateway.sent.length, 0, "nothing is asked while the gateway is away");
    [gateway.state, gateway.bootId] = ["connected", "boot-2"];
    gateway.tasks = [{ runId: "groupchat-run-run_1", status: "cancelled" }, { runId: "groupchat-run-run_2", status: "running" }];
    await clock.advance(1_000);
    assert.deepEqual(gateway.sent.map(([method]) => method), ["tasks.list"]);
    gateway.tasks.push({ runId: "resumed-1", status: "running" });
    await clock.advance(1_000);
    assert.deepEqual(gateway.sent.at(-1), ["sessions.abort", { key: SESSION, runId: "resumed-1" }]);
    guard.close();
    assert.equal(clock.pending, 0);
  });

  it("asks nothing while the gateway stays on the turn's boot, and forgets the session after its wait", async () => {
    const clock = new FakeClock();
    const gateway = new FakeGateway();
    const guard = new ResumptionGuard({ gateway, clock, waitMs: 60_000 });
    guard.forbid(SESSION, "boot-1");
    gateway.tasks = [{ runId: "someone-else", status: "running" }];
    await clock.advance(61_000);
    assert.equal(gateway.sent.length, 0);
    assert.equal(clock.pending, 0, "no timer is left once nothing is watched");
    guard.close();
  });

  it("a guard started on the state file an earlier bridge left still watches that bridge's sessions, and forgets each once its watch ends", async () => {
    const file = join(tempDir("gc-guard-"), "bridge.sqlite");
    const clock = new FakeClock();
    const gateway = new FakeGateway();
    const earlier = new BridgeState(file, { now: () => clock.now() });
    const before = new ResumptionGuard({ gateway, clock, store: earlier });
    before.forbid(SESSION, "boot-1");
    before.close();
    earlier.close();

    const state = new BridgeState(file, { now: () => clock.now() });
    const guard = new ResumptionGuard({ gateway, clock, store: state });
    gateway.bootId = "boot-2";
    gateway.tasks = [{ runId: "resumed-1", status: "running" }];
    await clock.advance(1_000);
    assert.deepEqual(gateway.sent.at(-1), ["sessions.abort", { key: SESSION, runId: "resumed-1" }]);
    await clock.advance(91_000);
    assert.deepEqual(state.forbiddenResumptions(), []);
    assert.equal(clock.pending, 0);
    guard.close();
    state.close();
  });

  it("the state file keeps the newest sessions watched, a bounded number", async () => {
    const clock = new FakeClock();
    const state = new BridgeState(":memory:", { now: () => clock.now() });
    const guard = new ResumptionGuard({ gateway: new FakeGateway(), clock, store: state });
    for (let i = 0; i <= MAX_FORBIDDEN_RESUMPTIONS; i++) {
      guard.forbid(`agent:main:groupchat-task_${i}`, "boot-1");
      await clock.advance(1);
    }
    const kept = state.forbiddenResumptions().map((entry) => entry.sessionKey);
    assert.equal(kept.length, MAX_FORBIDDEN_RESUMPTIONS);
    assert.ok(!kept.includes("agent:main:groupchat-task_0"));
    guard.close();
    state.close();
  });
});
