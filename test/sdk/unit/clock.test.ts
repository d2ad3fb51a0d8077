import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sleep, systemClock } from "../../../src/sdk/clock.ts";

describe("the system clock", () => {
  it("waits out a delay longer than Node's timers take (a Retry-After of weeks) instead of firing at once", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    let fired = false;
    // 30 days: past the 2^31 - 1 ms a Node timer takes, which Node would turn into 1 ms.
    const cancel = systemClock.setTimeout(() => (fired = true), 30 * 24 * 3_600_000);
    // A 1 ms timer armed before this one fires before it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancel();
    process.off("warning", onWarning);
    assert.equal(fired, false);
    assert.deepEqual(warnings, []);
  });

  it("sleep() for weeks can still be cut short by its signal", async () => {
    const controller = new AbortController();
    const slept = sleep(systemClock, 30 * 24 * 3_600_000, controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(slept, /stop/);
  });
});
