import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TurnError, type ModelSetting } from "../../../src/bridge/failure.ts";
import { explainModelFailures, ModelCheck } from "../../../src/bridge/model-check.ts";
import type { AgentRunDetail, ExecutorContext } from "../../../src/sdk/index.ts";
import { FakeClock, settle } from "../../sdk/support/fake-clock.ts";

const UNSET: ModelSetting = { primary: "unset", configPath: "/home/me/.openclaw/openclaw.json" };

/** A check the test answers by hand, counting how often it was asked. */
function handCheck() {
  const asked: Array<(value: ModelSetting | null) => void> = [];
  const signals: AbortSignal[] = [];
  const check = (signal: AbortSignal) => new Promise<ModelSetting | null>((resolve) => {
    signals.push(signal);
    asked.push(resolve);
  });
  return { check, asked, signals };
}

describe("whether OpenClaw names a model, asked after a model failure", () => {
  it("runs failing at once share one check, and its answer serves the failures of the next 30 s", async () => {
    const clock = new FakeClock();
    const { check, asked } = handCheck();
    const models = new ModelCheck({ check, clock });
    const answers = [models.answer(), models.answer(), models.answer()];
    assert.equal(asked.length, 1);
    asked[0]!(UNSET);
    assert.deepEqual(await Promise.all(answers), [UNSET, UNSET, UNSET]);
    await clock.advance(29_000);
    assert.deepEqual(await models.answer(), UNSET);
    assert.equal(asked.length, 1);
    await clock.advance(1_000);
    const later = models.answer();
    assert.equal(asked.length, 2, "asked again once the answer is 30 s old");
    asked[1]!({ primary: "set", configPath: UNSET.configPath });
    assert.deepEqual(await later, { primary: "set", configPath: UNSET.configPath });
  });

  it("a check slower than its time limit answers null, and its late answer serves the next failure", async () => {
    const clock = new FakeClock();
    const { check, asked } = handCheck();
    const models = new ModelCheck({ check, clock, timeoutMs: 15_000 });
    const first = models.answer();
    await clock.advance(15_000);
    assert.equal(await first, null);
    asked[0]!(UNSET);
    await settle();
    assert.deepEqual(await models.answer(), UNSET);
    assert.equal(asked.length, 1);
  });

  it("a run stopped meanwhile stops waiting; a check that fails answers null; close ends the check under way", async () => {
    const clock = new FakeClock();
    const { check, asked, signals } = handCheck();
    const models = new ModelCheck({ check, clock });
    const stop = new AbortController();
    const waiting = models.answer(stop.signal);
    stop.abort();
    assert.equal(await waiting, null);
    models.close();
    assert.equal(signals[0]!.aborted, true);
    asked[0]!(null);

    const failing = new ModelCheck({ check: () => Promise.reject(new Error("spawn ENOENT")), clock });
    assert.equal(await failing.answer(), null);
  });

  it("the owner's message of a model failure says no model is set; other failures are not held for a check", async () => {
    const clock = new FakeClock();
    const { check, asked } = handCheck();
    let failWith: Error = new TurnError("model", "No API key found for provider \"anthropic\"");
    const { executor, formatError } = explainModelFailures(async () => {
      throw failWith;
    }, new ModelCheck({ check, clock }));
    const run = {} as AgentRunDetail;
    const context = (): ExecutorContext => ({ runId: "run_1", signal: new AbortController().signal, progress: () => {} });

    const failed = executor(run, context()).catch((error: unknown) => error);
    await settle();
    asked[0]!(UNSET);
    assert.match(formatError(await failed), /No model is set: set agents\.defaults\.model\.primary in \/home\/me\/\.openclaw\/openclaw\.json/);

    failWith = new TurnError("timeout", "the turn exceeded 60 s");
    const timedOut = await executor(run, context()).catch((error: unknown) => error);
    assert.match(formatError(timedOut), /turn time limit/);
    assert.equal(asked.length, 1);
  });
});
