/**
 * `openclaw-groupchat doctor` as users run it (a child process), against a real hub: each link checked, with a fix
 * for what fails. OpenClaw is left out (its entry points nowhere, its config is absent): those checks fail at once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { BIN, stop } from "../support/cli.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";

describe("doctor against a real hub", { timeout: 60_000 }, () => {
  let t: TestHub;
  beforeEach(async () => (t = await startTestHub()));
  afterEach(async () => await t.close());

  /** Runs doctor with the three env vars (and OpenClaw nowhere) to its end; answers its exit code and output. */
  async function doctor(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const dir = tempDir("gc-doctor-");
    const child = spawn(process.execPath, [BIN, "doctor", "--openclaw", "managed", "--openclaw-config", join(dir, "openclaw.json"), "--state", join(dir, "bridge.sqlite")], {
      cwd: dir, stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, HOME: dir, GROUPCHAT_AGENT_TOKEN: t.creds.agentToken, OPENCLAW_NODE: join(dir, "none"), OPENCLAW_ENTRY: join(dir, "none.mjs"), ...env },
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const [code] = await once(child, "exit");
      return { code: code as number | null, output };
    } finally {
      await stop(child);
    }
  }

  it("says a GROUPCHAT_CONVEX_URL set to the API URL is no real-time endpoint, and that it looks like the API URL, instead of waiting for an answer", async () => {
    const { code, output } = await doctor({ GROUPCHAT_API_URL: t.apiUrl, GROUPCHAT_CONVEX_URL: t.apiUrl });
    assert.equal(code, 1, output);
    assert.match(output, /✓ agent token \(GET \/me\): signed in as agent/);
    assert.match(output, /✗ real-time subscription \(pendingRuns\): not a real-time sync endpoint: its sync path \(.*\/api\/v1\/agent\/api\/[\d.]+\/sync\) answered the WebSocket upgrade with HTTP 404 \("No real-time endpoint at this path"\)\n {4}fix: It looks like the Agent API's URL \(GROUPCHAT_API_URL\); the real-time URL has no path/);
  });

  it("finds the real-time subscription of the hub's own URL", async () => {
    const { output } = await doctor({ GROUPCHAT_API_URL: t.apiUrl, GROUPCHAT_CONVEX_URL: t.hub.urls().convexUrl });
    assert.match(output, /✓ real-time subscription \(pendingRuns\): subscribed; 0 pending run\(s\)/);
  });
});
