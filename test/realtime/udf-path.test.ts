import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anyApi, getFunctionName } from "convex/server";
import { canonicalUdfPath } from "../../src/hub/realtime/udf-path.ts";
import { resultHash } from "../../src/hub/realtime/result-hash.ts";

describe("function paths", () => {
  it("are canonicalized as the client does", () => {
    const cases: [string, string][] = [
      ["agentWebSocket:pendingRuns", "agentWebSocket:pendingRuns"],
      ["agentWebSocket.js:pendingRuns", "agentWebSocket:pendingRuns"],
      ["agentWebSocket", "agentWebSocket:default"],
      ["agentWebSocket.js", "agentWebSocket:default"],
      ["a/b:c", "a/b:c"],
      ["a/b.js:c", "a/b:c"],
      ["a:b:c", "a:b:c"],
    ];
    for (const [input, expected] of cases) assert.equal(canonicalUdfPath(input), expected, input);
  });

  it("match what anyApi references name", () => {
    assert.equal(canonicalUdfPath(getFunctionName(anyApi.agentWebSocket!.pendingRuns!)), "agentWebSocket:pendingRuns");
    assert.equal(canonicalUdfPath(getFunctionName(anyApi.a!.b!.c!)), "a/b:c");
  });
});

describe("result hashes", () => {
  it("change with the result and tell values from errors", () => {
    assert.equal(resultHash("value", "[]"), resultHash("value", "[]"));
    assert.notEqual(resultHash("value", "[]"), resultHash("value", "[1]"));
    assert.notEqual(resultHash("value", "x"), resultHash("error", "x"));
  });
});
