import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isModelFailure, ownerMessage, TurnError, turnFailure } from "../../../src/bridge/failure.ts";
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

  it("a model failure where OpenClaw's config names no model says how to set one, in which file", () => {
    const unset = { primary: "unset", configPath: "/home/me/.openclaw/openclaw.json" } as const;
    assert.equal(
      ownerMessage(new TurnError("model", "No API key found for provider \"anthropic\""), unset),
      "OpenClaw could not get an answer from its model: No API key found for provider \"anthropic\". No model is set: set agents.defaults.model.primary "
        + "in /home/me/.openclaw/openclaw.json (see the README's \"OpenClaw's model\"), then send a follow-up.",
    );
    // The gateway's refusal of the turn, too.
    assert.match(ownerMessage(new GatewayError("rejected", "LLM request failed: network connection error."), unset), /No model is set: set agents\.defaults\.model\.primary in \/home\/me/);
  });

  it("a model failure where a model is set, or where the bridge could not tell, points at the model configuration as before", () => {
    const error = new TurnError("model", "rate limit");
    const before = "OpenClaw could not get an answer from its model: rate limit. Check the model provider in the OpenClaw configuration, then send a follow-up.";
    assert.equal(ownerMessage(error, { primary: "set", configPath: "/x.json" }), before);
    assert.equal(ownerMessage(error, null), before);
  });

  it("only a model failure says what the config names", () => {
    const unset = { primary: "unset", configPath: "/x.json" } as const;
    for (const error of [new TurnError("timeout", "x"), new TurnError("failed", "x"), new GatewayError("unauthorized", "bad token"), new Error("boom")]) {
      assert.equal(isModelFailure(error), false, String(error));
      assert.equal(ownerMessage(error, unset), ownerMessage(error));
    }
    assert.equal(isModelFailure(new TurnError("model", "x")), true);
    assert.equal(isModelFailure(new GatewayError("rejected", "No API key found for provider openai")), true);
    assert.equal(isModelFailure(new GatewayError("rejected", "session is busy")), false);
  });

  it("a timeout and a gateway problem say what to do", () => {
    assert.match(ownerMessage(new TurnError("timeout", "x")), /turn time limit/);
    assert.match(ownerMessage(new TurnError("gateway", "no answer")), /gateway is running/);
    assert.match(ownerMessage(new GatewayError("unauthorized", "bad token")), /OPENCLAW_GATEWAY_TOKEN/);
  });
});
