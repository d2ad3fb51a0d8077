import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentApiError } from "../../../src/sdk/errors.ts";
import { confirmGone, goneCheckDelay } from "../../../src/sdk/gone.ts";
import { FakeClock } from "../support/fake-clock.ts";

const notFound = () => new AgentApiError("not_found", "404", { httpStatus: 404 });

function reads(answers: unknown[]) {
  const clock = new FakeClock();
  const at: number[] = [];
  const start = clock.now();
  const read = async () => {
    at.push(clock.now() - start);
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { clock, at, read };
}

describe("confirmGone", () => {
  it("waits 1 s, 2 s, 4 s… up to 30 s between re-reads", () => {
    assert.deepEqual([0, 1, 2, 5, 6].map((n) => goneCheckDelay(n)), [1_000, 2_000, 4_000, 30_000, 30_000]);
    assert.equal(goneCheckDelay(1, { firstMs: 10, maxMs: 15 }), 15);
  });

  it("says gone only when all three re-reads answer 404", async () => {
    const r = reads([notFound(), notFound(), notFound()]);
    const gone = confirmGone(r.read, { clock: r.clock, signal: new AbortController().signal });
    await r.clock.advance(7_000);
    assert.equal(await gone, true);
    assert.deepEqual(r.at, [1_000, 3_000, 7_000]);
  });

  it("says not gone at the first read that finds the run, or fails otherwise (a 405, a 5xx), or when aborted", async () => {
    for (const answers of [[notFound(), { id: "r" }], [new AgentApiError("server", "503", { httpStatus: 503 })], [new AgentApiError("not_found", "405", { httpStatus: 405 })]]) {
      const r = reads(answers);
      const gone = confirmGone(r.read, { clock: r.clock, signal: new AbortController().signal });
      await r.clock.advance(7_000);
      assert.equal(await gone, false);
    }
    const r = reads([]);
    const controller = new AbortController();
    const gone = confirmGone(r.read, { clock: r.clock, signal: controller.signal });
    controller.abort();
    assert.deepEqual([await gone, r.at], [false, []]);
  });
});
