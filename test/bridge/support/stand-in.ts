/**
 * A stand-in for OpenClaw's entry, for tests that run our CLI in a child process: OpenClaw's parts run, note their
 * pids and never answer, so a test can signal the CLI while one runs and see what became of it.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { tempDir } from "../../support/temp.ts";

/**
 * A stand-in for OpenClaw's entry (named like it), in both its parts: the gateway, and the CLI that reads the
 * config, which never answers here. Each notes its pid; whatever ran is killed after the test.
 */
export function standIn(context: TestContext): { env: NodeJS.ProcessEnv; pidOf: (part: "cli" | "gateway") => number | null } {
  const dir = tempDir("gc-stand-in-");
  const entry = join(dir, "openclaw-stand-in.mjs");
  writeFileSync(entry, `import { renameSync, writeFileSync } from "node:fs";\n`
    + `const noted = ${JSON.stringify(dir)} + (process.argv.includes("config") ? "/cli-ran" : "/gateway-ran");\n`
    // Written whole, then renamed: the test never reads it half-written.
    + "writeFileSync(noted + '.tmp', String(process.pid));\nrenameSync(noted + '.tmp', noted);\n"
    + "setInterval(() => {}, 1000);\n");
  const pidOf = (part: "cli" | "gateway") => (existsSync(join(dir, `${part}-ran`)) ? Number(readFileSync(join(dir, `${part}-ran`), "utf8")) : null);
  context.after(() => {
    for (const pid of [pidOf("cli"), pidOf("gateway")]) if (alive(pid)) process.kill(pid!, "SIGKILL");
  });
  return { env: { OPENCLAW_NODE: process.execPath, OPENCLAW_ENTRY: entry }, pidOf };
}

/** Running (not a zombie left for its new parent to reap). */
export function alive(pid: number | null): boolean {
  // Never a pid of 0 or less, which would signal a whole process group.
  if (pid === null || !(pid > 0)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Waits until OpenClaw's CLI (the stand-in's) runs under `child`; throws with `child`'s output if it exits first. */
export async function untilCliRuns(openclaw: ReturnType<typeof standIn>, child: ChildProcess, output: () => string): Promise<void> {
  while (openclaw.pidOf("cli") === null) {
    if (child.exitCode !== null) throw new Error(`it exited (${child.exitCode}):\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
