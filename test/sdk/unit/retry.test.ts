import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentApiError } from "../../../src/sdk/errors.ts";
import {
  backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, isFinal, isRetryable, markFinal, parseRetryAfter, type RetryPolicy,
} from "../../../src/sdk/retry.ts";

const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
const low = () => 0;
const high = () => 0.999_999;
const error = (code: AgentApiError["code"], retryAfterMs?: number) => new AgentApiError(code, code, { retryAfterMs });

describe("backoffDelay", () => {
  it("doubles each retry, half fixed and half jitter", () => {
    assert.deepEqual([0, 1, 2, 3].map((n) => backoffDelay(n, policy, low)), [50, 100, 200, 400]);
    assert.deepEqual([0, 1, 2, 3].map((n) => backoffDelay(n, policy, high)), [100, 200, 400, 800]);
  });

  it("never exceeds the cap, however many retries", () => {
    assert.equal(backoffDelay(4, policy, high), 1_000);
    assert.equal(backoffDelay(60, policy, high), 1_000);
    assert.equal(backoffDelay(60, policy, low), 500);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads delay-seconds", () => {
    assert.equal(parseRetryAfter("3", now), 3_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("1.5", now), 1_500);
  });

  it("reads an HTTP-date relative to now, and a past date as zero", () => {
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:07 GMT", now), 7_000);
    assert.equal(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now), 0);
  });

  it("ignores what it cannot read", () => {
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter("-5", now), null);
  });
});

describe("what is retryable", () => {
  it("retries network errors, 429 and 5xx, and nothing else", () => {
    for (const code of ["network", "rate_limited", "server"] as const) assert.equal(isRetryable(error(code)), true, code);
    for (const code of ["unauthorized", "not_found", "conflict", "bad_request", "aborted", "invalid_response"] as const) {
      assert.equal(isRetryable(error(code)), false, code);
    }
    assert.equal(isRetryable(new Error("plain")), false);
    assert.equal(isRetryable("text"), false);
  });

  it("never retries an error marked final", () => {
    const e = markFinal(error("server"));
    assert.equal(isFinal(e), true);
    assert.equal(isRetryable(e), false);
    assert.deepEqual(decideRetry(e, 1, policy, low), { retry: false, reason: "not_retryable" });
  });
});

describe("decideRetry", () => {
  it("waits the backoff for the attempt just failed", () => {
    assert.deepEqual(decideRetry(error("network"), 1, policy, low), { retry: true, delayMs: 50 });
    assert.deepEqual(decideRetry(error("server"), 3, policy, low), { retry: true, delayMs: 200 });
  });

  it("stops after maxAttempts", () => {
    assert.deepEqual(decideRetry(error("server"), 4, policy, low), { retry: false, reason: "attempts_exhausted" });
  });

  it("waits at least Retry-After, even when the backoff is shorter", () => {
    assert.deepEqual(decideRetry(error("rate_limited", 3_000), 1, policy, low), { retry: true, delayMs: 3_000 });
    assert.deepEqual(decideRetry(error("rate_limited", 10), 3, policy, low), { retry: true, delayMs: 200 });
  });

  it("gives a Retry-After beyond maxRetryAfterMs back to the caller", () => {
    assert.deepEqual(decideRetry(error("rate_limited", 6_000), 1, policy, low), { retry: false, reason: "retry_after_too_long" });
  });
});
