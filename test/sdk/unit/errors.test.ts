import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { abortedError, AgentApiError, errorFromResponse, isAgentApiError, isRefusal, networkError } from "../../../src/sdk/errors.ts";

const headers = (h: Record<string, string> = {}) => new Headers(h);
const now = Date.parse("2026-01-01T00:00:00Z");

describe("errorFromResponse", () => {
  it("maps each HTTP status to one stable code", () => {
    const cases: Array<[number, string]> = [
      [400, "bad_request"], [401, "unauthorized"], [403, "unauthorized"], [404, "not_found"], [405, "not_found"],
      [408, "server"], [409, "conflict"], [413, "bad_request"], [422, "bad_request"], [429, "rate_limited"],
      [500, "server"], [502, "server"], [503, "server"], [504, "server"],
    ];
    for (const [status, code] of cases) {
      const error = errorFromResponse(status, { error: "x" }, headers(), now);
      assert.equal(error.code, code, String(status));
      assert.equal(error.httpStatus, status);
    }
  });

  it("carries the run's current status from a 409 body", () => {
    const error = errorFromResponse(409, { error: "Cannot comment on a run that is STOPPED", status: "STOPPED" }, headers(), now, "POST /runs/r/comment");
    assert.equal(error.code, "conflict");
    assert.equal(error.runStatus, "STOPPED");
    assert.equal(error.message, "POST /runs/r/comment failed with HTTP 409: Cannot comment on a run that is STOPPED");
    assert.deepEqual(error.cause, { error: "Cannot comment on a run that is STOPPED", status: "STOPPED" });
  });

  it("leaves runStatus null when the 409 has none or a strange one", () => {
    assert.equal(errorFromResponse(409, { error: "busy" }, headers(), now).runStatus, null);
    assert.equal(errorFromResponse(409, { error: "busy", status: "weird" }, headers(), now).runStatus, null);
  });

  it("reads Retry-After as seconds or as a date", () => {
    assert.equal(errorFromResponse(429, {}, headers({ "retry-after": "2" }), now).retryAfterMs, 2_000);
    assert.equal(errorFromResponse(503, {}, headers({ "retry-after": "Thu, 01 Jan 2026 00:00:04 GMT" }), now).retryAfterMs, 4_000);
    assert.equal(errorFromResponse(429, {}, headers(), now).retryAfterMs, null);
  });

  it("uses a text body (an HTML error page) in the message, shortened", () => {
    const error = errorFromResponse(502, "<html>" + "x".repeat(500), headers(), now);
    assert.ok(error.message.startsWith("request failed with HTTP 502: <html>"));
    assert.ok(error.message.length < 260);
  });
});

describe("errors without an answer", () => {
  it("keeps the cause of a network error and of an abort", () => {
    const refused = new Error("connect ECONNREFUSED");
    const network = networkError(refused, "GET /me");
    assert.equal(network.code, "network");
    assert.equal(network.cause, refused);
    assert.equal(network.httpStatus, null);
    const aborted = abortedError("bye");
    assert.equal(aborted.code, "aborted");
    assert.equal(aborted.cause, "bye");
  });

  it("narrows by code", () => {
    const error: unknown = new AgentApiError("conflict", "x", { runStatus: "RUNNING" });
    assert.equal(isAgentApiError(error), true);
    assert.equal(isAgentApiError(error, "conflict"), true);
    assert.equal(isAgentApiError(error, "server"), false);
    assert.equal(isAgentApiError(new Error("x")), false);
  });

  it("takes a 4xx that refuses the call itself for a refusal; a token's 401, a gone run, a conflict or a slow-down is none", () => {
    const refusal = (status: number) => isRefusal(errorFromResponse(status, { error: "no" }, headers(), now));
    assert.deepEqual([400, 403, 413, 422].map(refusal), [true, true, true, true]);
    assert.deepEqual([401, 404, 405, 408, 409, 410, 429, 500].map(refusal), [false, false, false, false, false, false, false, false]);
    assert.equal(isRefusal(networkError(new Error("down"))), false);
  });
});
