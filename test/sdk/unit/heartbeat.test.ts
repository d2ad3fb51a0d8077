import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentApiError } from "../../../src/sdk/errors.ts";
import { startHeartbeat } from "../../../src/sdk/heartbeat.ts";
import type { RunStatus } from "../../../src/sdk/run-state.ts";
import { FakeClock } from "../support/fake-clock.ts";

function beat(answers: Array<boolean | Error>, gone: boolean[] = []) {
  const clock = new FakeClock();
  const controller = new AbortController();
  const calls: string[] = [];
  const conflicts: Array<RunStatus | null> = [];
  const errors: unknown[] = [];
  const asked: string[] = [];
  const stop = startHeartbeat({
    api: {
      heartbeat: async (runId: string) => {
        calls.push(runId);
        const next = answers.shift() ?? true;
        if (next instanceof Error) throw next;
        return next;
      },
    },
    runId: "r1", intervalMs: 1_000, clock, signal: controller.signal,
    onConflict: (status) => conflicts.push(status), onError: (error) => errors.push(error),
    confirmGone: async () => (asked.push("gone?"), gone.shift() ?? true),
  });
  return { clock, controller, calls, conflicts, errors, asked, stop };
}

describe("startHeartbeat", () => {
  it("beats every intervalMs until stopped", async () => {
    const h = beat([]);
    await h.clock.advance(3_500);
    assert.equal(h.calls.length, 3);
    h.stop();
    await h.clock.advance(5_000);
    assert.equal(h.calls.length, 3);
    assert.equal(h.clock.pending, 0);
  });

  it("keeps ticking while the client has heartbeats paused (nothing sent), so beats resume when they are back", async () => {
    const h = beat([false, false]);
    await h.clock.advance(3_500);
    assert.equal(h.calls.length, 3);
    assert.deepEqual([h.errors, h.conflicts], [[], []]);
    h.stop();
    assert.equal(h.clock.pending, 0);
  });

  it("reports a 409 as the run's new status and stops; other errors are reported and it goes on", async () => {
    const h = beat([new AgentApiError("server", "503"), new AgentApiError("conflict", "stopped", { runStatus: "STOPPED" })]);
    await h.clock.advance(10_000);
    assert.equal(h.errors.length, 1);
    assert.deepEqual(h.conflicts, ["STOPPED"]);
    assert.equal(h.calls.length, 2);
    assert.equal(h.clock.pending, 0);
  });

  it("lets a 404 say the run is gone only once confirmGone agrees; an unconfirmed one is reported and it goes on", async () => {
    const notFound = () => new AgentApiError("not_found", "404", { httpStatus: 404 });
    const h = beat([notFound(), notFound()], [false, true]);
    await h.clock.advance(10_000);
    assert.deepEqual([h.asked.length, h.errors.length, h.conflicts], [2, 1, [null]]);
    assert.equal(h.calls.length, 2);
    assert.equal(h.clock.pending, 0);
  });

  it("stops when its signal aborts", async () => {
    const h = beat([]);
    await h.clock.advance(1_000);
    h.controller.abort();
    await h.clock.advance(10_000);
    assert.equal(h.calls.length, 1);
    assert.equal(h.clock.pending, 0);
  });
});
