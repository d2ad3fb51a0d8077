import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BridgeConfigError, parseEnvFile, resolveBridgeConfig } from "../../../src/bridge/config.ts";
import { tempDir } from "../../support/temp.ts";

const base = { GROUPCHAT_AGENT_TOKEN: "gca_env", GROUPCHAT_API_URL: "http://127.0.0.1:1/api/v1/agent" };

describe("bridge configuration", () => {
  it("defaults < .env file < environment < flags", () => {
    const cwd = tempDir("gc-cfg-");
    writeFileSync(join(cwd, ".env"), "# comment\nexport GROUPCHAT_AGENT_TOKEN=gca_file\nGROUPCHAT_CONVEX_URL=\"http://file\"\nGROUPCHAT_BRIDGE_CONCURRENCY=7 # seven\n");
    const fromFile = resolveBridgeConfig({}, { cwd, env: { GROUPCHAT_API_URL: base.GROUPCHAT_API_URL } });
    assert.equal(fromFile.agentToken, "gca_file");
    assert.equal(fromFile.convexUrl, "http://file");
    assert.equal(fromFile.concurrency, 7);
    const fromEnv = resolveBridgeConfig({}, { cwd, env: { ...base, GROUPCHAT_BRIDGE_CONCURRENCY: "3" } });
    assert.equal(fromEnv.agentToken, "gca_env");
    assert.equal(fromEnv.concurrency, 3);
    const fromFlags = resolveBridgeConfig({ token: "gca_flag", concurrency: "9" }, { cwd, env: base });
    assert.equal(fromFlags.agentToken, "gca_flag");
    assert.equal(fromFlags.concurrency, 9);
    assert.equal(fromFlags.turnTimeoutSeconds, 1800);
    assert.equal(fromFlags.progressIntervalMs, 5_000);
  });

  it("connects to the user's gateway when OPENCLAW_GATEWAY_URL is set, and manages one otherwise", () => {
    const cwd = tempDir("gc-cfg-");
    assert.equal(resolveBridgeConfig({}, { cwd, env: base }).openclaw.mode, "managed");
    const connect = resolveBridgeConfig({}, { cwd, env: { ...base, OPENCLAW_GATEWAY_URL: "ws://127.0.0.1:1", OPENCLAW_GATEWAY_TOKEN: "t0k3n-secret" } });
    assert.equal(connect.openclaw.mode, "connect");
    assert.equal(connect.openclaw.gatewayToken, "t0k3n-secret");
    assert.equal(resolveBridgeConfig({ openclaw: "managed" }, { cwd, env: { ...base, OPENCLAW_GATEWAY_URL: "ws://x" } }).openclaw.mode, "managed");
  });

  it("says what is missing or wrong", () => {
    const cwd = tempDir("gc-cfg-");
    assert.throws(() => resolveBridgeConfig({}, { cwd, env: {} }), (e: Error) => e instanceof BridgeConfigError && /GROUPCHAT_AGENT_TOKEN/.test(e.message));
    assert.throws(() => resolveBridgeConfig({ token: "gca_pasted\n" }, { cwd, env: base }),
      new BridgeConfigError("GROUPCHAT_AGENT_TOKEN has whitespace in it (a line end copied with it?): an agent token has none"));
    assert.throws(() => resolveBridgeConfig({ grace: "soon" }, { cwd, env: base }), /--grace must be a duration/);
    // Seconds or milliseconds? A bare number is refused, not read as 1.8 s.
    assert.throws(() => resolveBridgeConfig({ "turn-timeout": "1800" }, { cwd, env: base }), /--turn-timeout must be a duration with its unit, like 5s, 30m or 2h, got "1800"/);
    assert.throws(() => resolveBridgeConfig({ openclaw: "cloud" }, { cwd, env: base }), /--openclaw must be/);
    assert.throws(() => resolveBridgeConfig({ metrics: "9477" }, { cwd, env: base }), /--metrics must be HOST:PORT/);
  });

  it("serves metrics at 127.0.0.1:9477 unless told (then any free port if it is taken); where it was told, there only", () => {
    const cwd = tempDir("gc-cfg-");
    assert.deepEqual(resolveBridgeConfig({}, { cwd, env: base }).metrics, { host: "127.0.0.1", port: 9477, chosen: false });
    assert.deepEqual(resolveBridgeConfig({}, { cwd, env: { ...base, GROUPCHAT_BRIDGE_METRICS: "127.0.0.1:9477" } }).metrics, { host: "127.0.0.1", port: 9477, chosen: true });
    assert.deepEqual(resolveBridgeConfig({ metrics: "[::1]:9500" }, { cwd, env: base }).metrics, { host: "::1", port: 9500, chosen: true });
    assert.equal(resolveBridgeConfig({ metrics: "off" }, { cwd, env: base }).metrics, null);
  });

  it("reads .env lines", () => {
    assert.deepEqual(parseEnvFile("A=1\n\nB='two words'\n# C=3\nexport D = four # note\nnot a line"), { A: "1", B: "two words", D: "four" });
  });
});
