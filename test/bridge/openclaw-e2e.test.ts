/**
 * Runs ./e2e/openclaw.e2e.ts (the real OpenClaw scenarios) inside a
 * loopback-only network namespace (`unshare -n`, then `ip link set lo up`), so
 * nothing in them can reach beyond this machine. Needs root (or user
 * namespaces) and the OpenClaw runtime that `npm install` puts under runtime/.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { runtimePaths } from "../../src/bridge/runtime.ts";

const canUnshare = spawnSync("unshare", ["-n", "true"]).status === 0;

/**
 * OpenClaw puts its state databases' lock files under /tmp/openclaw-state-locks-UID
 * whatever TMPDIR says (a fixed path in its code), one per state dir, and keeps
 * them. These scenarios make a state dir each, so this removes what they added,
 * and the directory itself if they made it.
 */
function tmpLeftovers(): () => void {
  const dirs = ["/tmp/openclaw", `/tmp/openclaw-state-locks-${process.getuid?.() ?? 0}`];
  const list = (dir: string): Set<string> | null => {
    try {
      return new Set(readdirSync(dir));
    } catch {
      return null;
    }
  };
  const before = dirs.map(list);
  return () => dirs.forEach((dir, i) => {
    const had = before[i];
    for (const name of list(dir) ?? []) if (!had?.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
    if (had === null) {
      try {
        rmdirSync(dir);
      } catch {
        // not there, or someone else's files are in it now
      }
    }
  });
}

it("the bridge with a real OpenClaw, end to end, in a loopback-only network namespace", {
  timeout: 600_000,
  skip: !runtimePaths().installed ? "OpenClaw is not installed under runtime/" : !canUnshare ? "cannot create a network namespace here (unshare -n)" : false,
}, async () => {
  const cleanUp = tmpLeftovers();
  const child = spawn("unshare", ["-n", "sh", "-c", `ip link set lo up && exec "${process.execPath}" --import tsx --test --test-reporter=spec test/bridge/e2e/openclaw.e2e.ts`], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
    // Without this the inner runner thinks it is nested in ours and runs nothing.
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_TEST_CONTEXT")),
  });
  try {
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    assert.equal(code, 0, "the end-to-end scenarios failed (their output is above)");
  } finally {
    // Leave nothing behind, even when the test times out.
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    cleanUp();
  }
});
