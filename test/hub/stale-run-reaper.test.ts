/**
 * The stale-run reaper: a RUNNING run whose agent has made no call about it for
 * `staleAfter` becomes ERROR "Agent stopped responding" and its owner is told; any
 * call about the run (heartbeat, comment, reading its detail) renews the lease.
 * The hub runs on an injected clock, so no test waits for time to pass.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { assertError, assertStatus, runIn, statusOf } from "../support/api.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";

const STALE_MS = 200;

describe("stale-run reaper", () => {
  let t: TestHub;
  let now = Date.now();
  before(async () => (t = await startTestHub({ staleAfter: `${STALE_MS}ms`, clock: () => now })));
  after(() => t.close());

  const advance = (ms: number) => (now += ms);

  it("runs on its own once the hub listens: a silent RUNNING run ends in ERROR without anyone sweeping", async () => {
    const { runId } = await runIn(t, "RUNNING");
    advance(STALE_MS + 1);
    // The hub's own timer sweeps every 50 ms of real time: wait for its sweep, however slow the machine (the
    // test's timeout ends a wait that never comes true).
    while ((await statusOf(t, runId)) === "RUNNING") await sleep(25);
    assert.equal(await statusOf(t, runId), "ERROR");
  });

  describe("one sweep at a time", () => {
    // From here on, only the tests' own sweep() passes run.
    before(() => t.hub.reaper.stop());

    it("ends a RUNNING run with no agent call for staleAfter: ERROR \"Agent stopped responding\", owner notified", async () => {
      const { runId, taskId } = await runIn(t, "RUNNING");
      advance(STALE_MS - 1);
      assert.equal(await t.hub.reaper.sweep(), 0);
      assert.equal(await statusOf(t, runId), "RUNNING");
      advance(2);
      assert.equal(await t.hub.reaper.sweep(), 1);

      const run = (await t.owner(t.creds.ownerToken, "GET", `/runs/${runId}`)).body;
      assert.equal(run.status, "ERROR");
      assert.equal(run.endedAt, now);
      const last = run.activity.at(-1);
      assert.deepEqual([last.type, last.from, last.to, last.body, last.author.kind], ["status_change", "RUNNING", "ERROR", "Agent stopped responding", "agent"]);

      const [note] = (await t.owner(t.creds.ownerToken, "GET", "/notifications?unread=true&limit=1")).body;
      assert.deepEqual([note.type, note.runId, note.taskId, note.body], ["run_error", runId, taskId, "Agent stopped responding"]);
      assert.equal(note.actor.name, "OpenClaw Bot");

      // The agent learns the run is over the way it learns any other ending.
      assertError(await t.agent(t.creds.agentToken, "POST", `/runs/${runId}/complete`, { body: "late" }), 409, "Cannot complete a run that is ERROR", { status: "ERROR" });
    });

    it("keeps a run that heartbeats, and reaps it once the heartbeats stop", async () => {
      const beating = await runIn(t, "RUNNING");
      const silent = await runIn(t, "RUNNING");
      for (let i = 0; i < 5; i++) {
        advance(STALE_MS / 2);
        assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${beating.runId}/heartbeat`), 200);
        await t.hub.reaper.sweep();
      }
      assert.equal(await statusOf(t, beating.runId), "RUNNING");
      assert.equal(await statusOf(t, silent.runId), "ERROR");
      advance(STALE_MS / 2);
      assert.equal(await t.hub.reaper.sweep(), 0);
      advance(STALE_MS / 2 + 1);
      assert.equal(await t.hub.reaper.sweep(), 1);
      assert.equal(await statusOf(t, beating.runId), "ERROR");
    });

    it("counts a progress comment and a read of the run's detail as signs of life", async () => {
      const commenting = await runIn(t, "RUNNING");
      const reading = await runIn(t, "RUNNING");
      advance(STALE_MS - 10);
      assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${commenting.runId}/comment`, { body: "still on it" }), 201);
      assertStatus(await t.agent(t.creds.agentToken, "GET", `/runs/${reading.runId}`), 200);
      advance(20);
      assert.equal(await t.hub.reaper.sweep(), 0);
      assert.equal(await statusOf(t, commenting.runId), "RUNNING");
      assert.equal(await statusOf(t, reading.runId), "RUNNING");
    });

    it("does not count the owner reading the run as the agent's sign of life", async () => {
      const { runId } = await runIn(t, "RUNNING");
      advance(STALE_MS - 10);
      assert.equal(await statusOf(t, runId), "RUNNING");
      advance(20);
      await t.hub.reaper.sweep();
      assert.equal(await statusOf(t, runId), "ERROR");
    });

    it("makes sweep() run a whole pass of its own even while another pass is under way", async () => {
      const { runId } = await runIn(t, "RUNNING");
      const earlier = t.hub.reaper.sweep(); // reads the clock now, before the run is stale
      advance(STALE_MS + 1);
      assert.equal(await t.hub.reaper.sweep(), 1);
      assert.equal(await earlier, 0);
      assert.equal(await statusOf(t, runId), "ERROR");
    });

    it("leaves PENDING and ended runs alone, however old", async () => {
      const pending = await runIn(t, "PENDING");
      const finished = await runIn(t, "FINISHED");
      const stopped = await runIn(t, "STOPPED");
      advance(STALE_MS * 100);
      await t.hub.reaper.sweep();
      assert.equal(await statusOf(t, pending.runId), "PENDING");
      assert.equal(await statusOf(t, finished.runId), "FINISHED");
      assert.equal(await statusOf(t, stopped.runId), "STOPPED");
      // A PENDING run's lease starts when it is picked up.
      assertStatus(await t.agent(t.creds.agentToken, "POST", `/runs/${pending.runId}/start`, {}), 200);
      assert.equal(await t.hub.reaper.sweep(), 0);
      assert.equal(await statusOf(t, pending.runId), "RUNNING");
    });

    it("forgets Idempotency-Keys after a day", async () => {
      const headers = { "idempotency-key": "yesterday" };
      assertStatus(await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "Old" }, headers), 201);
      assertError(await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "New" }, headers), 422);
      advance(25 * 3_600_000);
      await t.hub.reaper.sweep();
      const res = await t.owner(t.creds.ownerToken, "POST", "/tasks", { projectId: t.creds.projectId, title: "New" }, headers);
      assertStatus(res, 201);
      assert.equal(res.headers.get("idempotent-replayed"), null);
      assert.equal(res.body.title, "New");
    });
  });
});
