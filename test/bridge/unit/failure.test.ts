import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ownerMessage, TurnError, turnFailure } from "../../../src/bridge/failure.ts";
import { GatewayError } from "../../../src/bridge/gateway/client.ts";

describe("what the owner reads when a run fails", () => {
  it("a long failure is clipped at an ellipsis, never between the two halves of a character (an emoji)", () => {
    const text = ownerMessage(new TurnError("failed", `${"x".repeat(298)}😀${"y".repeat(50)}`));
    assert.ok(text.includes(`OpenClaw failed: ${"x".repeat(298)}…`), text);
    assert.doesNotMatch(text, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, "no lone half");
  });

  it("a lost turn asks for a follow-up", () => {
    assert.match(ownerMessage(new TurnError("lost", "boot a → b")), /Send a follow-up/);
    assert.doesNotMatch(ownerMessage(new TurnError("lost", "boot a → b")), /boot/, "details stay in the logs");
  });

  it("model trouble points at the model configuration", () => {
    const error = turnFailure("No API key found for provider \"anthropic\"\n    at resolveAuth (file:///x.js:1:2)");
    assert.equal(error.code, "model");
    const text = ownerMessage(error);
    assert.match(text, /model provider in the OpenClaw configuration/);
    assert.doesNotMatch(text, /resolveAuth/, "no stack trace for the owner");
  });

  it("a model OpenClaw could not reach after its retries points at the model configuration", () => {
    // What OpenClaw 2026.9.6 answers (a refusal of the turn) once its 8 retries against an unreachable model are spent.
    const text = ownerMessage(new GatewayError("rejected", "LLM request failed: network connection error.", { code: "UNAVAILABLE", message: "LLM request failed: network connection error." }));
    assert.equal(text, "OpenClaw could not get an answer from its model: LLM request failed: network connection error. Check the model provider in the OpenClaw configuration, then send a follow-up.");
  });

  it("a turn the gateway refuses says why", () => {
    const text = ownerMessage(new GatewayError("rejected", "No route-compatible authentication source is configured for openai."));
    assert.match(text, /could not get an answer from its model: No route-compatible authentication source/);
  });

  it("a timeout and a gateway problem say what to do", () => {
    assert.match(ownerMessage(new TurnError("timeout", "x")), /turn time limit/);
    assert.match(ownerMessage(new TurnError("gateway", "no answer")), /gateway is running/);
    assert.match(ownerMessage(new GatewayError("unauthorized", "bad token")), /OPENCLAW_GATEWAY_TOKEN/);
  });
});
