import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SubscriptionIndex } from "../../src/hub/realtime/subscription-index.ts";

describe("subscription index", () => {
  it("finds only the subscriptions that depend on a changed key", () => {
    const index = new SubscriptionIndex<string>();
    index.set("a-pending", ["agent:a"]);
    index.set("a-stopped", ["agent:a"]);
    index.set("b-pending", ["agent:b"]);
    index.set("task-view", ["task:t", "agent:b"]);
    assert.deepEqual([...index.changed(["agent:a"])].sort(), ["a-pending", "a-stopped"]);
    assert.deepEqual([...index.changed(["agent:b", "task:t"])].sort(), ["b-pending", "task-view"]);
    assert.deepEqual([...index.changed(["agent:zzz"])], []);
  });

  it("re-keys and deletes", () => {
    const index = new SubscriptionIndex<string>();
    index.set("s", ["agent:a"]);
    index.set("s", ["agent:b"]);
    assert.deepEqual([...index.changed(["agent:a"])], []);
    assert.deepEqual([...index.changed(["agent:b"])], ["s"]);
    assert.deepEqual(index.keys("s"), ["agent:b"]);
    index.delete("s");
    assert.deepEqual([...index.changed(["agent:b"])], []);
    assert.equal(index.size, 0);
  });

  it("tells a query run that a key it reports changed while it ran", () => {
    const index = new SubscriptionIndex<string>();
    const mark = index.begin();
    index.changed(["agent:a"]);
    assert.equal(index.end(mark, ["agent:a"]), true);

    const quiet = index.begin();
    index.changed(["agent:b"]);
    assert.equal(index.end(quiet, ["agent:a"]), false);

    // Changes before a run started do not count against it.
    index.changed(["agent:a"]);
    const later = index.begin();
    assert.equal(index.end(later, ["agent:a"]), false);
  });

  it("keeps change marks while any run is in flight", () => {
    const index = new SubscriptionIndex<string>();
    const first = index.begin();
    const second = index.begin();
    index.changed(["agent:a"]);
    assert.equal(index.end(second, ["agent:x"]), false);
    assert.equal(index.end(first, ["agent:a"]), true);
  });
});
