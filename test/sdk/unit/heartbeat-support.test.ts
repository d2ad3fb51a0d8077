import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HeartbeatSupport } from "../../../src/sdk/heartbeat-support.ts";

describe("HeartbeatSupport", () => {
  it("sends until refused, then only one probe at a time once due, waiting twice as long after each refused probe, up to the cap", () => {
    const s = new HeartbeatSupport({ probeMs: 100, maxProbeMs: 300 });
    assert.equal(s.shouldSend(0), true);
    assert.equal(s.refused(0), true, "the pause starts");
    assert.deepEqual([s.shouldSend(99), s.enabled], [false, false]);
    assert.deepEqual([s.shouldSend(100), s.shouldSend(100)], [true, false], "one probe, not one per run");
    assert.equal(s.refused(100), false, "still paused: said once");
    assert.deepEqual([s.shouldSend(299), s.shouldSend(300)], [false, true]);
    s.refused(300);
    assert.deepEqual([s.shouldSend(599), s.shouldSend(600)], [false, true], "capped at 300");
    assert.equal(s.sent(), true, "back");
    assert.deepEqual([s.enabled, s.answered, s.shouldSend(600)], [true, true, true]);
  });

  it("never pauses once a heartbeat went through, and a probe that said nothing leaves the next call to probe", () => {
    const s = new HeartbeatSupport({ probeMs: 100, maxProbeMs: 1_000 });
    assert.equal(s.sent(), false, "never paused: nothing to say");
    assert.equal(s.refused(0), false);
    assert.equal(s.shouldSend(0), true);
    const t = new HeartbeatSupport({ probeMs: 100, maxProbeMs: 1_000 });
    t.refused(0);
    assert.equal(t.shouldSend(100), true);
    t.unanswered();
    assert.equal(t.shouldSend(100), true);
  });
});
