import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkerState } from "../../../src/sdk/worker-state.ts";
import { FakeClock } from "../support/fake-clock.ts";

describe("WorkerState", () => {
  it("queues each pending run once, however often it is seen", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 2 });
    assert.deepEqual(s.seen(["a", "b"], clock.now()), ["a", "b"]);
    assert.deepEqual(s.seen(["a", "b", "c"], clock.now()), ["c"]);
    assert.deepEqual(s.seen(["c", "b", "a"], clock.now()), []);
    assert.equal(s.queued, 3);
  });

  it("hands out runs in FIFO order within the concurrency limit", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 2 });
    s.seen(["a", "b", "c", "d"], clock.now());
    assert.deepEqual(s.next(), ["a", "b"]);
    assert.deepEqual(s.next(), []);
    assert.equal(s.active, 2);
    assert.equal(s.claimed("a"), true);
    s.executed("a");
    s.ended("a", clock.now());
    assert.deepEqual(s.next(), ["c"]);
    s.claimFailed("b", "taken", clock.now());
    assert.deepEqual(s.next(), ["d"]);
    assert.equal(s.active, 2);
  });

  it("remembers a handled or taken run, so a later sighting is a no-op", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 1 });
    s.seen(["a", "b"], clock.now());
    s.next();
    s.claimFailed("a", "taken", clock.now());
    s.next();
    s.claimed("b");
    s.executed("b");
    s.ended("b", clock.now());
    assert.deepEqual(s.seen(["a", "b"], clock.now()), []);
  });

  it("forgets a failed claim, so the next sighting tries again", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 1 });
    s.seen(["a"], clock.now());
    s.next();
    s.claimFailed("a", "failed", clock.now());
    assert.equal(s.active, 0);
    assert.deepEqual(s.seen(["a"], clock.now()), ["a"]);
  });

  it("forgets handled runs after doneTtlMs", async () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 1, doneTtlMs: 60_000 });
    s.seen(["a"], clock.now());
    s.next();
    s.claimFailed("a", "taken", clock.now());
    await clock.advance(59_999);
    assert.deepEqual(s.seen(["a"], clock.now()), []);
    await clock.advance(1);
    assert.deepEqual(s.seen(["a"], clock.now()), ["a"]);
  });

  it("takes a stopped run out of the queue, and aborts one in flight once", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 1 });
    s.seen(["a", "b"], clock.now());
    s.next();
    assert.equal(s.stopped("b", clock.now()), "dequeued");
    assert.equal(s.queued, 0);
    assert.deepEqual(s.seen(["b"], clock.now()), []);
    s.claimed("a");
    assert.equal(s.stopped("a", clock.now()), "abort");
    assert.equal(s.get("a")?.stopped, true);
    assert.equal(s.stopped("a", clock.now()), "ignore");
    assert.equal(s.stopped("zzz", clock.now()), "ignore");
    s.ended("a", clock.now());
    assert.equal(s.active, 0);
  });

  it("says not to execute a run stopped while its claim was in flight", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 1 });
    s.seen(["a"], clock.now());
    s.next();
    assert.equal(s.stopped("a", clock.now()), "abort");
    assert.equal(s.claimed("a"), false);
  });

  it("reads a 409 as the run being gone only when its status has ended", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 2 });
    s.seen(["a", "b"], clock.now());
    s.next();
    assert.equal(s.conflict("a", "RUNNING", clock.now()), "ignore", "a 409 while claiming is the claim's business");
    s.claimed("a");
    s.claimed("b");
    assert.equal(s.conflict("a", "RUNNING", clock.now()), "ignore");
    assert.equal(s.conflict("a", "STOPPED", clock.now()), "abort");
    s.executed("b");
    assert.equal(s.conflict("b", "ERROR", clock.now()), "abort", "reaped while its result was being sent");
  });

  it("on shutdown empties the queue and hands out nothing more", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 1 });
    s.seen(["a", "b", "c"], clock.now());
    s.next();
    assert.deepEqual(s.shutdown(), ["b", "c"]);
    assert.equal(s.accepting, false);
    assert.deepEqual(s.seen(["d"], clock.now()), []);
    s.claimed("a");
    s.executed("a");
    s.ended("a", clock.now());
    assert.deepEqual(s.next(), []);
    assert.deepEqual(s.inFlight(), []);
  });

  it("queues runs taken back after a restart ahead of pending ones, once", () => {
    const clock = new FakeClock();
    const s = new WorkerState({ concurrency: 1 });
    s.seen(["p1", "p2"], clock.now());
    assert.deepEqual(s.adopt(["r1", "r2", "p1"], clock.now()), ["r1", "r2"]);
    assert.deepEqual(s.next(), ["r1"]);
    s.claimed("r1");
    s.executed("r1");
    s.ended("r1", clock.now());
    assert.deepEqual(s.next(), ["r2"]);
    assert.deepEqual(s.adopt(["r1"], clock.now()), [], "a handled run is not taken again");
  });

  it("refuses an impossible step and a bad concurrency", () => {
    const s = new WorkerState({ concurrency: 1 });
    assert.throws(() => s.claimed("nope"), /unknown/);
    assert.throws(() => new WorkerState({ concurrency: 0 }), RangeError);
  });
});
