import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDuration } from "../../src/hub/domain/duration.ts";

describe("parseDuration", () => {
  it("reads milliseconds, seconds, minutes, hours and days", () => {
    assert.equal(parseDuration("200ms"), 200);
    assert.equal(parseDuration("90s"), 90_000);
    assert.equal(parseDuration("30m"), 1_800_000);
    assert.equal(parseDuration("2h"), 7_200_000);
    assert.equal(parseDuration("1d"), 86_400_000);
  });

  it("takes fractions, surrounding blanks and a blank before the unit", () => {
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("0.5h"), 1_800_000);
    assert.equal(parseDuration("  30m "), 1_800_000);
    assert.equal(parseDuration("30 m"), 1_800_000);
  });

  it("answers null for anything else, a bare number (seconds or milliseconds?) included, and for durations that round to nothing", () => {
    for (const text of ["", "1500", "1800", "m", "30x", "-5s", "1e3", "30M", "1h30m", "abc", "0", "0s", "0.4ms", ".5s", "Infinity"]) {
      assert.equal(parseDuration(text), null, JSON.stringify(text));
    }
  });
});
