/**
 * The managed gateway's supervision, with a stand-in child (a tiny Node script
 * in place of `openclaw.mjs`): restart after a crash, adopt a gateway a crashed
 * bridge left running, stop what it started.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { GatewaySupervisor, overlayConfig } from "../../src/bridge/supervisor.ts";
import { tempDir } from "../support/temp.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(probe: () => boolean): Promise<void> {
  while (!probe()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("GatewaySupervisor", { timeout: 60_000 }, () => {
  function setup(script: string) {
    const dir = tempDir("gc-sup-");
    // Named like OpenClaw's entry, so a later supervisor recognises the process as a gateway.
    const entry = join(dir, "openclaw-stand-in.mjs");
    writeFileSync(entry, script);
    const logs: string[] = [];
    const make = () => new GatewaySupervisor({
      node: process.execPath, entry, stateDir: join(dir, "state"), configPath: join(dir, "openclaw.json"), port: 0,
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    return { dir, make, logs };
  }

  it("restarts a gateway that dies, and keeps its port and token", async () => {
    const { dir, make, logs } = setup("process.exit(3);\n");
    const supervisor = make();
    const first = await supervisor.start();
    await until(() => supervisor.restarts >= 2);
    await supervisor.stop();
    assert.ok(logs.some((line) => /exited \(code 3/.test(line)), logs.join("\n"));
    const again = make();
    assert.deepEqual(await again.start(), first, "the same port and token after a restart of the bridge");
    await again.stop();
    assert.equal(existsSync(join(dir, "state", "gateway.pid")), false);
  });

  it("uses the gateway a crashed bridge left running, and stops it on shutdown", async () => {
    const { dir, make, logs } = setup("setInterval(() => {}, 1000);\n");
    const first = make();
    await first.start();
    await until(() => existsSync(join(dir, "state", "gateway.pid")));
    const pid = Number(readFileSync(join(dir, "state", "gateway.pid"), "utf8"));
    assert.ok(alive(pid));
    // The first bridge "crashes": its supervisor is gone without stopping the child.
    const second = make();
    await second.start();
    assert.ok(logs.some((line) => line.includes("left running")), logs.join("\n"));
    await second.stop();
    await until(() => !alive(pid));
    await first.stop();
  });

  it("layers a tool policy over the user's config only when one is given", () => {
    assert.equal(overlayConfig("/home/me/.openclaw/openclaw.json", { profile: null, allow: [], deny: [] }), null);
    assert.deepEqual(overlayConfig("/nonexistent/openclaw.json", { profile: "coding", allow: [], deny: ["exec"] }), { tools: { profile: "coding", deny: ["exec"] } });
  });
});
