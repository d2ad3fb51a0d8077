/** The webhook retry policy: waits doubling to a cap, less some jitter; turned off only after failing long and often. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_WEBHOOKS } from "../../src/hub/config.ts";
import { deliveryId, retryDelayMs, shouldDisable, signature } from "../../src/hub/webhooks/policy.ts";

describe("webhook policy", () => {
  it("waits 1 s after the first failure, doubling to 10 minutes, never more", () => {
    const waits = [1, 2, 3, 10, 11, 50, 5000].map((failures) => retryDelayMs(failures, DEFAULT_WEBHOOKS, 0));
    assert.deepEqual(waits, [1000, 2000, 4000, 512_000, 600_000, 600_000, 600_000]);
  });

  it("takes up to a fifth off each wait at random", () => {
    assert.equal(retryDelayMs(1, DEFAULT_WEBHOOKS, 1), 800);
    assert.equal(retryDelayMs(20, DEFAULT_WEBHOOKS, 0.5), 540_000);
  });

  it("turns a webhook off only once it has failed both often enough and for long enough", () => {
    const day = 24 * 3_600_000;
    assert.equal(shouldDisable(10, 0, day, DEFAULT_WEBHOOKS), true);
    assert.equal(shouldDisable(9, 0, day * 3, DEFAULT_WEBHOOKS), false);
    assert.equal(shouldDisable(500, 0, day - 1, DEFAULT_WEBHOOKS), false);
  });

  it("names a delivery by its webhook and notification alone, and signs as GitHub does", () => {
    assert.equal(deliveryId("whk_a", "ntf_1"), deliveryId("whk_a", "ntf_1"));
    assert.notEqual(deliveryId("whk_a", "ntf_1"), deliveryId("whk_b", "ntf_1"));
    // echo -n '{"a":1}' | openssl dgst -sha256 -hmac secret
    assert.equal(signature("secret", '{"a":1}'), "sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494");
  });
});
