/**
 * The lifecycle workload, shared by bench/lifecycle and bench/wal-pages: the real
 * CLI hub in its own process, and loops that each own a task and cycle it through
 * full run lifecycles (delegate, start, two comments, complete: 5 requests).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { spawnChild } from "./support.ts";

export async function call(pool: Pool, method: "GET" | "POST", path: string, auth: string, body?: unknown) {
  const response = await pool.request({
    method, path,
    headers: body === undefined ? { authorization: auth } : { authorization: auth, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Runs `worker` on `concurrency` loops until the deadline; returns how many iterations completed. */
export async function drive(worker: (i: number) => Promise<void>, concurrency: number, durationMs: number): Promise<{ count: number; ms: number }> {
  const start = performance.now();
  const deadline = start + durationMs;
  let count = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, i) => {
    while (performance.now() < deadline) {
      await worker(i);
      count++;
    }
  }));
  return { count, ms: performance.now() - start };
}

export interface LifecycleHub {
  pid: number;
  dataDir: string;
  /** One full lifecycle on loop `i`'s task. */
  lifecycle(i: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `checkout`'s hub on a fresh data dir, with one task per loop. `--writer`
 * goes to it only when given, so a checkout older than that flag still runs.
 */
export async function startLifecycleHub(checkout: string, writer: string | undefined, concurrency: number): Promise<LifecycleHub> {
  const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-"));
  const child = await spawnChild(
    [...(process.env.HUB_NODE_ARGS ? process.env.HUB_NODE_ARGS.split(" ") : []), join(checkout, "bin/openclaw-groupchat.mjs"), "hub", "--data", dataDir, "--port", "0", "--log-level", "error", ...(writer ? ["--writer", writer] : [])],
    /GROUPCHAT_API_URL=http:\/\/127\.0\.0\.1:(\d+)/,
  ).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const creds = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8"));
  const pool = new Pool(`http://127.0.0.1:${child.match[1]}`, { connections: concurrency });
  const owner = `Bearer ${creds.ownerToken}`;
  const agent = `Basic ${Buffer.from(`${creds.agentToken}:`).toString("base64")}`;
  const tasks: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    tasks.push((await call(pool, "POST", "/api/v1/tasks", owner, { projectId: creds.projectId, title: `Bench task ${i}` })).id);
  }
  return {
    pid: child.process.pid!,
    dataDir,
    async lifecycle(i) {
      const run = await call(pool, "POST", `/api/v1/tasks/${tasks[i]}/delegate`, owner, { agentId: creds.agentId });
      await call(pool, "POST", `/api/v1/agent/runs/${run.id}/start`, agent, { body: "Starting work on this now." });
      await call(pool, "POST", `/api/v1/agent/runs/${run.id}/comment`, agent, { body: "Found the issue." });
      await call(pool, "POST", `/api/v1/agent/runs/${run.id}/comment`, agent, { body: "Working on a fix now." });
      await call(pool, "POST", `/api/v1/agent/runs/${run.id}/complete`, agent, { body: "Done!", stepCostUsd: 0.01 });
    },
    async stop() {
      await pool.close();
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
