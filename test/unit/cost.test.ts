import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deriveCost } from "../../src/hub/domain/cost.ts";

describe("cost derivation", () => {
  it("records nothing when neither cost is given", () => {
    assert.deepEqual(deriveCost({}, 0), { stepCostUsd: null, totalCostUsd: null });
    assert.deepEqual(deriveCost({ stepCostUsd: undefined, totalCostUsd: undefined }, 3), { stepCostUsd: null, totalCostUsd: null });
  });

  it("adds a step to the previous total", () => {
    assert.deepEqual(deriveCost({ stepCostUsd: 0.5 }, 0), { stepCostUsd: 0.5, totalCostUsd: 0.5 });
    assert.deepEqual(deriveCost({ stepCostUsd: 0.25 }, 1.5), { stepCostUsd: 0.25, totalCostUsd: 1.75 });
    assert.deepEqual(deriveCost({ stepCostUsd: 0 }, 2), { stepCostUsd: 0, totalCostUsd: 2 });
  });

  it("takes the step as the difference from the previous total", () => {
    assert.deepEqual(deriveCost({ totalCostUsd: 0.75 }, 0), { stepCostUsd: 0.75, totalCostUsd: 0.75 });
    assert.deepEqual(deriveCost({ totalCostUsd: 1 }, 0.3), { stepCostUsd: 0.7, totalCostUsd: 1 });
    assert.deepEqual(deriveCost({ totalCostUsd: 2 }, 2), { stepCostUsd: 0, totalCostUsd: 2 });
  });

  it("keeps both as sent, even when they disagree with the previous total", () => {
    assert.deepEqual(deriveCost({ stepCostUsd: 0.1, totalCostUsd: 5 }, 1), { stepCostUsd: 0.1, totalCostUsd: 5 });
    assert.deepEqual(deriveCost({ stepCostUsd: 0, totalCostUsd: 0 }, 9), { stepCostUsd: 0, totalCostUsd: 0 });
  });

  it("rounds away binary float drift to the nano-dollar", () => {
    assert.equal(0.1 + 0.2, 0.30000000000000004);
    assert.deepEqual(deriveCost({ stepCostUsd: 0.2 }, 0.1), { stepCostUsd: 0.2, totalCostUsd: 0.3 });
    assert.deepEqual(deriveCost({ totalCostUsd: 0.3 }, 0.1), { stepCostUsd: 0.2, totalCostUsd: 0.3 });
    assert.deepEqual(deriveCost({ stepCostUsd: 0.000_000_000_4 }, 1), { stepCostUsd: 0.000_000_000_4, totalCostUsd: 1 });
  });
});
