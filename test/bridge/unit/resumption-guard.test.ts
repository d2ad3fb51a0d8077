/**
 * The resumption guard against a scripted gateway: after a restart, OpenClaw's own resumption of a turn the bridge
 * gave up on is aborted; the bridge's own turns, and everything before the restart, are left alone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ResumptionGuard } from "../../../src/bridge/resumption-guard.ts";
import { FakeClock } from "../../sdk/support/fake-clock.ts";

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
});
