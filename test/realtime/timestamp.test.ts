import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeTs, encodeTs, Timestamps } from "../../src/hub/realtime/timestamp.ts";

describe("sync timestamps", () => {
  it("encode a u64 as base64 of 8 little-endian bytes, as the client decodes it", () => {
    assert.equal(encodeTs(0n), "AAAAAAAAAAA=");
    assert.equal(encodeTs(1n), "AQAAAAAAAAA=");
    const ts = 1_795_621_033_588_000_000n;
    assert.equal(decodeTs(encodeTs(ts)), ts);
    assert.equal(decodeTs(encodeTs(2n ** 64n - 1n)), 2n ** 64n - 1n);
    assert.throws(() => encodeTs(2n ** 64n));
    assert.throws(() => encodeTs(-1n));
  });

  it("refuse what is not exactly 8 bytes", () => {
    for (const text of ["", "AQ==", "AAAAAAAAAAAA", "AAAAAAAAAA!="]) assert.equal(decodeTs(text), null, text);
  });

  it("are wall-clock nanoseconds and strictly increasing, even when the clock stalls or steps back", () => {
    let now = 1_000;
    const ts = new Timestamps(() => now);
    const a = ts.next();
    assert.equal(a, 1_000_000_000n);
    const b = ts.next();
    assert.equal(b, a + 1n);
    now = 900;
    assert.equal(ts.next(), b + 1n);
    now = 2_000;
    assert.equal(ts.next(), 2_000_000_000n);
  });

  it("catch up with a client's maxObservedTimestamp, but not with an absurd one", () => {
    const ts = new Timestamps(() => 1_000);
    ts.observe(5_000_000_000n);
    assert.equal(ts.next(), 5_000_000_001n);
    ts.observe(2n ** 64n - 1n);
    assert.equal(ts.next(), 5_000_000_002n);
  });
});
