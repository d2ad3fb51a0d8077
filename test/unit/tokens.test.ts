import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasPrefix, hashToken, newToken, tokenMatches } from "../../src/hub/domain/tokens.ts";

describe("tokens", () => {
  it("makes gca_ agent and gcp_ owner tokens of 32 random bytes (base64url), never the same twice", () => {
    const agent = newToken("agent");
    const owner = newToken("owner");
    assert.match(agent, /^gca_[A-Za-z0-9_-]{43}$/);
    assert.match(owner, /^gcp_[A-Za-z0-9_-]{43}$/);
    const many = new Set(Array.from({ length: 1000 }, () => newToken("agent")));
    assert.equal(many.size, 1000);
  });

  it("checks the prefix for the kind, and refuses the bare prefix and oversized tokens", () => {
    assert.equal(hasPrefix(newToken("agent"), "agent"), true);
    assert.equal(hasPrefix(newToken("agent"), "owner"), false);
    assert.equal(hasPrefix(newToken("owner"), "owner"), true);
    assert.equal(hasPrefix("gca_", "agent"), false);
    assert.equal(hasPrefix("GCA_abc", "agent"), false);
    assert.equal(hasPrefix(`gca_${"a".repeat(508)}`, "agent"), true);
    assert.equal(hasPrefix(`gca_${"a".repeat(509)}`, "agent"), false);
  });

  it("hashes with SHA-256 to 64 hex digits", () => {
    assert.equal(hashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.notEqual(hashToken("gca_a"), hashToken("gca_b"));
  });

  it("matches a token against its stored hash only", () => {
    const token = newToken("agent");
    const stored = hashToken(token);
    assert.equal(tokenMatches(token, stored), true);
    assert.equal(tokenMatches(newToken("agent"), stored), false);
    assert.equal(tokenMatches(token, stored.slice(0, 32)), false);
    assert.equal(tokenMatches(token, ""), false);
    assert.equal(tokenMatches(token, stored.toUpperCase()), true, "hex digits compare as bytes");
  });
});
