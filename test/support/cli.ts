/**
 * The `openclaw-groupchat` command as users run it, for tests: the hub in a
 * child process, its printed URLs, and a stop that never leaves it behind.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
export const BIN = join(ROOT, "bin/openclaw-groupchat.mjs");

const run = promisify(execFile);

/** Runs the CLI to completion; a non-zero exit answers its code and output instead of throwing. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // SIGKILL: a command stuck where it does not hear SIGTERM must not outlive the test.
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000, killSignal: "SIGKILL" });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** `hub --data DATA --port 0 --log-level silent …flags` in a child process. */
export function spawnHub(data: string, ...flags: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, "hub", "--data", data, "--port", "0", "--log-level", "silent", ...flags], {
    cwd: ROOT, stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolves with a started hub's printed URLs once it listens. */
export function serve(child: ChildProcess): Promise<{ apiUrl: string; convexUrl: string; output: string }> {
  return new Promise((resolveUrls, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /^GROUPCHAT_API_URL=(\S+)$/m.exec(output);
      const convex = /^GROUPCHAT_CONVEX_URL=(\S+)$/m.exec(output);
      if (api && convex) resolveUrls({ apiUrl: api[1]!, convexUrl: convex[1]!, output });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`hub exited (${code}) before listening:\n${output}`)));
  });
}

/** Stops a child for good: SIGTERM, then SIGKILL if it lingers. Answers its exit code. */
export async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
