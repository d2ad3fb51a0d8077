/**
 * The lifecycle workload, shared by bench/lifecycle and bench/wal-pages: the real
 * CLI hub in its own process, and loops that each own a task and cycle it through
 * full run lifecycles (delegate, start, two comments, complete: 5 requests).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { BENCH_POSTGRES_URL, cpuSeconds, dropBenchSchema, spawnChild } from "./support.ts";

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

/** What a server did over some slices: iterations, wall time, its CPU and the load generator's. */
export interface Tally { count: number; ms: number; cpu: number; clientCpu: number; databaseCpu: number }
export const tally = (): Tally => ({ count: 0, ms: 0, cpu: 0, clientCpu: 0, databaseCpu: 0 });

/** CPU-seconds of every PostgreSQL server process on this machine (its backends do a PostgreSQL hub's SQL). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "postgres") total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** One slice of `ms` on `concurrency` loops against the server `pid`, added to `into`. */
export async function slice(into: Tally, worker: (i: number) => Promise<void>, pid: number, ms: number, concurrency: number): Promise<void> {
  const cpu = cpuSeconds(pid);
  const databaseCpu = postgresCpuSeconds();
  const clientCpu = process.cpuUsage();
  const run = await drive(worker, concurrency, ms);
  into.cpu += cpuSeconds(pid) - cpu;
  into.databaseCpu += postgresCpuSeconds() - databaseCpu;
  const used = process.cpuUsage(clientCpu);
  into.clientCpu += (used.user + used.system) / 1e6;
  into.count += run.count;
  into.ms += run.ms;
}

export interface LifecycleHub {
  pid: number;
  dataDir: string;
  /** The PostgreSQL schema its tables are in (a hub on PostgreSQL only). */
  schema?: string;
  /** Where it listens (`http://127.0.0.1:P`), and the owner's Authorization header. */
  origin: string;
  ownerAuth: string;
  /** One full lifecycle on loop `i`'s task; `onCall` hears each call's latency in ms. */
  lifecycle(i: number, onCall?: (ms: number) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `checkout`'s hub on a fresh data dir, with one task per loop. `--writer`
 * goes to it only when given, so a checkout older than that flag still runs;
 * `flags` go to it as they are (e.g. `--metrics-port 0`).
 */
export async function startLifecycleHub(
  checkout: string, writer: string | undefined, concurrency: number, database = "sqlite", flags: readonly string[] = [],
): Promise<LifecycleHub> {
  if (database !== "sqlite" && database !== "postgres") throw new Error(`--database must be sqlite or postgres, got "${database}"`);
  // On PostgreSQL: a schema of its own in the machine's database, dropped with the hub.
  const schema = database === "postgres" ? `gc_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}` : null;
  const server = await startLifecycleServer(concurrency, (dataDir) => [
    ...(process.env.HUB_NODE_ARGS ? process.env.HUB_NODE_ARGS.split(" ") : []),
    join(checkout, "bin/openclaw-groupchat.mjs"), "hub", "--data", dataDir, "--port", "0", "--log-level", "error",
    ...(writer ? ["--writer", writer] : []),
    ...(schema ? ["--database", `${BENCH_POSTGRES_URL}?schema=${schema}`] : []),
    ...flags,
  ]);
  if (!schema) return server;
  return {
    ...server,
    schema,
    async stop() {
      await server.stop();
      await dropBenchSchema(schema);
    },
  };
}


/** Starts the hub's HTTP layer alone, its lifecycle writes answered at once (bench/http-layer-server.ts). */
export function startHttpLayer(concurrency: number): Promise<LifecycleHub> {
  return startLifecycleServer(concurrency, (dataDir) => [...(process.env.HUB_NODE_ARGS ? process.env.HUB_NODE_ARGS.split(" ") : []), "--import", "tsx", "bench/http-layer-server.ts", dataDir]);
}

/** Spawns a server that prints its GROUPCHAT_API_URL and keeps its credentials in the data dir it is given. */
async function startLifecycleServer(concurrency: number, args: (dataDir: string) => string[]): Promise<LifecycleHub> {
  const dataDir = mkdtempSync(join(tmpdir(), "gc-bench-"));
  const child = await spawnChild(args(dataDir), /GROUPCHAT_API_URL=http:\/\/127\.0\.0\.1:(\d+)/).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const creds = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8"));
  const origin = `http://127.0.0.1:${child.match[1]}`;
  const pool = new Pool(origin, { connections: concurrency });
  const owner = `Bearer ${creds.ownerToken}`;
  const agent = `Basic ${Buffer.from(`${creds.agentToken}:`).toString("base64")}`;
  const tasks: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    tasks.push((await call(pool, "POST", "/api/v1/tasks", owner, { projectId: creds.projectId, title: `Bench task ${i}` })).id);
  }
  return {
    pid: child.process.pid!,
    dataDir,
    origin,
    ownerAuth: owner,
    async lifecycle(i, onCall) {
      const timed = onCall
        ? async (method: "POST", path: string, auth: string, body: unknown) => {
          const t = performance.now();
          const result = await call(pool, method, path, auth, body);
          onCall(performance.now() - t);
          return result;
        }
        : (method: "POST", path: string, auth: string, body: unknown) => call(pool, method, path, auth, body);
      const run = await timed("POST", `/api/v1/tasks/${tasks[i]}/delegate`, owner, { agentId: creds.agentId });
      await timed("POST", `/api/v1/agent/runs/${run.id}/start`, agent, { body: "Starting work on this now." });
      await timed("POST", `/api/v1/agent/runs/${run.id}/comment`, agent, { body: "Found the issue." });
      await timed("POST", `/api/v1/agent/runs/${run.id}/comment`, agent, { body: "Working on a fix now." });
      await timed("POST", `/api/v1/agent/runs/${run.id}/complete`, agent, { body: "Done!", stepCostUsd: 0.01 });
    },
    async stop() {
      await pool.close();
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
