import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProgressCoalescer } from "../../../src/bridge/coalescer.ts";
import { describeToolStart, joinLines, progressLine } from "../../../src/bridge/progress.ts";
import { FakeClock } from "../../sdk/support/fake-clock.ts";

describe("progress lines from OpenClaw events", () => {
  it("says what a tool call does", () => {
    assert.equal(describeToolStart("exec", { command: "npm test" }), "Running `npm test`");
    assert.equal(describeToolStart("edit", { path: "src/app.ts" }), "Edited src/app.ts");
    assert.equal(describeToolStart("write", { file_path: "README.md" }), "Wrote README.md");
    assert.equal(describeToolStart("read", { path: "package.json" }), "Read package.json");
    assert.equal(describeToolStart("web_search", { query: "node 24 release" }), "Searched the web for `node 24 release`");
    assert.equal(describeToolStart("browser", {}), "Used browser");
    assert.equal(describeToolStart("apply_patch", { input: "*** Begin Patch\n*** Update File: src/app.ts\n@@\n-a\n+b\n*** Add File: test/app.test.ts\n+x\n*** End Patch" }), "Edited src/app.ts, test/app.test.ts");
    assert.equal(describeToolStart("ls", { path: "src" }), "Listed src");
  });

  it("keeps a long command to one short line", () => {
    const line = describeToolStart("exec", { command: `echo ${"x".repeat(200)}\nrm -rf build` });
    assert.ok(line.length <= 90, line);
    assert.ok(!line.includes("\n"));
  });

  it("takes tool starts and failed results, nothing else", () => {
    const event = (stream: string, data: Record<string, unknown>) => ({ runId: "r", stream, data });
    assert.equal(progressLine(event("tool", { phase: "start", name: "exec", args: { command: "ls" } })), "Running `ls`");
    assert.equal(progressLine(event("tool", { phase: "result", name: "exec", isError: true })), "The command failed");
    assert.equal(progressLine(event("tool", { phase: "result", name: "exec", isError: false })), null);
    assert.equal(progressLine(event("tool", { phase: "update", name: "exec" })), null);
    assert.equal(progressLine(event("assistant", { delta: "hi" })), null);
    assert.equal(progressLine(event("lifecycle", { phase: "start" })), null);
  });

  it("says when OpenClaw retries a model that does not answer", () => {
    const retrying = { runId: "r", stream: "run_status", data: { phase: "retrying", message: "Provider temporarily unavailable. Retrying in 2s (1/8).", retryAttempt: 1, maxRetries: 8, delayMs: 1366 } };
    assert.equal(progressLine(retrying), "The model is not answering; OpenClaw is trying again (retry 1 of 8)");
    assert.equal(progressLine({ runId: "r", stream: "run_status", data: { phase: "retrying" } }), "The model is not answering; OpenClaw is trying again");
    assert.equal(progressLine({ runId: "r", stream: "run_status", data: { phase: "running" } }), null);
  });

  it("folds repeats and caps the number of lines", () => {
    assert.equal(joinLines(["Running `ls`", "Running `ls`", "Edited a.ts"]), "Running `ls` (×2)\nEdited a.ts");
    const many = Array.from({ length: 12 }, (_, i) => `Edited f${i}.ts`);
    const text = joinLines(many, 8);
    assert.equal(text.split("\n").length, 9);
    assert.match(text, /…and 4 more steps$/);
  });
});

describe("ProgressCoalescer", () => {
  function setup(intervalMs = 5_000) {
    const clock = new FakeClock();
    const posted: string[] = [];
    const coalescer = new ProgressCoalescer({ intervalMs, clock, post: (text) => posted.push(text) });
    return { clock, posted, coalescer };
  }

  it("posts the first line at once and gathers the next ones into one comment per interval, in order", async () => {
    const { clock, posted, coalescer } = setup();
    coalescer.push("Running `npm install`");
    assert.deepEqual(posted, ["Running `npm install`"]);
    await clock.advance(1_000);
    coalescer.push("Edited src/app.ts");
    await clock.advance(1_000);
    coalescer.push("Running `npm test`");
    assert.equal(posted.length, 1);
    await clock.advance(2_999);
    assert.equal(posted.length, 1);
    await clock.advance(1);
    assert.deepEqual(posted, ["Running `npm install`", "Edited src/app.ts\nRunning `npm test`"]);
  });

  it("posts at most one comment per interval under a burst", async () => {
    const { clock, posted, coalescer } = setup(3_000);
    for (let i = 0; i < 100; i++) {
      coalescer.push(`step ${i}`);
      await clock.advance(100);
    }
    await clock.advance(3_000);
    // 10 s of steps, one comment per 3 s at most: the first one, then three or four.
    assert.ok(posted.length <= 5, `${posted.length} comments`);
    assert.match(posted[0]!, /^step 0$/);
  });

  it("flush sends what is gathered before the final answer; cancel drops it", async () => {
    const a = setup();
    a.coalescer.push("one");
    a.coalescer.push("two");
    a.coalescer.flush();
    assert.deepEqual(a.posted, ["one", "two"]);
    a.coalescer.push("late");
    await a.clock.advance(10_000);
    assert.deepEqual(a.posted, ["one", "two"]);

    const b = setup();
    b.coalescer.push("one");
    b.coalescer.push("two");
    b.coalescer.cancel();
    await b.clock.advance(10_000);
    assert.deepEqual(b.posted, ["one"]);
    assert.equal(b.clock.pending, 0);
  });
});
