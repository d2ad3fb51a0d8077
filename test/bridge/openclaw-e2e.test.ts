/**
 * Runs ./e2e/openclaw.e2e.ts (the real OpenClaw scenarios) inside a
 * loopback-only network namespace (`unshare -n`, then `ip link set lo up`), so
 * nothing in them can reach beyond this machine, and a mount namespace whose
 * /tmp is a directory of this test's own, removed afterwards: OpenClaw keeps
 * lock files in /tmp/openclaw-state-locks-UID whatever TMPDIR says (a fixed
 * path in its code), and its workers may still write there after the scenarios
 * end. Needs root (or user namespaces) and the OpenClaw runtime that
 * `npm install` puts under runtime/.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runtimePaths } from "../../src/bridge/runtime.ts";

const canUnshare = spawnSync("unshare", ["-n", "-m", "true"]).status === 0;

it("the bridge with a real OpenClaw, end to end, in a loopback-only network namespace", {
  timeout: 600_000,
  skip: !runtimePaths().installed ? "OpenClaw is not installed under runtime/" : !canUnshare ? "cannot create network and mount namespaces here (unshare -n -m)" : false,
}, async () => {
  const tmp = mkdtempSync(join(tmpdir(), "gc-e2e-tmp-"));
  // unshare -m makes the mounts private: the bind is seen inside only.
  const inside = `ip link set lo up && mount --bind "${tmp}" /tmp && exec "${process.execPath}" --import tsx --test --test-reporter=spec test/bridge/e2e/openclaw.e2e.ts`;
  const child = spawn("unshare", ["-n", "-m", "sh", "-c", inside], {
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
    rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
  }
});
