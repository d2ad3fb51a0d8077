/**
 * `openclaw-groupchat doctor` as users run it (a child process), against a real hub: each link checked, with a fix
 * for what fails, and stopped by a signal at once. OpenClaw is left out (its entry points nowhere, its config is
 * absent: those checks fail at once), or a stand-in whose CLI never answers.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { BIN, stop } from "../support/cli.ts";
import { startTestHub, type TestHub } from "../support/hub.ts";
import { tempDir } from "../support/temp.ts";
import { alive, standIn, untilCliRuns } from "./support/stand-in.ts";

describe("doctor against a real hub", { timeout: 60_000 }, () => {
  let t: TestHub;
  beforeEach(async () => (t = await startTestHub()));
  afterEach(async () => await t.close());

  /** Starts doctor with the agent's token (and OpenClaw nowhere, unless `env` says where) and an empty OpenClaw config. */
  function spawnDoctor(env: Record<string, string | undefined>): { child: ChildProcess; output: () => string } {
    const dir = tempDir("gc-doctor-");
    const config = join(dir, "openclaw.json");
    writeFileSync(config, "{}");
    const child = spawn(process.execPath, [BIN, "doctor", "--openclaw", "managed", "--openclaw-config", config, "--state", join(dir, "bridge.sqlite")], {
      cwd: dir, stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, HOME: dir, GROUPCHAT_AGENT_TOKEN: t.creds.agentToken, OPENCLAW_NODE: join(dir, "none"), OPENCLAW_ENTRY: join(dir, "none.mjs"), ...env },
    });
    let output = "";
    for (const stream of [child.stdout!, child.stderr!]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  /** Runs doctor to its end; answers its exit code and output. */
  async function doctor(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const { child, output } = spawnDoctor(env);
    try {
      const [code] = await once(child, "exit");
      return { code: code as number | null, output: output() };
    } finally {
      await stop(child);
    }
  }

  it("says a GROUPCHAT_CONVEX_URL set to the API URL is no real-time endpoint, and that it looks like the API URL, instead of waiting for an answer", async () => {
    const { code, output } = await doctor({ GROUPCHAT_API_URL: t.apiUrl, GROUPCHAT_CONVEX_URL: t.apiUrl });
    assert.equal(code, 1, output);
    assert.match(output, /✓ agent token \(GET \/me\): signed in as agent/);
    // A copy installed with OPENCLAW_GROUPCHAT_SKIP_RUNTIME=1 has no clone to run npm install in: the fix says both ways.
    assert.match(output, /fix: Run npm install in the clone, or install the package again without OPENCLAW_GROUPCHAT_SKIP_RUNTIME=1/);
    assert.match(output, /✗ real-time subscription \(pendingRuns\): not a real-time sync endpoint: its sync path \(.*\/api\/v1\/agent\/api\/[\d.]+\/sync\) answered the WebSocket upgrade with HTTP 404 \("No real-time endpoint at this path"\)\n {4}fix: It looks like the Agent API's URL \(GROUPCHAT_API_URL\); the real-time URL has no path/);
  });

  it("finds the real-time subscription of the hub's own URL", async () => {
    const { output } = await doctor({ GROUPCHAT_API_URL: t.apiUrl, GROUPCHAT_CONVEX_URL: t.hub.urls().convexUrl });
    assert.match(output, /✓ real-time subscription \(pendingRuns\): subscribed; 0 pending run\(s\)/);
  });

  it("a SIGTERM while OpenClaw's CLI reads the model ends that CLI, runs no more checks, says so and exits 143", async (context) => {
    const openclaw = standIn(context);
    const { child, output } = spawnDoctor({ GROUPCHAT_API_URL: t.apiUrl, ...openclaw.env });
    context.after(() => stop(child));
    const exited = once(child, "exit");
    await untilCliRuns(openclaw, child, output);
    child.kill("SIGTERM");
    assert.deepEqual(await exited, [143, null], output());
    assert.match(output(), /✓ agent token \(GET \/me\)/);
    assert.doesNotMatch(output(), /OpenClaw model/);
    assert.match(output(), /SIGTERM: stopped; 1 of the 4 checks not done/);
    assert.equal(alive(openclaw.pidOf("cli")), false, "the CLI was ended");
  });
});
