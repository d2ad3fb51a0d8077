/**
 * Runs ./e2e/openclaw.e2e.ts (the real OpenClaw scenarios) inside a
 * loopback-only network namespace (`unshare -n`, then `ip link set lo up`), so
 * nothing in them can reach beyond this machine, and a mount namespace in which
 * OpenClaw's fixed paths under /tmp are directories of this test's own, removed
 * afterwards: OpenClaw keeps lock files in /tmp/openclaw-state-locks-UID and
 * logs in /tmp/openclaw whatever TMPDIR says (fixed paths in its code), and its
 * workers may still write there after the scenarios end. (Not the whole /tmp:
 * the checkout, a CI clone say, may be under it.) Needs root (or user
 * namespaces) and the OpenClaw runtime that `npm install` puts under runtime/.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runtimePaths } from "../../src/bridge/runtime.ts";

const canUnshare = spawnSync("unshare", ["-n", "-m", "true"]).status === 0;

it("the bridge with a real OpenClaw, end to end, in a loopback-only network namespace", {
  // Its 21 scenarios took 8.5 minutes in a CI run on a loaded 2-core machine, and over 10 in another: room to spare,
  // under the runner's bound for the file (20 min, scripts/test.mjs), so this one ends first and cleans up below.
  timeout: 1_140_000,
  skip: !runtimePaths().installed ? "OpenClaw is not installed under runtime/" : !canUnshare ? "cannot create network and mount namespaces here (unshare -n -m)" : false,
}, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), "gc-e2e-tmp-"));
  // A bind needs a mount point: one made here for the run goes again after it.
  const fixed = [`/tmp/openclaw-state-locks-${process.getuid?.() ?? 0}`, "/tmp/openclaw"];
  const made = fixed.filter((path) => !existsSync(path));
  for (const path of made) mkdirSync(path);
  // unshare -m makes the mounts private: the binds are seen inside only.
  const binds = fixed.map((path, i) => {
    const own = join(tmp, String(i));
    mkdirSync(own);
    return `mount --bind "${own}" "${path}"`;
  });
  const inside = `ip link set lo up && ${binds.join(" && ")} && exec "${process.execPath}" --import tsx --test --test-reporter=spec test/bridge/e2e/openclaw.e2e.ts`;
  const child = spawn("unshare", ["-n", "-m", "sh", "-c", inside], {
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
    // Without this the inner runner thinks it is nested in ours and runs nothing.
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_TEST_CONTEXT")),
  });
  try {
    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      // Timed out: the scenarios are ended here, so the cleanup below runs before the runner ends this file.
      t.signal.addEventListener("abort", () => resolve(null), { once: true });
    });
    assert.equal(code, 0, "the end-to-end scenarios failed (their output is above)");
  } finally {
    // Leave nothing behind, even when the test times out.
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
    for (const path of made) {
      try {
        rmdirSync(path); // empty: everything went to this test's own directory
      } catch {
        // something outside the test put files there meanwhile: theirs to keep
      }
    }
  }
});
